// Field sets, the unit of ownership in managedFields: every leaf of an object as a path of
// FieldsV1 segments (`f:spec`, `k:{"name":"app"}` for an item of a keyed list, `v:"x"` for a set
// member, `.` for the item itself), encoded to and decoded from the FieldsV1 tree.
import { itemKey, listKind } from './lists.ts'
import { isMap } from './patch.ts'

export type Path = string[]
const SEP = '\u0001'
export const pathKey = (p: Path) => p.join(SEP)
export const keyPath = (k: string): Path => (k ? k.split(SEP) : [])

/** Server-owned metadata that no manager owns. */
const SERVER_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
])

export type Scope = 'all' | 'main' | 'status'

/**
 * The set of leaf paths of an object. `main` leaves out `.status` (a resource with a status
 * subresource), `status` keeps only `.status`.
 */
export function fieldSet(obj: Record<string, any> | undefined, custom: boolean, scope: Scope = 'all'): Set<string> {
  const out = new Set<string>()
  if (!obj) return out
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue
    if ((scope === 'main' && k === 'status') || (scope === 'status' && k !== 'status')) continue
    if (k === 'metadata' && isMap(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (!SERVER_META.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk], custom, out)
      }
      continue
    }
    walk(v, [`f:${k}`], [k], custom, out)
  }
  return out
}

function walk(value: unknown, segs: Path, names: string[], custom: boolean, out: Set<string>): void {
  if (isMap(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) walk(v, [...segs, `f:${k}`], [...names, k], custom, out)
    return
  }
  if (Array.isArray(value) && value.length) {
    const kind = listKind(names, value, custom)
    if (kind.type === 'set') {
      for (const v of value) out.add(pathKey([...segs, `v:${JSON.stringify(v)}`]))
      return
    }
    if (kind.type === 'map') {
      for (const item of value) {
        const itemSeg = `k:${JSON.stringify(itemKey(item, kind.keys))}`
        out.add(pathKey([...segs, itemSeg, '.']))
        if (isMap(item))
          for (const [k, v] of Object.entries(item)) walk(v, [...segs, itemSeg, `f:${k}`], [...names, k], custom, out)
      }
      return
    }
  }
  out.add(pathKey(segs))
}

/** The FieldsV1 tree of a set: `{"f:data":{"f:a":{}}, …}`. */
export function encode(set: Set<string>): Record<string, any> {
  const root: Record<string, any> = {}
  for (const key of [...set].sort()) {
    let node = root
    for (const seg of keyPath(key)) node = node[seg] ??= {}
  }
  return root
}

export function decode(tree: unknown, prefix: Path = [], out = new Set<string>()): Set<string> {
  if (!isMap(tree)) return out
  for (const [seg, child] of Object.entries(tree)) {
    const p = [...prefix, seg]
    if (seg === '.' || !isMap(child) || Object.keys(child).length === 0) out.add(pathKey(p))
    else decode(child, p, out)
  }
  return out
}

const MISSING = Symbol('missing')

/** The value at a path, or MISSING; `.` stands for the list item it follows. */
export function valueAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj
  for (const seg of path) {
    if (seg === '.') continue
    cur = step(cur, seg)
    if (cur === MISSING) return MISSING
  }
  return cur
}

function step(cur: unknown, seg: string): unknown {
  const kind = seg.slice(0, 2)
  const rest = seg.slice(2)
  if (kind === 'f:') return isMap(cur) && rest in cur ? cur[rest] : MISSING
  if (!Array.isArray(cur)) return MISSING
  if (kind === 'v:') {
    const v = JSON.parse(rest)
    return cur.includes(v) ? v : MISSING
  }
  const key = JSON.parse(rest) as Record<string, unknown>
  const found = cur.find((item) => JSON.stringify(itemKey(item, Object.keys(key))) === JSON.stringify(key))
  return found === undefined ? MISSING : found
}

/** Removes the field, set member or list item a path names (a trailing `.` names the item). */
export function removeAt(obj: unknown, path: Path): void {
  const p = path[path.length - 1] === '.' ? path.slice(0, -1) : path
  if (!p.length) return
  const parent = valueAt(obj, p.slice(0, -1))
  const seg = p[p.length - 1]
  if (seg.startsWith('f:') && isMap(parent)) delete parent[seg.slice(2)]
  else if (Array.isArray(parent)) {
    const target = step(parent, seg)
    const i = parent.indexOf(target)
    if (i >= 0) parent.splice(i, 1)
  }
}

/** `.spec.containers[name="app"].image`: how conflict messages name a field. */
export function describe(path: Path): string {
  return path
    .filter((s) => s !== '.')
    .map((s) => {
      if (s.startsWith('f:')) return `.${s.slice(2)}`
      if (s.startsWith('v:')) return `[${s.slice(2)}]`
      const key = JSON.parse(s.slice(2)) as Record<string, unknown>
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`
    })
    .join('')
}

export const isMissing = (v: unknown) => v === MISSING
