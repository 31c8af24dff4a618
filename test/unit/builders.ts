// Small builders for the unit tests: each returns a realistic object with sensible defaults,
// and a test names only the fields its story is about.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Chalk } from 'chalk'
import { stringify } from 'yaml'
import type { ProcessOutput } from 'zx'
import { buildConfig, settingDefs, type Config, type Release } from '../../lib/core/config.ts'
import type { WorkloadKind } from '../../lib/core/stack.ts'
import type { NamespaceServices, ProvisionedDatasource } from '../../lib/steps/datasources.ts'
import type { ReleaseState } from '../../lib/tools/helm.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { Log } from '../../lib/ui/log.ts'
import type { PlanStep } from '../../lib/core/plan.ts'
import type { Check } from '../../lib/ui/report.ts'
import type { Text } from '../../lib/core/text.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import type { Snapshot } from '../../lib/steps/verify.ts'

/** chalk without colour: output compared as plain text. */
export const noColor = new Chalk({ level: 0 })

// Config and releases

/** The config with every default and no values files read (so no file system involved). */
export function aConfig(overrides: Partial<Config> = {}): Config {
  const { values } = parseSettings(settingDefs, [], {})
  return { ...buildConfig(values, () => ({})), ...overrides }
}

export function aRelease(overrides: Partial<Release> = {}): Release {
  return {
    name: 'tempo',
    repo: 'grafana',
    chart: 'tempo',
    version: '1.24.4',
    step: 'lgtm',
    seed: '§2.4',
    needs: [],
    crdGroups: [],
    workloads: [{ kind: 'StatefulSet', name: 'tempo', title: 'Tempo', seedPod: 'tempo-0' }],
    namespace: 'monitoring',
    repoUrl: 'https://grafana.github.io/helm-charts',
    valuesFiles: [],
    set: {},
    values: {},
    ...overrides,
  }
}

export function aReleaseState(overrides: Partial<ReleaseState> = {}): ReleaseState {
  return {
    name: 'tempo',
    namespace: 'monitoring',
    revision: 1,
    status: 'deployed',
    chart: 'tempo',
    version: '1.24.4',
    ...overrides,
  }
}

/** One entry of `helm list -o json`, as helm prints it (revision is a string there). */
export function aHelmListItem(
  overrides: { name?: string; namespace?: string; revision?: string | number; status?: string; chart?: string } = {},
) {
  return {
    name: 'tempo',
    namespace: 'monitoring',
    revision: '1',
    updated: '2025-01-10 10:00:00.123456789 +0000 UTC',
    status: 'deployed',
    chart: 'tempo-1.24.4',
    app_version: '2.7.1',
    ...overrides,
  }
}

// Kubernetes objects

interface WorkloadOptions {
  name?: string
  namespace?: string
  generation?: number
  replicas?: number
  labels?: Record<string, string>
  status?: Record<string, unknown>
}

function workload(kind: string, o: WorkloadOptions): KubeObject {
  const name = o.name ?? 'tempo'
  const labels = o.labels ?? { 'app.kubernetes.io/name': name }
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: o.namespace ?? 'monitoring', generation: o.generation ?? 1, labels },
    spec: { ...(kind === 'DaemonSet' ? {} : { replicas: o.replicas ?? 1 }), selector: { matchLabels: labels } },
    status: o.status ?? {},
  }
}

/** A Deployment whose status is exactly what the test gives (default: fully rolled out, 1 replica). */
export function aDeployment(o: WorkloadOptions = {}): KubeObject {
  const n = o.replicas ?? 1
  return workload('Deployment', {
    name: 'kube-prometheus-stack-grafana',
    ...o,
    status: o.status ?? {
      observedGeneration: o.generation ?? 1,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
    },
  })
}

export function aStatefulSet(o: WorkloadOptions = {}): KubeObject {
  const n = o.replicas ?? 1
  return workload('StatefulSet', {
    name: 'loki',
    ...o,
    status: o.status ?? {
      observedGeneration: o.generation ?? 1,
      replicas: n,
      readyReplicas: n,
      currentReplicas: n,
      updatedReplicas: n,
      currentRevision: 'loki-6d5f',
      updateRevision: 'loki-6d5f',
    },
  })
}

export function aDaemonSet(o: WorkloadOptions & { nodes?: number } = {}): KubeObject {
  const n = o.nodes ?? 2
  return workload('DaemonSet', {
    name: 'loki-promtail',
    ...o,
    status: o.status ?? {
      observedGeneration: o.generation ?? 1,
      desiredNumberScheduled: n,
      currentNumberScheduled: n,
      updatedNumberScheduled: n,
      numberReady: n,
      numberAvailable: n,
    },
  })
}

