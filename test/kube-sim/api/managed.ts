// managedFields bookkeeping and server-side apply. An Update (create, PUT, json/merge/strategic
// patch) gives its manager the fields it changed and takes them from everyone else; an Apply
// makes the manager own exactly the fields in its configuration, removes the fields it stopped
// applying (unless someone else owns them) and refuses (409) to change another manager's field
// unless forced.
import { ApiError, type KObject } from '../store.ts'
import { decode, describe, encode, fieldSet, isMissing, keyPath, removeAt, valueAt, type Scope } from './fieldset.ts'
import { listKind, sameKey } from './lists.ts'
import { clone, deepEqual, isMap } from './patch.ts'

interface Entry {
  manager: string
  operation: 'Apply' | 'Update'
  apiVersion: string
  time: string
  subresource?: string
  set: Set<string>
}

export interface WriteContext {
  manager: string
  apiVersion: string
  /** custom resources: lists are atomic */
  custom: boolean
  /** 'status' for the status subresource; undefined for the main resource */
  subresource?: string
  /** the resource has a status subresource, so main-resource writes do not own .status */
  hasStatus: boolean
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const scopeOf = (ctx: WriteContext): Scope => (ctx.subresource === 'status' ? 'status' : ctx.hasStatus ? 'main' : 'all')

/** Records an Update by `ctx.manager` from `old` (undefined on create) to `next`, in place. */
export function trackUpdate(old: KObject | undefined, next: KObject, ctx: WriteContext): void {
  const given = next.metadata.managedFields
  // A client that rewrites managedFields itself (csaupgrade does) gets what it wrote.
  if (old && Array.isArray(given) && given.length && !deepEqual(given, old.metadata.managedFields)) return
  const entries = old && !(Array.isArray(given) && given.length === 0) ? readEntries(old) : []
  const scope = scopeOf(ctx)
  const before = fieldSet(old, ctx.custom, scope)
  const after = fieldSet(next, ctx.custom, scope)
  const changed = [...after].filter(
    (p) => !before.has(p) || !deepEqual(valueAt(old, keyPath(p)), valueAt(next, keyPath(p))),
  )
  const removed = [...before].filter((p) => !after.has(p))
  if (!changed.length && !removed.length && old) {
    next.metadata.managedFields = old.metadata.managedFields
    return
  }
  const mine = findOrAdd(entries, ctx, 'Update')
  for (const e of entries) {
    for (const p of removed) e.set.delete(p)
    if (e !== mine) for (const p of changed) e.set.delete(p)
  }
  for (const p of changed) mine.set.add(p)
  mine.time = now()
  mine.apiVersion = ctx.apiVersion
  writeEntries(next, entries)
}

/**
 * Server-side apply of `applied` onto `live` (undefined: the object is created). Returns the
 * object to store, with its managedFields; throws 409 on conflicts unless `force`.
 */
export function serverSideApply(
  live: KObject | undefined,
  applied: KObject,
  ctx: WriteContext & { force: boolean },
): KObject {
  const scope = scopeOf(ctx)
  const config = fieldSet(applied, ctx.custom, scope)
  const entries = live ? readEntries(live) : []
  const mine = findOrAdd(entries, ctx, 'Apply')
  const others = entries.filter((e) => e !== mine)
  const conflicts = live ? findConflicts(live, applied, config, others) : []
  if (conflicts.length && !ctx.force) throw conflictError(conflicts, ctx.apiVersion)
  for (const { path } of conflicts) for (const e of others) e.set.delete(path)

  const merged = mergeApplied(live ? clone(live) : {}, scopedConfig(applied, scope), [], ctx.custom) as KObject
  const dropped = [...mine.set].filter((p) => !config.has(p) && !ownedByOthers(p, others))
  dropped.sort((a, b) => keyPath(b).length - keyPath(a).length)
  for (const p of dropped) removeAt(merged, keyPath(p))

  mine.set = config
  mine.time = now()
  mine.apiVersion = ctx.apiVersion
  // An apply that changes nothing keeps the old timestamps, as in a real apiserver.
  if (live && deepEqual(stripManaged(merged), stripManaged(live)) && sameSets(readEntries(live), entries)) {
    merged.metadata.managedFields = live.metadata.managedFields
    return merged
  }
  writeEntries(merged, entries)
  return merged
}

function findConflicts(live: KObject, applied: KObject, config: Set<string>, others: Entry[]) {
  const out: { path: string; manager: string }[] = []
  for (const p of config) {
    if (p.endsWith('.')) continue
    const path = keyPath(p)
    const current = valueAt(live, path)
    if (isMissing(current) || deepEqual(current, valueAt(applied, path))) continue
    for (const e of others) if (e.set.has(p)) out.push({ path: p, manager: e.manager })
  }
  return out
}

function conflictError(conflicts: { path: string; manager: string }[], apiVersion: string): ApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${describe(keyPath(c.path))}`)
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  return new ApiError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}" using ${apiVersion}`,
      field: describe(keyPath(c.path)),
    })),
  })
}

