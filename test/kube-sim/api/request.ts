// Turns a request path into what the apiserver calls RequestInfo: verb, group/version/resource,
// namespace, name and subresource. The only ambiguity is /api/v1/namespaces/<x>/<y>: <y> is a
// namespaced resource inside namespace <x>, unless it is a subresource of the namespace itself.
import type { Registry, ResourceDef } from './registry.ts'

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection'

export interface ResourceRequest {
  verb: Verb
  def: ResourceDef
  namespace?: string
  name?: string
  subresource?: string
  query: URLSearchParams
}

export type Parsed =
  | { kind: 'resource'; req: ResourceRequest }
  /** a group/version that exists but a resource that does not, or a path outside the API */
  | { kind: 'unknown' }
  | { kind: 'nonresource'; path: string }

export function parseRequest(method: string, url: URL, registry: Registry): Parsed {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api' && parts.length >= 3) {
    group = ''
    version = parts[1]
    rest = parts.slice(2)
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]
    version = parts[2]
    rest = parts.slice(3)
  } else {
    return { kind: 'nonresource', path: url.pathname }
  }
  const located = locate(group, version, rest, registry)
  if (!located) return { kind: 'unknown' }
  const { def, namespace, name, subresource } = located
  const verb = verbOf(method, name, url.searchParams)
  if (!verb) return { kind: 'unknown' }
  return { kind: 'resource', req: { verb, def, namespace, name, subresource, query: url.searchParams } }
}

interface Located {
  def: ResourceDef
  namespace?: string
  name?: string
  subresource?: string
}

function locate(group: string, version: string, rest: string[], registry: Registry): Located | undefined {
  // /namespaces/<ns>/<resource>/… for a namespaced resource
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const def = registry.find(group, version, rest[2])
    if (def?.namespaced) return { def, namespace: rest[1], name: rest[3], subresource: rest[4] }
  }
  const def = registry.find(group, version, rest[0])
  if (!def || rest.length > 3) return undefined
  if (def.namespaced && rest.length > 1) return undefined // /api/v1/pods/<name> is not a path
  return { def, name: rest[1], subresource: rest[2] }
}

function verbOf(method: string, name: string | undefined, query: URLSearchParams): Verb | undefined {
  const watch = query.get('watch')
  switch (method) {
    case 'GET':
      if (name) return 'get'
      return watch === 'true' || watch === '1' ? 'watch' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return name ? 'update' : undefined
    case 'PATCH':
      return name ? 'patch' : undefined
    case 'DELETE':
      return name ? 'delete' : 'deletecollection'
    default:
      return undefined
  }
}

/** Query flags as the apiserver reads them: `dryRun=All`, `force=true` … */
export const isDryRun = (q: URLSearchParams) => q.getAll('dryRun').includes('All')
export const flag = (q: URLSearchParams, name: string) => q.get(name) === 'true' || q.get(name) === '1'