/** A fully rolled-out workload of `kind`: one of the three builders above. */
export function aWorkload(kind: WorkloadKind, o: WorkloadOptions = {}): KubeObject {
  return { Deployment: aDeployment, StatefulSet: aStatefulSet, DaemonSet: aDaemonSet }[kind](o)
}

export interface ContainerOptions {
  name?: string
  image?: string
  ready?: boolean
  restartCount?: number
  /** e.g. `{ reason: 'ImagePullBackOff', message: 'Back-off pulling image …' }`; default: running */
  waiting?: { reason: string; message?: string }
  lastTerminated?: { exitCode: number; reason?: string }
}

export function aContainerStatus(o: ContainerOptions = {}) {
  return {
    name: o.name ?? 'tempo',
    image: o.image ?? 'grafana/tempo:2.7.1',
    ready: o.ready ?? !o.waiting,
    restartCount: o.restartCount ?? 0,
    started: !o.waiting,
    state: o.waiting ? { waiting: o.waiting } : { running: { startedAt: '2025-01-10T10:00:00Z' } },
    lastState: o.lastTerminated ? { terminated: { ...o.lastTerminated, finishedAt: '2025-01-10T10:00:00Z' } } : {},
  }
}

export interface PodOptions {
  name?: string
  namespace?: string
  labels?: Record<string, string>
  phase?: string
  /** default: Ready True when every container is ready and the pod Running */
  ready?: boolean
  containers?: ContainerOptions[]
  initContainers?: ContainerOptions[]
  /** `{ reason: 'Unschedulable', message }`: PodScheduled False */
  unschedulable?: { reason?: string; message?: string }
  reason?: string
  message?: string
}

/** A pod; by default Running and ready with one healthy container. */
export function aPod(o: PodOptions = {}): KubeObject {
  const containers = (o.containers ?? [{}]).map(aContainerStatus)
  const phase = o.phase ?? (o.unschedulable ? 'Pending' : 'Running')
  const ready = o.ready ?? (phase === 'Running' && containers.every((c) => c.ready))
  const conditions = o.unschedulable
    ? [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: o.unschedulable.reason ?? 'Unschedulable',
          message: o.unschedulable.message ?? '0/1 nodes are available: 1 Insufficient cpu.',
        },
      ]
    : [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      ]
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name ?? 'tempo-0',
      namespace: o.namespace ?? 'monitoring',
      labels: o.labels ?? { 'app.kubernetes.io/name': 'tempo' },
    },
    spec: {},
    status: {
      phase,
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.message ? { message: o.message } : {}),
      conditions,
      ...(o.unschedulable ? {} : { containerStatuses: containers }),
      ...(o.initContainers ? { initContainerStatuses: o.initContainers.map(aContainerStatus) } : {}),
    },
  }
}

/** A Job as helm creates a chart's hook (annotation `helm.sh/hook`); `failed`: its Failed condition. */
export function aHookJob(
  o: {
    name?: string
    labels?: Record<string, string>
    hook?: string | null
    failed?: { reason: string; message?: string }
  } = {},
): KubeObject {
  const hook = o.hook === undefined ? 'pre-install,pre-upgrade' : o.hook
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: o.name ?? 'kube-prometheus-stack-admission-create',
      namespace: 'monitoring',
      labels: o.labels ?? { 'app.kubernetes.io/instance': 'kube-prometheus-stack' },
      annotations: hook ? { 'helm.sh/hook': hook } : {},
    },
    spec: {},
    status: o.failed ? { conditions: [{ type: 'Failed', status: 'True', ...o.failed }] } : {},
  }
}

let eventCount = 0

