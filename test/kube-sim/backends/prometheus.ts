// The REAL Prometheus server (Debian's `prometheus` package, or the binary KUBE_SIM_PROMETHEUS names)
// standing for the cluster's Prometheus pods: one process per world, started on the first
// connection to a Prometheus pod (or by start()), on a loopback port, stopped with the world.
// Its targets are what prometheus-operator would make of the cluster's ServiceMonitors (those the
// Prometheus resources select): each endpoint of each selected Service's port, labelled as the
// operator labels it (job from the ServiceMonitor's jobLabel or the Service's name, namespace,
// service, endpoint, pod, container, instance). They are written to a file_sd file Prometheus
// watches. A target's /metrics is served here on loopback (Prometheus scrapes itself for real):
// up while its pod is ready, down (503) while it is not or while a fault names it.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { isPodReady, R, selects } from '../controllers/objects.ts'
import type { Sim } from '../index.ts'
import type { Address } from '../network.ts'
import type { KObject } from '../store.ts'
import { container, imageName, text } from './http.ts'

export interface PrometheusFaults {
  /** pods whose /metrics fails (a RegExp source on the pod's name): their targets are down */
  scrapeDown?: string
}

export interface PrometheusServer {
  /** Starts the process unless running; resolves once it is ready, rejects naming what is missing. */
  start(): Promise<Address>
  stop(): Promise<void>
}

/** How often every target is scraped: a first `up` shows within seconds of the start. */
const SCRAPE_INTERVAL = '2s'
/** How long the process may take to be ready. */
const START_MS = 30_000
/** How long one readiness probe may wait for an answer. */
const PROBE_MS = 2_000
const running = new Set<ChildProcess>()
// a test process that ends without stopping its worlds leaves no Prometheus behind
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export function prometheusServer(
  sim: Sim,
  faults: () => PrometheusFaults,
  binary: string,
  pickPort: () => Promise<number> = freePort,
): PrometheusServer {
  let started: Promise<Address> | undefined
  let child: ChildProcess | undefined
  let dir: string | undefined
  let unsubscribe: (() => void) | undefined
  let pending: NodeJS.Timeout | undefined
  let stopped = false
  const metrics = container((req, _body, res) => {
    const [namespace, pod] = (req.url ?? '').split('/').slice(1)
    const obj = pod && sim.store.get(R.pods, namespace, pod)
    const down = faults().scrapeDown
    if (obj && (!isPodReady(obj) || (down && new RegExp(down).test(pod)))) return text(res, 503, 'not serving\n')
    text(res, 200, `# TYPE kube_sim_target gauge\nkube_sim_target{pod="${pod ?? ''}"} 1\n`)
  })

  const start = async (): Promise<Address> => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-prometheus-'))
    // a free port is free only until someone binds it: with many worlds side by side, another
    // process may take it first, and Prometheus then exits at once; another port is tried
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(dir, await pickPort())
      } catch (error) {
        const taken = /address already in use/.test(String((error as Error).message))
        if (!taken || attempt >= 5 || stopped) throw error
        unsubscribe?.()
        if (child) running.delete(child)
      }
    }
  }

  const launch = async (dir: string, port: number): Promise<Address> => {
    const self: Address = { host: '127.0.0.1', port }
    const targetsFile = path.join(dir, 'targets.json')
    const write = async () => {
      const groups = targetGroups(sim, self, await metrics.address())
      fs.writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups, null, 1))
      fs.renameSync(`${targetsFile}.tmp`, targetsFile)
    }
    await write()
    // nothing is spawned or subscribed for a world that stopped meanwhile
    if (stopped) throw new Error('kube-sim: the world stopped before Prometheus started')
    unsubscribe = sim.store.onAny((e) => {
      if (!['services', 'endpointslices', 'servicemonitors', 'prometheuses', 'pods'].includes(e.res.resource)) return
      pending ??= setTimeout(() => {
        pending = undefined
        // a write racing the world's stop finds its folder gone: nothing to update any more
        write().catch(() => undefined)
      }, 200).unref()
    })
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config(targetsFile))
    child = spawn(
      binary,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    running.add(child)
    await ready(child, self)
    return self
  }

  return {
    start: () => (started ??= start()),
    stop: async () => {
      stopped = true
      unsubscribe?.()
      clearTimeout(pending)
      metrics.close()
      if (child && child.exitCode === null && child.signalCode === null) {
        const ended = new Promise((resolve) => child!.once('exit', resolve))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child!.kill('SIGKILL'), 5000)
        await ended
        clearTimeout(timer)
      }
      if (child) running.delete(child)
      if (dir) fs.rmSync(dir, { recursive: true, force: true })
    },
  }

  async function ready(proc: ChildProcess, self: Address): Promise<void> {
    let stderr = ''
    proc.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000)
    })
    const exited = new Promise<Error>((resolve) => {
      proc.once('error', (e: NodeJS.ErrnoException) =>
        resolve(
          e.code === 'ENOENT'
            ? new Error(
                `kube-sim: the Prometheus server "${binary}" is not installed: install the Debian package ` +
                  '`prometheus` (apt-get install prometheus) or set KUBE_SIM_PROMETHEUS to its binary',
              )
            : e,
        ),
      )
      proc.once('exit', (code) => resolve(new Error(`kube-sim: prometheus exited (${code}): ${stderr.trim()}`)))
    })
    const deadline = Date.now() + START_MS
    for (;;) {
      const failed = await Promise.race([exited, new Promise((r) => setTimeout(r, 100, undefined))])
      if (failed) throw failed
      // whatever holds the port until the process exits (a listener that never answers) cannot hold
      // the probe: each is bounded, and the process's exit ends it
      const ok = await Promise.race([
        exited,
        fetch(`http://${self.host}:${self.port}/-/ready`, { signal: AbortSignal.timeout(PROBE_MS) }).then(
          (r) => r.ok,
          () => false,
        ),
      ])
      if (ok instanceof Error) throw ok
      if (ok) return
      if (Date.now() > deadline) throw new Error(`kube-sim: prometheus was not ready within ${START_MS / 1000}s`)
    }
  }
}

