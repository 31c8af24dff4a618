// Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), field selectors (`metadata.name=x`,
// `involvedObject.uid=…`, `status.phase!=Running`) and the structured LabelSelector that webhook
// configurations carry (matchLabels + matchExpressions).
import type { KObject } from '../store.ts'
import { badRequest } from './status.ts'

export type Matcher = (obj: KObject) => boolean

interface Requirement {
  key: string
  op: 'in' | 'notin' | 'exists' | '!exists'
  values: string[]
}

/** Parses `labelSelector`; an empty selector matches everything. Throws 400 on bad syntax. */
export function labelMatcher(selector: string | null): Matcher {
  if (!selector?.trim()) return () => true
  const reqs = splitTopLevel(selector).map(parseRequirement)
  return (obj) => reqs.every((r) => matchesRequirement(obj.metadata.labels ?? {}, r))
}

/** Parses `fieldSelector`: `path=value`, `path==value`, `path!=value`, comma-separated. */
export function fieldMatcher(selector: string | null): Matcher {
  if (!selector?.trim()) return () => true
  const terms = selector.split(',').map((term) => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term)
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`)
    return { path: m[1], negate: m[2] === '!=', value: m[3] }
  })
  return (obj) => terms.every((t) => (fieldValue(obj, t.path) === t.value) !== t.negate)
}

/** A structured selector as in webhooks and workloads; `undefined` or `{}` matches everything. */
export function selectorMatches(selector: any, labels: Record<string, string> = {}): boolean {
  if (!selector) return true
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as string]
    if (!op) return false
    if (!matchesRequirement(labels, { key: e.key, op, values: e.values ?? [] })) return false
  }
  return true
}

function matchesRequirement(labels: Record<string, string>, r: Requirement): boolean {
  const has = Object.hasOwn(labels, r.key)
  switch (r.op) {
    case 'exists':
      return has
    case '!exists':
      return !has
    case 'in':
      return has && r.values.includes(labels[r.key])
    case 'notin':
      return !has || !r.values.includes(labels[r.key])
  }
}

/** Splits on commas that are not inside `( … )`. */
function splitTopLevel(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const c of s) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out.map((t) => t.trim()).filter(Boolean)
}

function parseRequirement(term: string): Requirement {
  let m = /^!\s*([\w./-]+)$/.exec(term)
  if (m) return { key: m[1], op: '!exists', values: [] }
  m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term)
  if (m)
    return {
      key: m[1],
      op: m[2] as 'in' | 'notin',
      values: m[3]
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    }
  m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term)
  if (m) return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] }
  m = /^([\w./-]+)$/.exec(term)
  if (m) return { key: m[1], op: 'exists', values: [] }
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`)
}

/** The string value of a dotted path, '' when absent (as the apiserver's field sets do). */
function fieldValue(obj: KObject, path: string): string {
  let cur: any = obj
  for (const key of path.split('.')) cur = cur?.[key]
  return cur === undefined || cur === null ? '' : String(cur)
}
