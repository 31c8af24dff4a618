// The stack's backends behind their Services, attached to a sim's pod network by what a pod runs
// (its container's image and the port asked for), so the service proxy and a pod's own requests
// reach them only through a Service with a ready endpoint, as on a real cluster:
//
//   image            port          backend
//   prometheus       9090          the REAL Prometheus server (prometheus.ts), started on first use
//                                  (Debian's `prometheus` on PATH, or the binary KUBE_SIM_PROMETHEUS names)
//   alertmanager     9093          /-/ready, /api/v2/status
//   loki             3100          Loki's push and query API (loki.ts)
//   tempo            3200, 4318    Tempo's query API and OTLP/HTTP receiver (tempo.ts); 4318 only when
//                                  its config turns that receiver on for other pods
//   grafana          3000          Grafana's health, login and datasource API (grafana.ts)
//   promtail, alloy  (none)        ship the pods' lines to the Loki their config names (shipper.ts)
//
// A world (kube-sim/world) attaches them; a test switches failures on and off on `faults`, each
// as the real backend words it, for instance:
//
//   const world = await startWorld({ bin, helmMajor: 4 })
//   world.backends.faults.loki.pushRefused = { status: 429, message: 'Ingestion rate limit exceeded …' }
//   world.backends.faults.loki.notReady = 'Ingester not ready: waiting for 15s after being ready'
//   world.backends.faults.tempo.receiverRefused = { status: 503, message: 'server is not ready' }
//   world.backends.faults.grafana.passwordChanged = 'changed-in-the-ui'   // the Secret's no longer signs in
//   world.backends.faults.grafana.unhealthy = true                         // /api/health: database failing
//   world.backends.faults.prometheus.scrapeDown = '^kube-prometheus-stack-kube-state-metrics-'
//   delete world.backends.faults.loki.pushRefused                          // and it heals
//
// Cluster-side failures need no fault: a pod that is not ready (sim.faults.pods), a Service or
// port that is missing, a datasource URL naming another namespace all fail on their own.
// Each pod gets its own backend (a Loki pod recreated starts empty); all are in-process loopback
// servers except Prometheus, one process per world, started only when something connects to it.
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { grafana, type GrafanaFaults } from './grafana.ts'
import { container, imageName, json, mountedFiles, text, type Container, type Handler } from './http.ts'
import { loki, type LokiFaults } from './loki.ts'
import { prometheusServer, type PrometheusFaults } from './prometheus.ts'
import { startShipper } from './shipper.ts'
import { otlpHttpPort, tempo, type TempoFaults } from './tempo.ts'

export type { GrafanaFaults, LokiFaults, PrometheusFaults, TempoFaults }

export interface BackendFaults {
  loki: LokiFaults
  tempo: TempoFaults
  grafana: GrafanaFaults
  prometheus: PrometheusFaults
}

export interface Backends {
  /** switched on by setting a field, off by deleting it; read on every request */
  faults: BackendFaults
  /**
   * starts the Prometheus server now (else on first use) and resolves with its port once it is ready;
   * rejects naming the package when it is missing
   */
  startPrometheus(): Promise<number>
  /** detaches from the network, closes every backend, ends Prometheus */
  stop(): Promise<void>
}

export interface BackendOptions {
  /** the Prometheus server's binary (default: KUBE_SIM_PROMETHEUS, else `prometheus` on PATH) */
  prometheus?: string
  /** how the Prometheus server's port is picked (default: one free at the time of asking) */
  prometheusPort?: () => Promise<number>
}

export function startBackends(sim: Sim, opts: BackendOptions = {}): Backends {
  const faults: BackendFaults = { loki: {}, tempo: {}, grafana: {}, prometheus: {} }
  const prometheus = prometheusServer(
    sim,
    () => faults.prometheus,
    opts.prometheus ?? process.env.KUBE_SIM_PROMETHEUS ?? 'prometheus',
    opts.prometheusPort,
  )
  // per pod uid, by port: the containers standing for the pod's
  const pods = new Map<string, Map<number, Container>>()
  const backendFor = (pod: KObject, port: number): Container | undefined => {
    let ports = pods.get(pod.metadata.uid!)
    if (!ports) {
      ports = new Map(Object.entries(makeBackends(sim, pod, faults)).map(([p, h]) => [Number(p), container(h)]))
      pods.set(pod.metadata.uid!, ports)
    }
    return ports.get(port)
  }
  const detach = sim.network.attach((pod, port) => {
    const images = (pod.spec?.containers ?? []).map((c: { image?: string }) => imageName(c.image))
    if (images.includes('prometheus') && port === 9090) return prometheus.start()
    return backendFor(pod, port)?.address()
  })
  const stopShipper = startShipper(sim)
  return {
    faults,
    startPrometheus: async () => (await prometheus.start()).port,
    stop: async () => {
      detach()
      stopShipper()
      for (const ports of pods.values()) for (const c of ports.values()) c.close()
      await prometheus.stop()
    },
  }
}

/** The handlers a pod's containers serve, by port. */
function makeBackends(sim: Sim, pod: KObject, faults: BackendFaults): Record<number, Handler> {
  const images: string[] = (pod.spec?.containers ?? []).map((c: { image?: string }) => imageName(c.image))
  const out: Record<number, Handler> = {}
  if (images.includes('loki')) out[3100] = loki(() => faults.loki)
  if (images.includes('tempo')) {
    const t = tempo(() => faults.tempo)
    out[3200] = t.query
    const otlp = otlpHttpPort(mountedFiles(sim, pod))
    if (otlp) out[otlp] = t.receiver
  }
  if (images.includes('grafana')) out[3000] = grafana(sim, pod, () => faults.grafana)
  if (images.includes('alertmanager')) out[9093] = alertmanager
  return out
}

const alertmanager: Handler = (req, _body, res) => {
  const path = new URL(req.url ?? '/', 'http://alertmanager').pathname
  if (path === '/-/ready' || path === '/-/healthy') return text(res, 200, 'OK')
  if (path === '/api/v2/status') return json(res, 200, { cluster: { status: 'ready', peers: [] }, versionInfo: {} })
  text(res, 404, '404 page not found\n')
}
