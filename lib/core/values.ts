// Values as helm reads them: files parsed as YAML 1.1, merged, with `--set-string` on top. What
// helm will hold is computed here, so a re-run can compare it with what a release was deployed with.
// YAML is zx's copy of the yaml package, which the zx CLI has loaded already (a second copy: 30 ms of start-up)
import { YAML } from 'zx'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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
        ? `restore it: git checkout -- values/${path.basename(file)}`
        : `copy it from ${ours}`
    return { values: {}, problem: `values file ${shown} is missing: ${fix}` }
  }
  // helm reads values as YAML 1.1 (yes/on are booleans, 0755 is octal): so must we, to compare.
  const doc = YAML.parseDocument(text, { version: '1.1' })
  const error = doc.errors[0]
  if (error) {
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0]
    return { values: {}, problem: `${shown}:${line}:${col}: invalid YAML: ${error.message.split('\n')[0]}` }
  }
  const values = doc.toJS() ?? {}
  if (typeof values !== 'object' || Array.isArray(values))
    return {
      values: {},
      problem:
        `${shown}: must be a YAML mapping (key: value),` + ` found ${Array.isArray(values) ? 'a list' : typeof values}`,
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

/** `--set-string a.b.c=v` as the nested object helm builds from it. */
export function setToValues(set: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(set)) {
    const parts = key.split('.')
    let node = out
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
    node[parts.at(-1)!] = value
  }
  return out
}

/** `helm get values -o json` prints `null` for no values; both mean the same. */
export function normalizeValues(values: unknown): unknown {
  return values === null || values === undefined ? {} : values
}
