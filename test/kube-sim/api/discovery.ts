// Discovery, both shapes: the legacy documents (/api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>)
// and aggregated discovery (one APIGroupDiscoveryList for /api and one for /apis), served when
// the Accept header asks for it. client-go picks the format from the response Content-Type, so
// an aggregated answer saves kubectl and helm one request per group version.
import type { GroupInfo, Registry, ResourceDef } from './registry.ts'
import { apiVersionOf } from './registry.ts'

export interface Reply {
  status: number
  body: unknown
  contentType?: string
}

const AGGREGATED = /application\/json;\s*g=apidiscovery\.k8s\.io;\s*v=(v2beta1|v2);\s*as=APIGroupDiscoveryList/

/** Answers a discovery path, or undefined when the path is not a discovery document. */
export function discovery(path: string, accept: string, registry: Registry): Reply | undefined {
  const parts = path.split('/').filter(Boolean)
  const aggregated = preferredAggregated(accept)
  if (path === '/api' || path === '/api/') {
    if (aggregated) return aggregatedReply(aggregated, [coreGroupDiscovery(registry)])
    return ok({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
    })
  }
  if (path === '/apis' || path === '/apis/') {
    if (aggregated)
      return aggregatedReply(
        aggregated,
        registry.groups().map((g) => groupDiscovery(g, registry)),
      )
    return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map(apiGroup) })
  }
  if (parts[0] === 'api' && parts.length === 2) {
    return parts[1] === 'v1' ? ok(resourceList('', 'v1', registry)) : undefined
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const group = registry.groups().find((g) => g.group === parts[1])
    return group ? ok({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) }) : undefined
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const defs = registry.inGroupVersion(parts[1], parts[2])
    return defs.length ? ok(resourceList(parts[1], parts[2], registry)) : undefined
  }
  return undefined
}

const ok = (body: unknown): Reply => ({ status: 200, body })

/** The first aggregated format in the Accept list, if it comes before plain JSON. */
function preferredAggregated(accept: string): 'v2' | 'v2beta1' | undefined {
  for (const part of accept.split(',')) {
    const m = AGGREGATED.exec(part.replace(/\s+/g, ''))
    if (m) return m[1] as 'v2' | 'v2beta1'
    if (/^\s*application\/json\s*$/.test(part)) return undefined
  }
  return undefined
}

function aggregatedReply(version: 'v2' | 'v2beta1', items: unknown[]): Reply {
  return {
    status: 200,
    contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    body: { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items },
  }
}

function apiGroup(g: GroupInfo) {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }))
  return { name: g.group, versions, preferredVersion: versions[0] }
}

function resourceList(group: string, version: string, registry: Registry) {
  const resources = registry.inGroupVersion(group, version).flatMap((def) => [
    legacyResource(def),
    ...def.subresources.map((s) => ({
      name: `${def.resource}/${s.name}`,
      singularName: '',
      namespaced: def.namespaced,
      ...(s.group !== def.group || s.version !== def.version ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs,
    })),
  ])
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources }
}

function legacyResource(def: ResourceDef) {
  return {
    name: def.resource,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: def.verbs,
    ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length ? { categories: def.categories } : {}),
    storageVersionHash: hash(`${def.group}/${def.version}/${def.resource}`),
  }
}

function coreGroupDiscovery(registry: Registry) {
  return { metadata: { name: '' }, versions: [versionDiscovery('', 'v1', registry)] }
}

function groupDiscovery(g: GroupInfo, registry: Registry) {
  return { metadata: { name: g.group }, versions: g.versions.map((v) => versionDiscovery(g.group, v, registry)) }
}

function versionDiscovery(group: string, version: string, registry: Registry) {
  const resources = registry.inGroupVersion(group, version).map((def) => ({
    resource: def.resource,
    responseKind: { group, version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: def.verbs,
    ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length ? { categories: def.categories } : {}),
    ...(def.subresources.length
      ? {
          subresources: def.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  }))
  return { version, resources, freshness: 'Current' }
}

/** A short stable hash, the shape of storageVersionHash (clients only compare it). */
function hash(s: string): string {
  let h = 0
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0
  return Buffer.from(String(h >>> 0))
    .toString('base64')
    .slice(0, 11)
}
