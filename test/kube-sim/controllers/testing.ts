// Test support for code that drives the controllers through the Store: a cluster per test,
// waits that resolve on store events (with a deadline that says what it waited for), and
// builders for the workloads, defaulted as the apiserver would store them.
import { Store, type KObject, type ResourceId } from '../store.ts'
import { applyDefaults } from './defaults.ts'
import { startControllers, type Controllers, type DelayProfile } from './index.ts'
import { R } from './objects.ts'

export { R }

export interface TestCluster {
  store: Store
  controllers: Controllers
  /** the pod faults, where a Sim has them (`playFlavour` sets Docker Desktop's) */
  faults: { pods: Controllers['faults'] }
  /** creates with the apiserver's defaults, as the API layer would */
  create(res: ResourceId, obj: KObject): KObject
  get(res: ResourceId, name: string, namespace?: string): KObject | undefined
  list(res: ResourceId, namespace?: string): KObject[]
  events(name: string, namespace?: string): KObject[]
  stop(): void
}

export function startCluster(opts: { nodes?: number; profile?: DelayProfile } = {}): TestCluster {
  const store = new Store()
  const controllers = startControllers(store, { nodes: opts.nodes ?? 2, profile: opts.profile })
  return {
    store,
    controllers,
    faults: { pods: controllers.faults },
    create: (res, obj) => store.create(res, applyDefaults(res, obj)),
    get: (res, name, namespace = 'default') => store.get(res, namespace, name) ?? store.get(res, undefined, name),
    list: (res, namespace) => store.list(res, namespace).items,
    events: (name, namespace = 'default') =>
      store.list(R.events, namespace).items.filter((e) => e.involvedObject?.name === name),
    stop: () => controllers.stop(),
  }
}

/**
 * Resolves with the first truthy value of `check`, evaluated now and after every store event
 * (and every 10 ms, for time-driven changes); rejects after `timeoutMs` naming `what`.
 */
export function waitFor<T>(
  store: Store,
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 2000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false
    const finish = (fn: () => void) => {
      if (done) return
      done = true
      unsubscribe()
      clearInterval(poll)
      clearTimeout(deadline)
      fn()
    }
    const attempt = () => {
      if (done) return
      const value = check()
      if (value) finish(() => resolve(value))
    }
    const unsubscribe = store.onAny(() => queueMicrotask(attempt))
    const poll = setInterval(attempt, 10)
    const deadline = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
      timeoutMs,
    )
    attempt()
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const condition = (o: KObject | undefined, type: string) =>
  o?.status?.conditions?.find((c: { type: string }) => c.type === type)

interface WorkloadOpts {
  name: string
  namespace?: string
  replicas?: number
  image?: string
  labels?: Record<string, string>
  ports?: { name: string; containerPort: number }[]
}

function podTemplate(o: WorkloadOpts, extra: Record<string, unknown> = {}) {
  const labels = o.labels ?? { app: o.name }
  return {
    metadata: { labels },
    spec: {
      containers: [{ name: 'main', image: o.image ?? 'nginx:1.27', ...(o.ports ? { ports: o.ports } : {}) }],
      ...extra,
    },
  }
}

const meta = (o: WorkloadOpts) => ({ name: o.name, namespace: o.namespace ?? 'default' })
const selector = (o: WorkloadOpts) => ({ matchLabels: o.labels ?? { app: o.name } })

export function aDeployment(o: WorkloadOpts & { progressDeadlineSeconds?: number }): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o),
    spec: {
      replicas: o.replicas ?? 1,
      selector: selector(o),
      template: podTemplate(o),
      ...(o.progressDeadlineSeconds ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
    },
  }
}

export function aStatefulSet(o: WorkloadOpts & { parallel?: boolean; claim?: string }): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(o),
    spec: {
      replicas: o.replicas ?? 1,
      serviceName: o.name,
      selector: selector(o),
      template: podTemplate(o),
      ...(o.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      ...(o.claim
        ? {
            volumeClaimTemplates: [
              {
                metadata: { name: o.claim },
                spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
              },
            ],
          }
        : {}),
    },
  }
}

export function aDaemonSet(o: WorkloadOpts): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(o),
    spec: { selector: selector(o), template: podTemplate(o) },
  }
}

export function aJob(
  o: WorkloadOpts & {
    backoffLimit?: number
    restartPolicy?: 'Never' | 'OnFailure'
    annotations?: Record<string, string>
  },
): KObject {
  const template = podTemplate(o, { restartPolicy: o.restartPolicy ?? 'Never' })
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...meta(o), ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { template, ...(o.backoffLimit !== undefined ? { backoffLimit: o.backoffLimit } : {}) },
  }
}

export function aService(o: {
  name: string
  namespace?: string
  selector?: Record<string, string>
  type?: string
  clusterIP?: string
  ports?: { name?: string; port: number; targetPort?: number | string }[]
}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, namespace: o.namespace ?? 'default' },
    spec: {
      selector: o.selector ?? { app: o.name },
      ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 'http' }],
      ...(o.type ? { type: o.type } : {}),
      ...(o.clusterIP ? { clusterIP: o.clusterIP } : {}),
    },
  }
}

export const aNamespace = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
