// JSON patch (RFC 6902) and JSON merge patch (RFC 7386), applied to plain JSON values. Errors
// carry the 422/400 the apiserver answers with, so kubectl prints what it prints for a real one.
import { ApiError } from '../store.ts'
import { badRequest } from './status.ts'

export const clone = <T>(v: T): T => structuredClone(v)

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((v, i) => deepEqual(v, (b as unknown[])[i]))
  const ka = Object.keys(a as object)
  const kb = Object.keys(b as object)
  return ka.length === kb.length && ka.every((k) => deepEqual((a as any)[k], (b as any)[k]))
}

export const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** RFC 7386: maps merge recursively, null deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return clone(patch)
  const out: Record<string, any> = isMap(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

interface Op {
  op: string
  path: string
  from?: string
  value?: unknown
}

/** RFC 6902 with JSON pointers; a failed `test` or a missing path is a 422, as in the apiserver. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  let out = clone(doc)
  for (const op of ops as Op[]) out = applyOp(out, op)
  return out
}

function applyOp(doc: unknown, op: Op): unknown {
  switch (op.op) {
    case 'add':
      return put(doc, pointer(op.path), clone(op.value), 'add')
    case 'replace':
      get(doc, pointer(op.path), op)
      return put(doc, pointer(op.path), clone(op.value), 'replace')
    case 'remove':
      get(doc, pointer(op.path), op)
      return remove(doc, pointer(op.path))
    case 'move': {
      const value = get(doc, pointer(op.from ?? ''), op)
      return put(remove(doc, pointer(op.from ?? '')), pointer(op.path), value, 'add')
    }
    case 'copy':
      return put(doc, pointer(op.path), clone(get(doc, pointer(op.from ?? ''), op)), 'add')
    case 'test':
      if (!deepEqual(get(doc, pointer(op.path), op), op.value))
        throw unprocessable(`testing value ${op.path} failed: test failed`)
      return doc
    default:
      throw badRequest(`Unexpected kind: ${op.op}`)
  }
}

function pointer(path: string): string[] {
  if (path === '') return []
  if (!path.startsWith('/')) throw badRequest(`JSON pointer must be empty or start with a "/": ${path}`)
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function get(doc: unknown, keys: string[], op: Op): unknown {
  let cur: any = doc
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || !(k in cur)) {
      throw unprocessable(`${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`)
    }
    cur = cur[k]
  }
  return cur
}

function put(doc: unknown, keys: string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (keys.length === 0) return value
  const parent: any = get(doc, keys.slice(0, -1), { op: mode, path: `/${keys.join('/')}` })
  const last = keys[keys.length - 1]
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last)
    if (!Number.isInteger(i) || i < 0 || i > parent.length)
      throw unprocessable(`${mode} operation does not apply: index out of bounds: ${last}`)
    if (mode === 'add') parent.splice(i, 0, value)
    else parent[i] = value
  } else if (parent !== null && typeof parent === 'object') {
    parent[last] = value
  } else {
    throw unprocessable(`${mode} operation does not apply: doc is missing path: "/${keys.join('/')}"`)
  }
  return doc
}

function remove(doc: unknown, keys: string[]): unknown {
  const parent: any = get(doc, keys.slice(0, -1), { op: 'remove', path: `/${keys.join('/')}` })
  const last = keys[keys.length - 1]
  if (Array.isArray(parent)) parent.splice(Number(last), 1)
  else delete parent[last]
  return doc
}

const unprocessable = (message: string) => new ApiError(422, '', message)