/** A core/v1 Event about a pod. */
export function anEvent(
  o: { pod?: string; namespace?: string; reason?: string; message?: string; type?: string; at?: string } = {},
): KubeObject {
  const pod = o.pod ?? 'tempo-0'
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${pod}.${(++eventCount).toString(16).padStart(16, '0')}`,
      namespace: o.namespace ?? 'monitoring',
    },
    involvedObject: { kind: 'Pod', name: pod, namespace: o.namespace ?? 'monitoring' },
    type: o.type ?? 'Normal',
    reason: o.reason ?? 'Pulling',
    message: o.message ?? 'Pulling image "grafana/tempo:2.7.1"',
    lastTimestamp: o.at ?? '2025-01-10T10:00:00Z',
  }
}

// Grafana datasources

/** A datasource as it appears in a provisioning file (`datasources:` list entry). */
export function aDatasource(
  o: { name?: string; type?: string; url?: string; isDefault?: boolean | string; uid?: string } = {},
) {
  return {
    name: 'Loki',
    type: 'loki',
    url: 'http://loki.monitoring.svc.cluster.local:3100',
    access: 'proxy',
    isDefault: false,
    ...o,
  }
}

/** A provisioning file, as the sidecar reads it. */
export function aDatasourceFile(datasources: unknown[]): string {
  return stringify({ apiVersion: 1, datasources })
}

/** A ConfigMap labelled for Grafana's datasource sidecar. */
export function aDatasourceConfigMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'monitoring', labels: { grafana_datasource: '1' } },
    data,
  }
}

/** The same as a Secret: every data entry base64-encoded. */
export function aDatasourceSecret(name: string, data: Record<string, string>): KubeObject {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
  )
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'monitoring', labels: { grafana_datasource: '1' } },
    data: encoded,
  }
}

export function aProvisioned(o: Partial<ProvisionedDatasource> = {}): ProvisionedDatasource {
  return {
    name: 'Loki',
    type: 'loki',
    url: 'http://loki.monitoring.svc.cluster.local:3100',
    isDefault: false,
    source: 'configmap/kube-prometheus-stack-grafana-datasource (datasource.yaml)',
    ...o,
  }
}

/** Prometheus (the default), Loki and Tempo at the stack's Services in `namespace`. */
export function stackDatasourceList(namespace = 'monitoring') {
  return [
    aDatasource({
      name: 'Prometheus',
      type: 'prometheus',
      url: `http://kube-prometheus-stack-prometheus.${namespace}:9090/`,
      isDefault: true,
    }),
    aDatasource({ name: 'Loki', type: 'loki', url: `http://loki.${namespace}.svc.cluster.local:3100` }),
    aDatasource({ name: 'Tempo', type: 'tempo', url: `http://tempo.${namespace}.svc.cluster.local:3200` }),
  ]
}

/**
 * The ConfigMap kube-prometheus-stack provisions with grafana-values.yaml (seed §2.2); by default
 * Prometheus (the default), Loki and Tempo, all at their expected URLs.
 */
export function aStackDatasourceConfigMap(datasources: unknown[] = stackDatasourceList()): KubeObject {
  return aDatasourceConfigMap('kube-prometheus-stack-grafana-datasource', {
    'datasource.yaml': aDatasourceFile(datasources),
  })
}

/** A Service with these ports (name → port), selecting pods by its name. */
export function aService(
  name: string,
  ports: Record<string, number>,
  o: { namespace?: string; type?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'monitoring' },
    spec: {
      type: o.type ?? 'ClusterIP',
      selector: { 'app.kubernetes.io/name': name },
      ports: Object.entries(ports).map(([portName, port]) => ({ name: portName, port, targetPort: portName })),
    },
  }
}

