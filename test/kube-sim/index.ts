// kube-sim: a Kubernetes API simulator that the real kubectl and helm drive. One call starts the
// store, the controllers (nodes, workloads, pods, services, namespaces, GC …) and the HTTP API
// on 127.0.0.1:<free port>, and writes a kubeconfig for it. Test code only: the package's entry points
// are listed in its package.json (`kube-sim`, `kube-sim/operators`, `kube-sim/world`, …).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Admission, type WebhookFaults } from './api/admission.ts'
import { nextClusterIP } from './api/defaults.ts'
import { HttpFaultBook, type HttpFaults } from './api/faults.ts'
import { Registry } from './api/registry.ts'
import { startApiServer } from './api/server.ts'
import { Stats, type SimStats } from './api/stats.ts'
import { PodNetwork } from './network.ts'
import { startControllers, type DelayProfile, type WorkloadFaults } from './controllers/index.ts'
import type { HostKernel } from './controllers/kernel.ts'
import { Store } from './store.ts'

export type { DelayProfile, HttpFaults, SimStats, WebhookFaults, WorkloadFaults }
export type { PodDelays } from './controllers/index.ts'
export type { FailRule, SlowRule } from './api/faults.ts'
export type { KObject } from './store.ts'
export type { Address, Listener, PodNetwork } from './network.ts'
// pod delays: ready in ~0.1 s, or in a few seconds as on a laptop cluster
export { fastProfile, realisticProfile } from './controllers/profile.ts'
// The operators a cluster runs once their charts are in: `kube-sim/operators` (startSim starts none).

export interface SimOptions {
  /** simulated nodes (default 2) */
  nodes?: number
  /** pod lifecycle delays (default: the controllers' fast profile) */
  profile?: DelayProfile
  /** where the kubeconfig goes (default: a fresh temp dir) */
  dir?: string
  /** the kubeconfig's context (and cluster and user) name (default 'kube-sim') */
  context?: string
  /** seed for the HTTP faults' shares (default: the clock) */
  seed?: number
}

export interface SimFaults {
  /** pod faults by pod-name pattern: imagePull, crashLoop, unschedulable, rootNotShared, neverReady, delay */
  pods: WorkloadFaults
  /** request faults: 500 / 429 / connection reset for a share of requests, added latency */
  http: HttpFaults
  /** webhook backends: a TLS-failure window after the Service is ready, or never ready */
  webhooks: WebhookFaults
  /** the API server itself: gone (connections cut, new ones refused) and back at the same address */
  server: ServerFaults
}

export interface ServerFaults {
  /** Goes away as a crashed API server does: every connection cut, new ones refused until up(). */
  down(): Promise<void>
  /** Listens again at the same address, as a restarted API server does. */
  up(): Promise<void>
}

export interface Sim {
  url: string
  /** path of the kubeconfig written for this sim */
  kubeconfig: string
  store: Store
  /** what listens on the pods' ports: the service proxy's requests land there (network.ts) */
  network: PodNetwork
  faults: SimFaults
  /** the nodes' host kernel: what a container reads under /proc/sys */
  kernel: HostKernel
  stats(): SimStats
  resetStats(): void
  /** closes every watch and the server, stops the controllers; leaves no timers behind */
  stop(): Promise<void>
}

export async function startSim(opts: SimOptions = {}): Promise<Sim> {
  const store = new Store()
  const registry = new Registry(store)
  const admission = new Admission(store)
  const stats = new Stats()
  const httpFaults = new HttpFaultBook(opts.seed)
  const controllers = startControllers(store, { nodes: opts.nodes ?? 2, profile: opts.profile })
  const allocateIP = () =>
    nextClusterIP(
      new Set(
        store.list({ group: '', resource: 'services' }).items.flatMap((s) => s.spec?.clusterIPs ?? [s.spec?.clusterIP]),
      ),
    )
  const network = new PodNetwork()
  const server = await startApiServer({
    store,
    registry,
    admission,
    allocateIP,
    stats,
    faults: httpFaults,
    network,
    logs: controllers.logs,
  })
  const kubeconfig = writeKubeconfig(
    opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-')),
    opts.context ?? 'kube-sim',
    server.url,
  )
  let stopped = false
  return {
    url: server.url,
    kubeconfig,
    store,
    network,
    kernel: controllers.kernel,
    faults: {
      pods: controllers.faults,
      http: httpFaults,
      webhooks: admission,
      server: { down: () => server.down(), up: () => server.up() },
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    stop: async () => {
      if (stopped) return
      stopped = true
      await server.close()
      controllers.stop()
      admission.stop()
      registry.stop()
    },
  }
}

/** A kubeconfig with one cluster, one user (no credentials: the sim has no auth) and one context. */
function writeKubeconfig(dir: string, name: string, server: string): string {
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'kubeconfig')
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    'users:',
    `- name: ${name}`,
    '  user: {}',
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    'preferences: {}',
    '',
  ].join('\n')
  // 0600, or helm warns that the file is group/world-readable.
  fs.writeFileSync(file, text, { mode: 0o600 })
  return file
}