function config(targetsFile: string): string {
  return [
    'global:',
    `  scrape_interval: ${SCRAPE_INTERVAL}`,
    `  scrape_timeout: ${SCRAPE_INTERVAL}`,
    `  evaluation_interval: ${SCRAPE_INTERVAL}`,
    'scrape_configs:',
    '  # each target group carries its own job label, as the operator-generated jobs set it',
    '  - job_name: kube-sim',
    '    honor_labels: true',
    '    file_sd_configs:',
    `      - files: [${JSON.stringify(targetsFile)}]`,
    '',
  ].join('\n')
}

interface TargetGroup {
  targets: string[]
  labels: Record<string, string>
}

/** The operator's view of the cluster: each selected ServiceMonitor's endpoints as scrape targets. */
function targetGroups(sim: Sim, self: Address, metrics: Address): TargetGroup[] {
  const selectors = sim.store
    .list({ group: 'monitoring.coreos.com', resource: 'prometheuses' })
    .items.map((p) => p.spec?.serviceMonitorSelector ?? {})
  const monitors = sim.store
    .list({ group: 'monitoring.coreos.com', resource: 'servicemonitors' })
    .items.filter((sm) => selectors.some((s) => selects(s, sm.metadata.labels)))
  return monitors.flatMap((sm) => {
    const ns = sm.spec?.namespaceSelector
    const inScope = (o: KObject) =>
      ns?.any === true || (ns?.matchNames ?? [sm.metadata.namespace]).includes(o.metadata.namespace)
    const services = sim.store
      .list(R.services)
      .items.filter((s) => inScope(s) && selects(sm.spec?.selector ?? {}, s.metadata.labels))
    return services.flatMap((svc) =>
      (sm.spec?.endpoints ?? []).flatMap((ep: { port?: string }) =>
        endpointTargets(sim, sm, svc, ep.port, self, metrics),
      ),
    )
  })
}

function endpointTargets(
  sim: Sim,
  sm: KObject,
  svc: KObject,
  portName: string | undefined,
  self: Address,
  metrics: Address,
): TargetGroup[] {
  const slices = sim.store
    .list(R.endpointslices, svc.metadata.namespace)
    .items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name)
  return slices.flatMap((slice) => {
    const port = (slice.ports ?? []).find((p: { name?: string }) => (p.name ?? '') === (portName ?? ''))
    if (!port) return []
    return (slice.endpoints ?? []).map(
      (e: { addresses: string[]; targetRef?: { name: string; namespace: string } }) => {
        const pod = e.targetRef && sim.store.get(R.pods, e.targetRef.namespace, e.targetRef.name)
        const container = (pod?.spec?.containers ?? []).find(
          (c: { name: string; ports?: { containerPort: number }[]; image?: string }) =>
            c.ports?.some((p) => p.containerPort === port.port),
        )
        const isSelf = imageName(container?.image) === 'prometheus' && port.port === 9090
        const labels: Record<string, string> = {
          job: svc.metadata.labels?.[sm.spec?.jobLabel] ?? svc.metadata.name,
          namespace: svc.metadata.namespace!,
          service: svc.metadata.name,
          endpoint: portName ?? '',
          instance: `${e.addresses[0]}:${port.port}`,
          ...(pod ? { pod: pod.metadata.name } : {}),
          ...(container ? { container: container.name } : {}),
          __metrics_path__: isSelf ? '/metrics' : `/${svc.metadata.namespace}/${pod?.metadata.name ?? ''}`,
        }
        const at = isSelf ? self : metrics
        return { targets: [`${at.host}:${at.port}`], labels }
      },
    )
  })
}

/** A port free at the time of asking (nothing holds it once this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}