/** The EndpointSlice of a Service: its ports by name (as the controller copies them), one endpoint per `ready`. */
export function anEndpointSlice(
  service: string,
  ports: Record<string, number>,
  o: { namespace?: string; ready?: (boolean | undefined)[] } = {},
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-x7k2p`,
      namespace: o.namespace ?? 'monitoring',
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    ports: Object.entries(ports).map(([name, port]) => ({ name, port, protocol: 'TCP' })),
    endpoints: (o.ready ?? [true]).map((ready, i) => ({
      addresses: [`10.244.0.${10 + i}`],
      conditions: ready === undefined ? {} : { ready },
    })),
  }
}

/** The stack's Services as its charts name them, each with one ready endpoint, in `namespace`. */
export function aStackServices(namespace = 'monitoring'): NamespaceServices {
  const services: [string, Record<string, number>][] = [
    ['kube-prometheus-stack-prometheus', { 'http-web': 9090, 'reloader-web': 8080 }],
    ['kube-prometheus-stack-grafana', { 'http-web': 80 }],
    ['loki', { 'http-metrics': 3100, grpc: 9095 }],
    ['tempo', { 'tempo-prom-metrics': 3200, 'tempo-otlp-http': 4318, 'tempo-otlp-grpc': 4317 }],
  ]
  return {
    services: services.map(([name, ports]) => aService(name, ports, { namespace })),
    endpointSlices: services.map(([name, ports]) => anEndpointSlice(name, ports, { namespace })),
  }
}

// The cluster as the report and the status read it

export interface SnapshotOptions {
  config?: Config
  /** names of expected workloads that are not there */
  missing?: string[]
  /** workloads that take the place of the healthy one of the same kind and name (or are added) */
  workloads?: KubeObject[]
  /** pods, each in its own namespace (the healthy snapshot has none: only a problem needs one) */
  pods?: KubeObject[]
  /** release states that take the place of the deployed one of the same name */
  releases?: ReleaseState[]
  /** names of releases that are not installed */
  notInstalled?: string[]
  /** default: the stack's datasource ConfigMap, healthy */
  datasourceObjects?: KubeObject[]
  /** default: the stack's Services, each with a ready endpoint, in the config's namespace */
  services?: Snapshot['services']
  webhooks?: Partial<Snapshot['webhooks']>
}

/**
 * What `readSnapshot` reads from a healthy stack under `config`: every expected workload rolled
 * out, every release deployed at its version, the seed's datasources, both webhooks answering.
 */
export function aSnapshot(o: SnapshotOptions = {}): Snapshot {
  const config = o.config ?? aConfig()
  const expected = [
    ...config.releases.flatMap((r) =>
      r.workloads.map((w) => aWorkload(w.kind, { name: w.name, namespace: r.namespace })),
    ),
    ...config.certManager.deployments.map((name) => aDeployment({ name, namespace: config.certManager.namespace })),
  ].filter((w) => !o.missing?.includes(w.metadata.name))
  const replaced = (w: KubeObject) => o.workloads?.some((x) => x.kind === w.kind && x.metadata.name === w.metadata.name)
  const workloads = [...expected.filter((w) => !replaced(w)), ...(o.workloads ?? [])]
  const namespaces: Snapshot['namespaces'] = {}
  for (const namespace of [config.namespace, config.certManager.namespace]) {
    namespaces[namespace] = {
      workloads: workloads.filter((w) => w.metadata.namespace === namespace),
      pods: (o.pods ?? []).filter((p) => p.metadata.namespace === namespace),
    }
  }
  const releases = config.releases
    .filter((r) => !o.notInstalled?.includes(r.name))
    .map(
      (r) =>
        o.releases?.find((s) => s.name === r.name) ??
        aReleaseState({ name: r.name, namespace: r.namespace, chart: r.chart, version: r.version }),
    )
  return {
    namespaces,
    releases,
    datasourceObjects: o.datasourceObjects ?? [aStackDatasourceConfigMap(stackDatasourceList(config.namespace))],
    services: o.services ?? { [config.namespace]: aStackServices(config.namespace) },
    webhooks: { 'cert-manager': true, operator: true, ...o.webhooks },
  }
}

// Plan, report

export function aStep(id: string, needs: string[] = []): PlanStep {
  return { id, needs }
}

/** An object with each pair of words (`{ en, ko }`) read in English: what most assertions compare. */
export type English<T> = {
  [K in keyof T]: T[K] extends Text ? string : Exclude<T[K], undefined> extends Text ? string | undefined : T[K]
}

export function english<T extends object>(words: T): English<T> {
  const isText = (v: unknown): v is Text => typeof v === 'object' && v !== null && 'en' in v && 'ko' in v
  return Object.fromEntries(Object.entries(words).map(([k, v]) => [k, isText(v) ? v.en : v])) as English<T>
}

export function aCheck(overrides: Partial<Check> = {}): Check {
  return {
    id: 'workload/tempo',
    group: 'monitoring',
    title: { en: 'Tempo', ko: 'Tempo' },
    ok: true,
    detail: { en: 'statefulset/tempo 1/1 ready', ko: 'statefulset/tempo 1/1 준비됨' },
    ...overrides,
  }
}

// Output

/** A Log writing into strings: `err()` and `out()` return what was written. */
export function captureLog(verbosity: 'quiet' | 'normal' | 'verbose' = 'normal') {
  let err = ''
  let out = ''
  const log = new Log({
    verbosity,
    live: false,
    color: false,
    err: {
      write: (s: string) => {
        err += s
        return true
      },
    },
    out: {
      write: (s: string) => {
        out += s
        return true
      },
    },
  })
  return { log, err: () => err, out: () => out }
}

// Files

/**
 * A temporary folder holding `files` (path → content); `dir.path(name)` is a file in it and
 * `dir.remove()` deletes it all. In the spirit of zx's `tempdir` and helmfile's `testdir`.
 */
export function testdir(files: Record<string, string> = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-'))
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true })
    fs.writeFileSync(path.join(root, name), content)
  }
  return {
    root,
    path: (name: string) => path.join(root, name),
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  }
}

/** What a runner returns for a command, for stubbed runners: an exit code, a JSON body, stderr. */
export function anOutput(exitCode: number, body?: unknown, stderr = ''): ProcessOutput {
  return { exitCode, stderr, json: () => body } as unknown as ProcessOutput
}
