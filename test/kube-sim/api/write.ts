// Create, update (PUT) and patch, as one pipeline: decode → namespace checks → defaults →
// validation → admission webhooks → managedFields → store (or not, for dryRun=All).
import { parse as parseYaml } from 'yaml'
import { ApiError, type KObject } from '../store.ts'
import { fromEventsV1, json, present, storageOf, type ApiContext, type Call, type Reply } from './context.ts'
import { applyDefaults } from './defaults.ts'
import { serverSideApply, trackUpdate, type WriteContext } from './managed.ts'
import { clone, jsonPatch, mergePatch } from './patch.ts'
import { decodeProtobuf, isProtobuf } from './proto/decode.ts'
import { mustGet, scaleOf } from './read.ts'
import { apiVersionOf, CRDS } from './registry.ts'
import { flag, isDryRun } from './request.ts'
import { badRequest, forbidden, notFoundError } from './status.ts'
import { strategicMerge } from './strategic.ts'
import { validate } from './validate.ts'

const NAMESPACES = { group: '', resource: 'namespaces' }

export function createObject(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  if (req.subresource === 'eviction') return evict(ctx, call)
  if (req.subresource) throw badRequest(`${req.subresource} is not supported for create`)
  const obj = decodeObject(call)
  if (req.name && obj.metadata.name && req.name !== obj.metadata.name)
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${req.name})`)
  const stored = persistCreate(ctx, call, obj, (o) => trackUpdate(undefined, o, writeContext(call)))
  return json(201, present(req.def, stored))
}

export function updateObject(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  const body = decodeObject(call)
  const current = mustGet(ctx, call)
  if (req.subresource === 'scale')
    return json(200, scaleOf(persistUpdate(ctx, call, current, withReplicas(current, body.spec?.replicas))))
  if (body.metadata?.name && body.metadata.name !== req.name)
    throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${req.name})`)
  const next =
    req.subresource === 'finalize'
      ? { ...current, spec: { ...current.spec, finalizers: body.spec?.finalizers ?? [] } }
      : body
  return json(200, present(req.def, persistUpdate(ctx, call, current, next)))
}

export function patchObject(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  const type = call.contentType.split(';')[0].trim()
  const patch =
    type === 'application/apply-patch+yaml' ? parseYamlBody(call.body.toString('utf8')) : parseJson(call.body)
  if (type === 'application/apply-patch+yaml') return applyObject(ctx, call, patch)
  const current = mustGet(ctx, call)
  if (req.subresource === 'scale') {
    const scale = applyPatch(type, scaleOf(current), patch, call) as KObject
    return json(200, scaleOf(persistUpdate(ctx, call, current, withReplicas(current, scale.spec?.replicas))))
  }
  const next = applyPatch(type, present(req.def, current), patch, call) as KObject
  return json(200, present(req.def, persistUpdate(ctx, call, current, next)))
}

