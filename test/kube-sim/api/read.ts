// GET of one object or a list: selectors, Table output, and the scale and log subresources.
import type { KObject } from '../store.ts'
import { json, present, storageOf, type ApiContext, type Call, type Reply } from './context.ts'
import { apiVersionOf } from './registry.ts'
import { fieldMatcher, labelMatcher } from './selectors.ts'
import { badRequest, notFoundError, pathNotFound } from './status.ts'
import { toTable, wantsTable } from './table.ts'

export function getObject(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  const obj = mustGet(ctx, call)
  switch (req.subresource) {
    case undefined:
    case 'status':
      break
    case 'scale':
      return json(200, scaleOf(obj))
    case 'log':
      return podLog(ctx, obj, req.query)
    default:
      throw pathNotFound()
  }
  const shown = present(req.def, obj)
  if (wantsTable(call.accept))
    return json(200, toTable(req.def, [shown], req.query.get('includeObject'), ctx.store.resourceVersion))
  return json(200, shown)
}

export function listObjects(ctx: ApiContext, call: Call): Reply {
  const { req } = call
  const { items, resourceVersion } = ctx.store.list(storageOf(req.def), req.namespace)
  const selected = select(items, call).map((o) => present(req.def, o))
  if (wantsTable(call.accept))
    return json(200, toTable(req.def, selected, req.query.get('includeObject'), resourceVersion))
  return json(200, {
    kind: `${req.def.kind}List`,
    apiVersion: apiVersionOf(req.def.group, req.def.version),
    // every item fits in one page, so there is never a `continue` token
    metadata: { resourceVersion },
    items: selected,
  })
}

/** Objects matching the request's labelSelector and fieldSelector. */
export function select(items: KObject[], call: Call): KObject[] {
  const byLabel = labelMatcher(call.req.query.get('labelSelector'))
  const byField = fieldMatcher(call.req.query.get('fieldSelector'))
  return items.filter((o) => byLabel(o) && byField(o))
}

export function mustGet(ctx: ApiContext, call: Call): KObject {
  const { req } = call
  const obj = ctx.store.get(storageOf(req.def), req.namespace, req.name!)
  if (!obj) throw notFoundError(req.def, req.name!)
  return obj
}

/** autoscaling/v1 Scale of a workload: what `kubectl scale` reads and writes. */
export function scaleOf(obj: KObject): KObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata
  const sel = obj.spec?.selector?.matchLabels ?? {}
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  }
}

/**
 * There are no real containers: a started one has an empty log, a waiting one has none yet, and one
 * that ended (`previous`, a crash loop's between runs, a finished one's) has what it wrote.
 */
function podLog(ctx: ApiContext, pod: KObject, query: URLSearchParams): Reply {
  const containers: any[] = pod.spec?.containers ?? []
  const name = query.get('container') ?? (containers.length === 1 ? containers[0].name : undefined)
  if (!name) {
    throw badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, ` +
        `choose one of: [${containers.map((c) => c.name).join(' ')}]`,
    )
  }
  const status = (pod.status?.containerStatuses ?? []).find((s: any) => s.name === name)
  const ended = () => ctx.logs?.lastEnded(pod.metadata.uid!, name) ?? ''
  if (query.get('previous') === 'true') {
    if (!status?.lastState?.terminated)
      throw badRequest(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`)
    return textReply(ended(), query)
  }
  if (status?.state?.terminated) return textReply(ended(), query)
  const reason: string | undefined = status ? status.state?.waiting?.reason : 'ContainerCreating'
  if (reason && reason !== 'CrashLoopBackOff') {
    const why = reason === 'ImagePullBackOff' || reason === 'ErrImagePull' ? 'trying and failing to pull image' : reason
    throw badRequest(`container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${why}`)
  }
  // between runs the kubelet serves the log of the run that ended
  return textReply(reason ? ended() : '', query)
}

function textReply(text: string, query: URLSearchParams): Reply {
  const tail = Number(query.get('tailLines') ?? NaN)
  const lines = text.split(/(?<=\n)/)
  return { status: 200, body: Number.isNaN(tail) ? text : lines.slice(-tail).join(''), contentType: 'text/plain' }
}
