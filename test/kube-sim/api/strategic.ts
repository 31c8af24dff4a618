// Strategic merge patch for the built-in kinds: maps merge, lists of objects merge by their key
// (containers by name, ports by port …), sets of primitives (finalizers) union, other lists
// replace; plus the directives kubectl and helm's three-way patches send: `$patch: replace|delete|
// merge`, `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`.
import { listKind, sameKey } from './lists.ts'
import { clone, isMap } from './patch.ts'

const ORDER = '$setElementOrder/'
const DELETE_FROM = '$deleteFromPrimitiveList/'

/** Applies `patch` to `original`; `undefined` means the patch deleted the whole value. */
export function strategicMerge(original: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isMap(patch)) return clean(patch)
  if (patch.$patch === 'replace') return clean(patch)
  if (patch.$patch === 'delete') return undefined
  const out: Record<string, any> = isMap(original) ? clone(original) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue
    if (value === null) {
      delete out[key]
    } else if (isMap(value)) {
      const merged = strategicMerge(out[key], value, [...path, key])
      if (merged === undefined) delete out[key]
      else out[key] = merged
    } else if (Array.isArray(value)) {
      out[key] = mergeList(Array.isArray(out[key]) ? out[key] : [], value, [...path, key])
    } else {
      out[key] = value
    }
  }
  applyListDirectives(out, patch, path)
  if (Array.isArray(patch.$retainKeys)) {
    for (const key of Object.keys(out)) if (!patch.$retainKeys.includes(key)) delete out[key]
  }
  return out
}

function mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const kind = listKind(path, [...original, ...patch], false)
  if (kind.type === 'atomic') return patch.filter((i) => !(isMap(i) && i.$patch)).map(clean)
  if (kind.type === 'set') return [...original, ...patch.filter((v) => !original.includes(v))]
  if (patch.some((i) => isMap(i) && i.$patch === 'replace'))
    return patch.filter((i) => !(isMap(i) && i.$patch)).map(clean)
  const key = [kind.keys[0]]
  const out = [...original]
  for (const item of patch) {
    const at = out.findIndex((o) => sameKey(o, item, key))
    if (isMap(item) && item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1)
    } else if (at >= 0) {
      out[at] = strategicMerge(out[at], item, path)
    } else {
      out.push(clean(item))
    }
  }
  return out
}

/** `$deleteFromPrimitiveList/<field>` removes values; `$setElementOrder/<field>` orders items. */
function applyListDirectives(out: Record<string, any>, patch: Record<string, any>, path: string[]): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length)
      if (Array.isArray(out[field])) out[field] = out[field].filter((v: unknown) => !(value as unknown[]).includes(v))
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(ORDER)) continue
    const field = key.slice(ORDER.length)
    if (Array.isArray(out[field]) && Array.isArray(value)) out[field] = ordered(out[field], value, [...path, field])
  }
}

/** Items named in `order` first, in that order; the server's other items keep theirs, after. */
function ordered(items: unknown[], order: unknown[], path: string[]): unknown[] {
  const kind = listKind(path, items, false)
  const matches = (item: unknown, o: unknown) => (kind.type === 'map' ? sameKey(item, o, [kind.keys[0]]) : item === o)
  const first = order.flatMap((o) => items.filter((i) => matches(i, o)))
  return [...first, ...items.filter((i) => !first.includes(i))]
}

/** A value as stored: with every patch directive removed. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean)
  if (!isMap(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = clean(v)
  return out
}