/** Server-side apply: creates the object when it does not exist (201), merges it otherwise. */
function applyObject(ctx: ApiContext, call: Call, applied: KObject): Reply {
  const { req } = call
  if (!call.req.query.get('fieldManager'))
    throw new ApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    )
  applied.metadata ??= { name: req.name! }
  if (applied.metadata.name && applied.metadata.name !== req.name)
    throw badRequest(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${req.name})`,
    )
  const wctx = { ...writeContext(call), force: flag(req.query, 'force') }
  const current = ctx.store.get(storageOf(req.def), req.namespace, req.name!)
  if (!current) {
    if (req.subresource) throw notFoundError(req.def, req.name!)
    const input = { ...applied, metadata: { ...applied.metadata, name: req.name! } }
    // The applier owns what it applied, not what defaulting added.
    const { managedFields } = serverSideApply(undefined, clone(input), wctx).metadata
    const created = persistCreate(ctx, call, input, (o) => void (o.metadata.managedFields = managedFields))
    return json(201, present(req.def, created))
  }
  const merged = serverSideApply(present(req.def, current), applied, wctx)
  return json(200, present(req.def, persistUpdate(ctx, call, current, merged, { managed: 'given' })))
}

function applyPatch(type: string, current: KObject, patch: unknown, call: Call): unknown {
  switch (type) {
    case 'application/json-patch+json':
      return jsonPatch(current, patch)
    case 'application/merge-patch+json':
      return mergePatch(current, patch)
    case 'application/strategic-merge-patch+json':
      if (call.req.def.custom) throw unsupportedPatch()
      return strategicMerge(current, patch)
    default:
      throw unsupportedPatch()
  }
}

const unsupportedPatch = () =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: ' +
      'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  )

/** Everything a create goes through; `track` sets managedFields on the final object. */
function persistCreate(ctx: ApiContext, call: Call, input: KObject, track: (o: KObject) => void): KObject {
  const { req } = call
  const normalized = normalize(call, input)
  if (req.def.namespaced) requireLiveNamespace(ctx, call, normalized.metadata.name)
  if (req.def.custom) requireLiveCRD(ctx, call)
  const obj = applyDefaults(req.def, normalized, undefined, ctx)
  validate(req.def, obj, undefined)
  ctx.admission.admit({
    operation: 'CREATE',
    def: req.def,
    namespace: req.namespace,
    object: obj,
    dryRun: isDryRun(req.query),
  })
  track(obj)
  const stored = isEventsV1(call) ? fromEventsV1(obj) : obj
  return ctx.store.create(storageOf(req.def), stored, { dryRun: isDryRun(req.query) })
}

/** Everything an update goes through; only .status changes through the status subresource. */
function persistUpdate(
  ctx: ApiContext,
  call: Call,
  current: KObject,
  input: KObject,
  opts: { managed?: 'given' } = {},
): KObject {
  const { req } = call
  let next = normalize(call, input)
  next.metadata.resourceVersion ??= current.metadata.resourceVersion
  const statusWrite = req.subresource === 'status'
  const hasStatus = req.def.subresources.some((s) => s.name === 'status')
  if (!statusWrite && hasStatus) next.status = clone(current.status)
  if (statusWrite)
    Object.assign(next, {
      ...clone(current),
      status: next.status,
      metadata: { ...current.metadata, resourceVersion: next.metadata.resourceVersion },
    })
  next = applyDefaults(req.def, next, current, ctx)
  validate(req.def, next, current)
  ctx.admission.admit({
    operation: 'UPDATE',
    def: req.def,
    subresource: req.subresource,
    namespace: req.namespace,
    object: next,
    oldObject: current,
    dryRun: isDryRun(req.query),
  })
  if (opts.managed !== 'given') trackUpdate(present(req.def, current), next, writeContext(call))
  const stored = isEventsV1(call) ? fromEventsV1(next) : next
  return ctx.store.update(storageOf(req.def), stored, {
    dryRun: isDryRun(req.query),
    subresource: statusWrite ? 'status' : undefined,
  })
}

/** apiVersion/kind of the request, namespace from the URL (a different one is a 400). */
function normalize(call: Call, input: KObject): KObject {
  const { req } = call
  const obj = clone(input)
  obj.metadata ??= {} as KObject['metadata']
  if (req.def.namespaced) {
    if (obj.metadata.namespace && obj.metadata.namespace !== req.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    obj.metadata.namespace = req.namespace
  } else delete obj.metadata.namespace
  obj.apiVersion = apiVersionOf(req.def.group, req.def.version)
  obj.kind = req.def.kind
  if (!obj.metadata.name && req.name) obj.metadata.name = req.name
  return obj
}

/** Namespaced creates need a namespace that exists and is not being deleted. */
function requireLiveNamespace(ctx: ApiContext, call: Call, name: string): void {
  const { req } = call
  const ns = ctx.store.get(NAMESPACES, undefined, req.namespace!)
  if (!ns) throw notFoundError(NAMESPACES, req.namespace!)
  if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
    const why = `unable to create new content in namespace ${req.namespace} because it is being terminated`
    throw forbidden(req.def, name, why, [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }])
  }
}

/** No new custom objects while their CRD is being deleted. */
function requireLiveCRD(ctx: ApiContext, call: Call): void {
  const { def } = call.req
  const crd = ctx.store.get(CRDS, undefined, `${def.resource}.${def.group}`)
  if (crd?.metadata.deletionTimestamp)
    throw new ApiError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`)
}

function writeContext(call: Call): WriteContext {
  const { req } = call
  return {
    manager: req.query.get('fieldManager') || call.userAgent.split('/')[0] || 'unknown',
    apiVersion: apiVersionOf(req.def.group, req.def.version),
    custom: !!req.def.custom,
    subresource: req.subresource === 'status' ? 'status' : undefined,
    hasStatus: req.def.subresources.some((s) => s.name === 'status'),
  }
}

function withReplicas(current: KObject, replicas: unknown): KObject {
  if (typeof replicas !== 'number') throw badRequest('spec.replicas must be a number')
  const next = clone(current)
  next.spec = { ...next.spec, replicas }
  return next
}

/** POST pods/<name>/eviction: the pod goes away (no PodDisruptionBudgets are enforced). */
function evict(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  mustGet(ctx, call)
  if (!isDryRun(req.query)) ctx.store.delete(storageOf(req.def), req.namespace, req.name!)
  return json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
}

/** The request body: JSON, YAML, or the protobuf kubectl's typed clients send. */
export function decodeObject(call: Call): KObject {
  if (isProtobuf(call.contentType)) return decodeProtobuf(call.body) as KObject
  const text = call.body.toString('utf8')
  const obj = /yaml/.test(call.contentType) ? parseYamlBody(text) : parseJson(call.body)
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    throw badRequest("Object 'Kind' is missing in the request body")
  return obj as KObject
}

/**
 * A YAML body. kubectl and helm send JSON even as apply-patch+yaml, and JSON is YAML: read as JSON
 * first, as the YAML parser takes about a second for a 400 KB CRD.
 */
function parseYamlBody(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return parseYaml(text)
  }
}

function parseJson(body: Buffer): any {
  try {
    return JSON.parse(body.toString('utf8') || 'null')
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message}`)
  }
}

const isEventsV1 = (call: Call) => call.req.def.group === 'events.k8s.io'
