// DELETE of one object or a collection: DeleteOptions (body or query), preconditions, dry run,
// propagation (Background leaves dependents to the garbage collector; Foreground and Orphan are
// done here, synchronously), a namespace going Terminating, a CRD taking its objects with it.
import { ApiError, type KObject, type ResourceId } from '../store.ts'
import { json, present, storageOf, type ApiContext, type Call, type Reply } from './context.ts'
import { decodeProtobuf, isProtobuf } from './proto/decode.ts'
import { mustGet, select } from './read.ts'
import { CRDS } from './registry.ts'
import { isDryRun } from './request.ts'
import { badRequest, success } from './status.ts'

interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'
  dryRun?: string[]
  preconditions?: { uid?: string; resourceVersion?: string }
  orphanDependents?: boolean
}

export function deleteObject(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  if (req.subresource) throw badRequest(`${req.subresource} does not support delete`)
  const opts = deleteOptions(call)
  const current = mustGet(ctx, call)
  checkPreconditions(current, opts, call)
  const dryRun = isDryRun(call.req.query) || (opts.dryRun ?? []).includes('All')
  ctx.admission.admit({ operation: 'DELETE', def: req.def, namespace: req.namespace, oldObject: current, dryRun })
  if (dryRun) return json(200, present(req.def, current))
  const result = remove(ctx, storageOf(req.def), current, opts)
  const gone = !ctx.store.get(storageOf(req.def), req.namespace, req.name!)
  if (gone)
    return json(
      200,
      success({ name: current.metadata.name, group: req.def.group, kind: req.def.resource, uid: current.metadata.uid }),
    )
  return json(200, present(req.def, result))
}

export function deleteCollection(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  const opts = deleteOptions(call)
  const dryRun = isDryRun(call.req.query) || (opts.dryRun ?? []).includes('All')
  const items = select(ctx.store.list(storageOf(req.def), req.namespace).items, call)
  for (const obj of items) {
    ctx.admission.admit({
      operation: 'DELETE',
      def: req.def,
      namespace: obj.metadata.namespace,
      oldObject: obj,
      dryRun,
    })
    if (!dryRun) remove(ctx, storageOf(req.def), obj, opts)
  }
  return json(200, success())
}

function remove(ctx: ApiContext, res: ResourceId, obj: KObject, opts: DeleteOptions): KObject {
  const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : 'Background')
  if (policy === 'Orphan') orphan(ctx, obj)
  if (policy === 'Foreground') for (const [depRes, dep] of dependents(ctx, obj)) remove(ctx, depRes, dep, opts)
  const result = ctx.store.delete(res, obj.metadata.namespace, obj.metadata.name)
  // With its cleanup finalizer, the controllers delete a CRD's objects; without one it is gone now.
  if (res.group === CRDS.group && res.resource === CRDS.resource && !result.metadata.deletionTimestamp)
    removeCustomObjects(ctx, obj)
  if (
    res.group === '' &&
    res.resource === 'namespaces' &&
    result.metadata.deletionTimestamp &&
    result.status?.phase !== 'Terminating'
  ) {
    return ctx.store.update(
      res,
      { ...result, status: { ...result.status, phase: 'Terminating' } },
      { subresource: 'status' },
    )
  }
  return result
}

/** Objects whose ownerReferences name `owner` (by uid). */
function dependents(ctx: ApiContext, owner: KObject): [ResourceId, KObject][] {
  const out: [ResourceId, KObject][] = []
  for (const res of ctx.store.resources()) {
    for (const o of ctx.store.list(res).items) {
      if ((o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid)) out.push([res, o])
    }
  }
  return out
}

function orphan(ctx: ApiContext, owner: KObject): void {
  for (const [res, dep] of dependents(ctx, owner)) {
    dep.metadata.ownerReferences = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid)
    ctx.store.update(res, dep)
  }
}

/** A CRD deleted before it got its cleanup finalizer still takes its custom objects with it. */
function removeCustomObjects(ctx: ApiContext, crd: KObject): void {
  const res = { group: crd.spec?.group, resource: crd.spec?.names?.plural }
  if (!res.group || !res.resource) return
  for (const o of ctx.store.list(res).items) {
    if (o.metadata.finalizers?.length) ctx.store.update(res, { ...o, metadata: { ...o.metadata, finalizers: [] } })
    if (ctx.store.get(res, o.metadata.namespace, o.metadata.name))
      ctx.store.delete(res, o.metadata.namespace, o.metadata.name)
  }
}

function deleteOptions(call: Call): DeleteOptions {
  let body: DeleteOptions = {}
  const text = call.body.toString('utf8').trim()
  if (isProtobuf(call.contentType) && call.body.length) body = decodeProtobuf(call.body) as DeleteOptions
  else if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      throw badRequest('error decoding DeleteOptions')
    }
  }
  const q = call.req.query
  const policy = q.get('propagationPolicy')
  if (policy) body.propagationPolicy = policy as DeleteOptions['propagationPolicy']
  if (q.get('orphanDependents') !== null) body.orphanDependents = q.get('orphanDependents') === 'true'
  return body
}

function checkPreconditions(obj: KObject, opts: DeleteOptions, call: Call): void {
  const pre = opts.preconditions
  if (!pre) return
  const q = call.req.def
  if (pre.uid && pre.uid !== obj.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${q.group ? `${q.resource}.${q.group}` : q.resource} "${obj.metadata.name}": ` +
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
    )
  }
  if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${q.group ? `${q.resource}.${q.group}` : q.resource} "${obj.metadata.name}": ` +
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ` +
        `ResourceVersion in meta: ${obj.metadata.resourceVersion}`,
    )
  }
}
