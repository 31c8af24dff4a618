// Values as helm reads them: files parsed as YAML 1.1, merged, with `--set-string` on top. What
// helm will hold is computed here, so a re-run can compare it with what a release was deployed with.
// YAML is zx's copy of the yaml package, which the zx CLI has loaded already (a second copy: 30 ms of start-up)
import { YAML } from './zx.ts'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { moveToNamespace } from './services.ts'
import { say } from './text.ts'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** A values file parsed; a YAML error is reported as `file:line:column: what`. */
export function readValuesFile(file: string): { values: Record<string, unknown>; problem?: string } {
  const relative = path.relative(process.cwd(), file)
  const shown = relative.startsWith('..') ? file : relative
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    const ours = path.join(projectRoot, 'values', path.basename(file))
    const fix =
      path.dirname(file) === path.dirname(ours)
        ? say({
            en: `restore it: git checkout -- values/${path.basename(file)}`,
            ko: `되돌리세요: git checkout -- values/${path.basename(file)}`,
          })
        : say({ en: `copy it from ${ours}`, ko: `${ours}에서 복사하세요` })
    return {
      values: {},
      problem: say({
        en: `values file ${shown} is missing: ${fix}`,
        ko: `values 파일 ${shown}이 없습니다: ${fix}`,
      }),
    }
  }
  // helm reads values as YAML 1.1 (yes/on are booleans, 0755 is octal): so must we, to compare.
  const doc = YAML.parseDocument(text, { version: '1.1' })
  const error = doc.errors[0]
  if (error) {
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0]
    const why = error.message.split('\n')[0]
    return {
      values: {},
      problem: say({
        en: `${shown}:${line}:${col}: invalid YAML: ${why}`,
        ko: `${shown}:${line}:${col}: 잘못된 YAML: ${why}`,
      }),
    }
  }
  const values = doc.toJS() ?? {}
  const found = Array.isArray(values) ? say({ en: 'a list', ko: '리스트' }) : typeof values
  if (typeof values !== 'object' || Array.isArray(values))
    return {
      values: {},
      problem: say({
        en: `${shown}: must be a YAML mapping (key: value), found ${found}`,
        ko: `${shown}: YAML 매핑(key: value)이어야 합니다 (${found})`,
      }),
    }
  return { values }
}

/** Deep merge as helm merges values files and --set: later wins, maps merge, everything else replaces. */
export function mergeValues(...layers: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    if (!isMap(layer)) continue
    for (const [k, v] of Object.entries(layer)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v
  }
  return out
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * `--set-string` entries set into `base` as helm sets them (`a.b.c=v`, `a.list[0].url=v`, `\\.` a dot
 * inside a key): into the lists and maps already there, so `[0].url` keeps the entry's other keys.
 */
export function setToValues(set: Record<string, string>, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out = structuredClone(base)
  for (const [key, value] of Object.entries(set)) {
    const path = keyPath(key)
    let node: Record<string | number, unknown> = out
    path.slice(0, -1).forEach((part, i) => {
      const empty = typeof path[i + 1] === 'number' ? [] : {}
      const child = node[part]
      if (typeof child !== 'object' || child === null || Array.isArray(child) !== Array.isArray(empty))
        node[part] = empty
      node = node[part] as Record<string | number, unknown>
    })
    node[path.at(-1)!] = value
  }
  return out
}

/** `a.b[0].c` as [a, b, 0, c]; `\\.` is a dot inside a key. */
function keyPath(key: string): (string | number)[] {
  const parts: (string | number)[] = []
  for (const [, name, index] of key.matchAll(/((?:\\.|[^.[\\])+)?(?:\[(\d+)\])?\.?/g)) {
    if (name) parts.push(name.replace(/\\(.)/g, '$1'))
    if (index) parts.push(Number(index))
  }
  return parts
}

/**
 * The `--set-string` entries that move every URL naming a Service in namespace `from` (the one the
 * values files are written for) into `to`, keyed as helm reads them (`grafana.additionalDataSources[0].url`).
 */
export function namespaceSet(values: unknown, from: string, to: string): Record<string, string> {
  const set: Record<string, string> = {}
  const walk = (node: unknown, key: string) => {
    if (typeof node === 'string') {
      const moved = moveToNamespace(node, from, to)
      if (moved !== undefined) set[key] = moved
    } else if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${key}[${i}]`)
    } else if (isMap(node))
      for (const [k, v] of Object.entries(node)) walk(v, `${key ? `${key}.` : ''}${k.replace(/([.[\\])/g, '\\$1')}`)
  }
  walk(values, '')
  return set
}

/** `helm get values -o json` prints `null` for no values; both mean the same. */
export function normalizeValues(values: unknown): unknown {
  return values === null || values === undefined ? {} : values
}
