// The cluster's network as seen from the API server and from inside a pod. A pod's IP is nothing a
// host can dial: what "listens" on a pod's port is whatever a test attached to the network (a
// loopback address standing for that container):
//
//   sim.network.attach((pod, port) =>
//     pod.metadata.labels?.app === 'web' && port === 8080 ? { host: '127.0.0.1', port: echo.port } : undefined)
//
// Nothing attached for a pod's port is a connection refused. The stack's backends (Prometheus, Loki,
// Tempo, Grafana) attach themselves this way: kube-sim/backends. Two ways in, each failing as a cluster does:
// - the API server's service proxy (proxyTarget): Service -> its port by name or number -> a ready
//   endpoint of its EndpointSlices -> the pod's IP and target port;
// - a pod's own connection to `http://NAME.NS.svc.cluster.local:PORT` (clusterTarget): cluster DNS,
//   then kube-proxy's choice of a ready endpoint by the Service port's number.
import { R } from './controllers/objects.ts'
import { ApiError, type KObject, type Store } from './store.ts'

/** Where a test's stand-in for a container listens. */
export interface Address {
  host: string
  port: number
}

/**
 * What listens on `port` of `pod`: an address (may be started on first use), or undefined when
 * this listener does not stand for that pod's container (the next one is asked).
 */
export type Listener = (pod: KObject, port: number) => Address | undefined | Promise<Address | undefined>

export class PodNetwork {
  private readonly listeners = new Set<Listener>()

  /** Attaches a listener; returns its detach. Listeners are asked in the order attached. */
  attach(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Where a connection to the pod's port lands; undefined: nothing listens (connection refused). */
  async dial(pod: KObject, port: number): Promise<Address | undefined> {
    for (const listener of this.listeners) {
      const address = await listener(pod, port)
      if (address) return address
    }
    return undefined
  }
}

/** A ready endpoint a request goes to: the pod and the port on it. */
export interface Endpoint {
  pod: KObject
  ip: string
  port: number
}

export type ProxyTarget = Endpoint & { scheme: string }

/**
 * The service proxy's target for `id` (`NAME`, `NAME:PORT`, `SCHEME:NAME:PORT`, PORT a name or a
 * number), or the API server's error: 404 for a missing Service, 503 without a ready endpoint.
 */
export function proxyTarget(store: Store, namespace: string, id: string): ProxyTarget {
  const split = splitSchemeNamePort(id)
  if (!split) throw new ApiError(400, 'BadRequest', `invalid service request "${id}"`)
  const { scheme, name } = split
  const svc = store.get(R.services, namespace, name)
  if (!svc) throw new ApiError(404, 'NotFound', `services "${name}" not found`, { name, kind: 'services' })
  let portName = split.port
  if (/^\d+$/.test(portName)) {
    const declared = (svc.spec?.ports ?? []).find((p: { port: number }) => p.port === Number(portName))
    if (!declared)
      throw new ApiError(503, 'ServiceUnavailable', `no service port ${portName} found for service "${name}"`)
    portName = declared.name ?? ''
  }
  const slices = slicesOf(store, namespace, name)
  if (!slices.some((s) => s.endpoints?.length))
    throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`)
  const endpoint = readyEndpoint(store, slices, (p) => (p.name ?? '') === portName)
  if (!endpoint) throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${id}"`)
  return { ...endpoint, scheme }
}

/**
 * Where a pod's connection to `host:port` goes, or the error its HTTP client would print: the
 * name does not resolve (no such Service), the ClusterIP has no such port, or kube-proxy rejects
 * it (no ready endpoint). `host` may be short (`loki`, `loki.monitoring`) as cluster DNS allows.
 */
export function clusterTarget(store: Store, from: string, host: string, port: number): Endpoint | { error: string } {
  const [name, namespace = from, ...rest] = host.split('.')
  const svc = rest.join('.').match(/^(svc(\.cluster\.local)?)?$/) ? store.get(R.services, namespace, name) : undefined
  if (!svc) return { error: `dial tcp: lookup ${host} on 10.96.0.10:53: no such host` }
  const address = `${svc.spec?.clusterIP}:${port}`
  const declared = (svc.spec?.ports ?? []).find((p: { port: number }) => p.port === port)
  if (!declared) return { error: `dial tcp ${address}: i/o timeout` }
  const endpoint = readyEndpoint(
    store,
    slicesOf(store, namespace, name),
    (p) => (p.name ?? '') === (declared.name ?? ''),
  )
  return endpoint ?? { error: `dial tcp ${address}: connect: connection refused` }
}

interface SlicePort {
  name?: string
  port: number
}

function slicesOf(store: Store, namespace: string, service: string): KObject[] {
  return store
    .list(R.endpointslices, namespace)
    .items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service)
}

/** A ready endpoint serving the port, picked at random as the API server and kube-proxy do. */
function readyEndpoint(store: Store, slices: KObject[], wanted: (p: SlicePort) => boolean): Endpoint | undefined {
  const candidates = slices.flatMap((slice) => {
    const port = (slice.ports as SlicePort[] | undefined)?.find(wanted)
    if (!port) return []
    return (slice.endpoints ?? []).flatMap((e: { addresses: string[]; conditions?: { ready?: boolean } } & Ref) => {
      const pod = e.targetRef?.kind === 'Pod' ? store.get(R.pods, e.targetRef.namespace, e.targetRef.name) : undefined
      // the API server checks that the address still belongs to the pod it names
      if (e.conditions?.ready === false || !pod || pod.status?.podIP !== e.addresses[0]) return []
      return [{ pod, ip: e.addresses[0], port: port.port }]
    })
  })
  return candidates[Math.floor(Math.random() * candidates.length)]
}

type Ref = { targetRef?: { kind: string; namespace: string; name: string } }

/** `name`, `name:port`, `scheme:name:port` (scheme http or https), as the API server splits them. */
function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':')
  const [scheme, name, port] =
    parts.length === 1 ? ['', parts[0], ''] : parts.length === 2 ? ['', parts[0], parts[1]] : parts
  if (parts.length > 3 || !name || !['', 'http', 'https'].includes(scheme)) return undefined
  return { scheme: scheme || 'http', name, port }
}