/** Deep merge of an applied configuration into the live object, keyed lists merged by key. */
function mergeApplied(live: unknown, config: unknown, names: string[], custom: boolean): unknown {
  if (isMap(config)) {
    const out: Record<string, any> = isMap(live) ? live : {}
    for (const [k, v] of Object.entries(config)) out[k] = mergeApplied(out[k], v, [...names, k], custom)
    return out
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const kind = listKind(names, [...live, ...config], custom)
    if (kind.type === 'set') return [...live, ...config.filter((v) => !live.includes(v))]
    if (kind.type === 'map') {
      const out = [...live]
      for (const item of config) {
        const at = out.findIndex((o) => sameKey(o, item, kind.keys))
        if (at >= 0) out[at] = mergeApplied(out[at], item, names, custom)
        else out.push(clone(item))
      }
      return out
    }
  }
  return clone(config)
}

function scopedConfig(applied: KObject, scope: Scope): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata, status, ...rest } = applied
  const meta = { ...(metadata ?? {}) }
  for (const k of ['resourceVersion', 'uid', 'managedFields', 'creationTimestamp', 'generation']) delete meta[k]
  if (scope === 'status') return { metadata: meta, ...(status !== undefined ? { status } : {}) }
  return { metadata: meta, ...rest, ...(scope === 'all' && status !== undefined ? { status } : {}) }
}

/** A dropped field stays when another manager owns it or anything under it. */
function ownedByOthers(p: string, others: Entry[]): boolean {
  const base = p.endsWith('.') ? p.slice(0, -2) : p
  return others.some((e) => [...e.set].some((q) => q === base || q.startsWith(`${base}\u0001`)))
}

function readEntries(obj: KObject): Entry[] {
  return ((obj.metadata.managedFields ?? []) as any[]).map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time,
    subresource: m.subresource,
    set: decode(m.fieldsV1),
  }))
}

function writeEntries(obj: KObject, entries: Entry[]): void {
  const kept = entries.filter((e) => e.set.size)
  if (!kept.length) return void delete obj.metadata.managedFields
  obj.metadata.managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: encode(e.set),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }))
}

function findOrAdd(entries: Entry[], ctx: WriteContext, operation: Entry['operation']): Entry {
  const found = entries.find(
    (e) => e.manager === ctx.manager && e.operation === operation && (e.subresource ?? '') === (ctx.subresource ?? ''),
  )
  if (found) return found
  const entry: Entry = {
    manager: ctx.manager,
    operation,
    apiVersion: ctx.apiVersion,
    time: now(),
    subresource: ctx.subresource,
    set: new Set(),
  }
  entries.push(entry)
  return entry
}

const stripManaged = (o: KObject) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } })
const sameSets = (a: Entry[], b: Entry[]) =>
  JSON.stringify(a.filter((e) => e.set.size).map((e) => [e.manager, e.operation, [...e.set].sort()])) ===
  JSON.stringify(b.filter((e) => e.set.size).map((e) => [e.manager, e.operation, [...e.set].sort()]))
