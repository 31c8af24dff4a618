// The Endpoints and EndpointSlice controllers: for every Service with a selector, its matching
// pods that have an IP, ready ones as addresses and the rest as notReadyAddresses, with the
// service ports resolved against each pod (named targetPorts via the containers' ports). The API
// layer's webhook gate reads these: a Service is up once its Endpoints have a ready address.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { canonicalJson, is, isDeleting, isPodReady, isPodTerminal, R, randomSuffix, selects } from './objects.ts'
import { createIn, deleteIfPresent, mutate } from './writes.ts'
import { endpointSlices, type Backend, type Port } from './endpointslices.ts'

export class Endpoints implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    const { namespace, name } = e.object.metadata
    if (is(e.res, R.services)) {
      if (e.type === 'DELETED')
        this.ctx.loop.enqueue(`endpoints-gone:${namespace}/${name}`, () =>
          deleteIfPresent(this.ctx.store, R.endpoints, namespace, name),
        )
      else this.enqueue(namespace!, name)
    }
    if (is(e.res, R.pods))
      for (const svc of this.ctx.store.list(R.services, namespace).items) this.enqueue(namespace!, svc.metadata.name)
  }

  resync(): void {
    for (const svc of this.ctx.store.list(R.services).items) this.enqueue(svc.metadata.namespace!, svc.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`endpoints:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const svc = this.ctx.store.get(R.services, namespace, name)
    const selector: Record<string, string> | undefined = svc?.spec?.selector
    if (!svc || isDeleting(svc) || svc.spec?.type === 'ExternalName' || !selector || !Object.keys(selector).length)
      return
    const pods = this.ctx.store
      .list(R.pods, namespace)
      .items.filter(
        (p) => selects({ matchLabels: selector }, p.metadata.labels) && p.status?.podIP && !isPodTerminal(p),
      )
    const backends = pods.map((pod) => backendOf(svc, pod))
    this.writeEndpoints(svc, backends)
    endpointSlices(this.ctx, svc, backends, randomSuffix)
  }

  private writeEndpoints(svc: KObject, backends: Backend[]): void {
    const labels = {
      ...svc.metadata.labels,
      ...(svc.spec?.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}),
    }
    const subsets = subsetsOf(backends, svc.spec?.publishNotReadyAddresses === true)
    const { namespace, name } = svc.metadata
    const existing = this.ctx.store.get(R.endpoints, namespace, name)
    if (!existing) {
      createIn(this.ctx.store, R.endpoints, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace, labels },
        ...(subsets.length ? { subsets } : {}),
      })
      return
    }
    mutate(this.ctx.store, R.endpoints, namespace, name, (ep) => {
      if (
        canonicalJson(ep.subsets ?? []) === canonicalJson(subsets) &&
        canonicalJson(ep.metadata.labels ?? {}) === canonicalJson(labels)
      )
        return false
      ep.metadata.labels = labels
      if (subsets.length) ep.subsets = subsets
      else delete ep.subsets
    })
  }
}

/** A pod as a backend of a Service: its address, readiness and the service ports it serves. */
function backendOf(svc: KObject, pod: KObject): Backend {
  const ports: Port[] = []
  for (const sp of svc.spec?.ports ?? []) {
    const port = resolveTargetPort(sp, pod)
    if (port !== undefined)
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      })
  }
  const hostname = pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name ? pod.spec.hostname : undefined
  return {
    ip: pod.status.podIP,
    pod,
    ready: isPodReady(pod) && !isDeleting(pod),
    terminating: isDeleting(pod),
    hostname,
    ports,
  }
}

/** A service port's targetPort on this pod: a number, or a container port's name. */
export function resolveTargetPort(servicePort: any, pod: KObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port
  if (typeof target === 'number') return target
  if (/^\d+$/.test(String(target))) return Number(target)
  const protocol = servicePort.protocol ?? 'TCP'
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const match = (c.ports ?? []).find((p: any) => p.name === target && (p.protocol ?? 'TCP') === protocol)
    if (match) return match.containerPort
  }
  return undefined
}

/** Endpoints subsets: backends grouped by the ports they serve, addresses sorted by IP. */
function subsetsOf(backends: Backend[], publishNotReady: boolean): unknown[] {
  const groups = new Map<string, { ports: Port[]; ready: any[]; notReady: any[] }>()
  for (const b of backends) {
    if (!b.ports.length || (b.terminating && !publishNotReady)) continue
    const key = canonicalJson(b.ports)
    const group = groups.get(key) ?? { ports: b.ports, ready: [], notReady: [] }
    groups.set(key, group)
    const address = {
      ip: b.ip,
      ...(b.hostname ? { hostname: b.hostname } : {}),
      nodeName: b.pod.spec?.nodeName,
      targetRef: {
        kind: 'Pod',
        namespace: b.pod.metadata.namespace,
        name: b.pod.metadata.name,
        uid: b.pod.metadata.uid,
      },
    }
    ;(b.ready || publishNotReady ? group.ready : group.notReady).push(address)
  }
  const byIP = (a: { ip: string }, b: { ip: string }) => a.ip.localeCompare(b.ip, 'en', { numeric: true })
  return [...groups.values()].map((g) => ({
    ...(g.ready.length ? { addresses: g.ready.sort(byIP) } : {}),
    ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIP) } : {}),
    ports: g.ports,
  }))
}
