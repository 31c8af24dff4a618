// OpenAPI, as far as kubectl and helm use it. Both decide from the v3 document of a group
// version whether the server validates fields itself (a PATCH operation tagged with the kind's
// x-kubernetes-group-version-kind that lists a `fieldValidation` parameter); when it does they
// send fieldValidation=Strict and skip client-side schema validation, which is what we want:
// no schemas are needed. /openapi/v2 answers 404, so kubectl's client-side apply computes its
// strategic merge patches from its compiled-in types, and merge patches for custom resources.
import { createHash } from 'node:crypto'
import type { Registry, ResourceDef } from './registry.ts'
import { apiVersionOf } from './registry.ts'

export interface OpenApiReply {
  status: number
  body: unknown
}

/**
 * /openapi/v2 is a valid document without definitions: kubectl's client-side validation then
 * skips kinds it cannot look up (a CR in the same file as its CRD gets kubectl's own "no matches
 * for kind … ensure CRDs are installed first", as on a real cluster), and client-side apply finds
 * no patch metadata in it and uses its compiled-in types.
 */
export function openapiV2(accept: string): OpenApiReply & { contentType: string } {
  if (accept.includes('protobuf')) return { status: 200, body: V2_PROTOBUF, contentType: 'application/octet-stream' }
  return {
    status: 200,
    body: { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.3' }, paths: {}, definitions: {} },
    contentType: 'application/json',
  }
}

/** openapi_v2.Document{swagger: "2.0", info: {title: "Kubernetes", version: "v1.32.3"}} on the wire. */
const V2_PROTOBUF = (() => {
  const str = (field: number, s: string) =>
    Buffer.concat([Buffer.from([(field << 3) | 2, Buffer.byteLength(s)]), Buffer.from(s)])
  const info = Buffer.concat([str(1, 'Kubernetes'), str(2, 'v1.32.3')])
  return Buffer.concat([str(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info])
})()

/** Answers /openapi/v3 and /openapi/v3/<api/v1|apis/g/v>; undefined for any other path. */
export function openapi(path: string, registry: Registry): OpenApiReply | undefined {
  if (path === '/openapi/v3' || path === '/openapi/v3/') return { status: 200, body: { paths: rootPaths(registry) } }
  const m = /^\/openapi\/v3\/(api\/v1|apis\/[^/]+\/[^/]+)$/.exec(path)
  if (!m) return undefined
  const [group, version] = m[1] === 'api/v1' ? ['', 'v1'] : m[1].split('/').slice(1)
  const defs = registry.inGroupVersion(group, version)
  if (!defs.length) return undefined
  return { status: 200, body: groupVersionDoc(group, version, defs) }
}

function rootPaths(registry: Registry): Record<string, { serverRelativeURL: string }> {
  const out: Record<string, { serverRelativeURL: string }> = {}
  const gvs = new Set(registry.all().map((d) => (d.group ? `apis/${d.group}/${d.version}` : `api/${d.version}`)))
  for (const gv of gvs) {
    const [group, version] = gv === 'api/v1' ? ['', 'v1'] : gv.split('/').slice(1)
    const hash = createHash('sha256')
      .update(JSON.stringify(registry.inGroupVersion(group, version)))
      .digest('hex')
      .slice(0, 32)
      .toUpperCase()
    out[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }
  }
  return out
}

function groupVersionDoc(group: string, version: string, defs: ResourceDef[]) {
  const paths: Record<string, unknown> = {}
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`
  for (const def of defs) {
    const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.resource}` : `${prefix}/${def.resource}`
    paths[`${base}/{name}`] = itemOperations(def)
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  }
}

function itemOperations(def: ResourceDef) {
  const gvk = { group: def.group, version: def.version, kind: def.kind }
  const param = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })
  const write = ['dryRun', 'fieldManager', 'fieldValidation'].map(param)
  const op = (action: string, parameters: unknown[], extra: Record<string, unknown> = {}) => ({
    operationId: `${action}${def.kind}`,
    parameters,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  })
  // Strategic merge is left out of the patch content types on purpose: kubectl then uses its
  // compiled-in patch metadata instead of looking for schemas this document does not carry.
  const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']
  const body = {
    content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])),
    required: true,
  }
  return {
    get: op('get', []),
    put: op('put', write),
    patch: op('patch', [...write, param('force')], { requestBody: body }),
    delete: op('delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy'].map(param)),
    description: `operations on a ${def.kind} (${apiVersionOf(def.group, def.version)})`,
  }
}
