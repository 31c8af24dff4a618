// The stack as data: what seed §2–§4 install, per profile, with pinned versions, the workloads each
// release must bring up, the API groups of its CRDs, and what each needs installed first.
/** Grafana Alloy's chart, pinned for the current profile. */
const ALLOY_VERSION = '1.11.1'

/** Helm chart repositories: the seed's (§2.1, §4), and where Grafana's community charts moved in 2026. */
export const repoDefaults = {
  'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
  grafana: 'https://grafana.github.io/helm-charts',
  'open-telemetry': 'https://open-telemetry.github.io/opentelemetry-helm-charts',
  'grafana-community': 'https://grafana-community.github.io/helm-charts',
} as const
export type RepoName = keyof typeof repoDefaults

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet'

/** A workload the seed expects to see running (§5), and how the report names it. */
export interface ExpectedWorkload {
  kind: WorkloadKind
  name: string
  title: string
  /** the pod name as the seed lists it, e.g. `loki-0` or `tempo-0` */
  seedPod: string
  /** created by an operator after the release is installed, not by helm itself */
  createdByOperator?: boolean
}

/** The sections of seed 05 that install or check something, each one script. */
export type StepId = 'namespace' | 'lgtm' | 'cert-manager' | 'otel-operator' | 'verify'

/** Each section's script and heading in the seed. */
export const sections: Record<StepId, { script: string; heading: string }> = {
  namespace: { script: 'scripts/01-namespace.mts', heading: '§1 사전 준비' },
  lgtm: { script: 'scripts/02-lgtm.mts', heading: '§2 LGTM 스택 설치' },
  'cert-manager': { script: 'scripts/03-cert-manager.mts', heading: '§3 cert-manager 설치' },
  'otel-operator': { script: 'scripts/04-otel-operator.mts', heading: '§4 OpenTelemetry Operator 설치' },
  verify: { script: 'scripts/05-verify.mts', heading: '§5 설치 확인' },
}

/** A webhook that must answer before its component is ready: probed by a server-side dry run. */
export type WebhookId = 'cert-manager' | 'operator'

export interface ReleaseSpec {
  name: string
  repo: RepoName
  chart: string
  version: string
  /** files under values/, named after the release (grafana-values.yaml keeps the seed's name) */
  valuesFiles: string[]
  step: StepId
  /** the seed's heading for it, e.g. `§2.2` */
  seed: string
  /** a webhook the release serves, ready only once it answers */
  webhook?: WebhookId
  /** what must be installed first (teardown removes it after this one) */
  needs: string[]
  workloads: ExpectedWorkload[]
  /** API groups of the CRDs the chart installs (removed only by teardown --purge) */
  crdGroups: string[]
  /**
   * The chart's CRDs (its crds/ folders, which helm installs once and never upgrades) are applied
   * server-side before an upgrade from another chart version: else the new operator runs on the old CRDs.
   */
  crdsBeforeUpgrade?: boolean
  /**
   * The annotation its CRDs carry the operator version in: a fresh install over CRDs left in the cluster
   * (teardown keeps them, and helm skips CRDs that exist) applies the chart's when those are older.
   */
  crdVersionAnnotation?: string
}

const kubePrometheusStack: ReleaseSpec = {
  name: 'kube-prometheus-stack',
  repo: 'prometheus-community',
  chart: 'kube-prometheus-stack',
  version: '88.5.3',
  valuesFiles: ['grafana-values.yaml'],
  step: 'lgtm',
  seed: '§2.2',
  needs: [],
  crdGroups: ['monitoring.coreos.com'],
  // the Prometheus Operator's CRDs are in crds/ (its `crds` subchart); the OpenTelemetry Operator's chart
  // renders its CRDs as templates, which helm upgrades with the release
  crdsBeforeUpgrade: true,
  crdVersionAnnotation: 'operator.prometheus.io/version',
  workloads: [
    {
      kind: 'Deployment',
      name: 'kube-prometheus-stack-operator',
      title: 'Prometheus Operator',
      seedPod: 'kube-prometheus-stack-operator-...',
    },
    {
      kind: 'StatefulSet',
      name: 'prometheus-kube-prometheus-stack-prometheus',
      title: 'Prometheus',
      seedPod: 'kube-prometheus-stack-prometheus-...',
      createdByOperator: true,
    },
    {
      kind: 'Deployment',
      name: 'kube-prometheus-stack-grafana',
      title: 'Grafana',
      seedPod: 'kube-prometheus-stack-grafana-...',
    },
  ],
}

const openTelemetryOperator: ReleaseSpec = {
  name: 'opentelemetry-operator',
  repo: 'open-telemetry',
  chart: 'opentelemetry-operator',
  version: '0.122.0',
  valuesFiles: ['opentelemetry-operator-values.yaml'],
  step: 'otel-operator',
  seed: '§4',
  webhook: 'operator',
  needs: ['cert-manager'],
  crdGroups: ['opentelemetry.io'],
  workloads: [
    {
      kind: 'Deployment',
      name: 'opentelemetry-operator',
      title: 'OpenTelemetry Operator',
      seedPod: 'opentelemetry-operator-...',
    },
  ],
}

/**
 * The releases of seed §2 and §4, in the seed's order, with pinned chart versions, per profile.
 * `seed` is the workshop page as written. `current` keeps its services (loki:3100, tempo:3200)
 * and datasources on charts still maintained: community Loki (single binary), Grafana Alloy
 * for the pods' logs instead of the deprecated promtail, community Tempo.
 */
export const profiles = {
  seed: [
    kubePrometheusStack,
    {
      name: 'loki',
      repo: 'grafana',
      chart: 'loki-stack',
      version: '2.10.3',
      valuesFiles: ['loki-stack-values.yaml'],
      step: 'lgtm',
      seed: '§2.3',
      needs: [],
      crdGroups: [],
      workloads: [
        { kind: 'StatefulSet', name: 'loki', title: 'Loki', seedPod: 'loki-0' },
        { kind: 'DaemonSet', name: 'loki-promtail', title: 'Promtail', seedPod: 'loki-promtail-...' },
      ],
    },
    {
      name: 'tempo',
      repo: 'grafana',
      chart: 'tempo',
      version: '1.24.4',
      valuesFiles: ['tempo-values.yaml'],
      step: 'lgtm',
      seed: '§2.4',
      needs: [],
      crdGroups: [],
      workloads: [{ kind: 'StatefulSet', name: 'tempo', title: 'Tempo', seedPod: 'tempo-0' }],
    },
    openTelemetryOperator,
  ],
  current: [
    kubePrometheusStack,
    {
      name: 'loki',
      repo: 'grafana-community',
      chart: 'loki',
      version: '18.11.0',
      valuesFiles: ['loki-values.yaml'],
      step: 'lgtm',
      seed: '§2.3',
      needs: [],
      crdGroups: [],
      workloads: [{ kind: 'StatefulSet', name: 'loki', title: 'Loki', seedPod: 'loki-0' }],
    },
    {
      name: 'alloy',
      repo: 'grafana',
      chart: 'alloy',
      version: ALLOY_VERSION,
      valuesFiles: ['alloy-values.yaml'],
      step: 'lgtm',
      seed: '§2.3',
      needs: [],
      crdGroups: [],
      workloads: [{ kind: 'DaemonSet', name: 'alloy', title: 'Alloy', seedPod: 'alloy-...' }],
    },
    {
      name: 'tempo',
      repo: 'grafana-community',
      chart: 'tempo',
      version: '2.2.4',
      valuesFiles: ['tempo-values.yaml'],
      step: 'lgtm',
      seed: '§2.4',
      needs: [],
      crdGroups: [],
      workloads: [{ kind: 'StatefulSet', name: 'tempo', title: 'Tempo', seedPod: 'tempo-0' }],
    },
    openTelemetryOperator,
  ],
} as const satisfies Record<string, readonly ReleaseSpec[]>
export type ProfileName = keyof typeof profiles
export const profileNames = Object.keys(profiles) as ProfileName[]

/** Every release name any profile installs: what teardown and a profile switch look for. */
export const knownReleaseNames = [...new Set(profileNames.flatMap((p) => profiles[p].map((r) => r.name)))]

/** seed §3: the cert-manager release whose manifest each profile applies (the page names v1.14.5). */
export const certManagerPins: Record<ProfileName, string> = { seed: 'v1.14.5', current: 'v1.21.1' }

/** seed §3: cert-manager from its release manifest. */
export const certManagerDefaults = {
  namespace: 'cert-manager',
  deployments: ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'],
  crdGroups: ['cert-manager.io', 'acme.cert-manager.io'],
  manifestUrl: (version: string) =>
    `https://github.com/cert-manager/cert-manager/releases/download/${version}/cert-manager.yaml`,
}

/** A port of one of the stack's Services. */
export interface ServicePort {
  name: string
  port: number
}

/**
 * The Services the data-path checks send to and read from, named as the charts name them for our
 * release names (in the configured namespace). Tempo's OTLP ports are those section 06's collector
 * sends to; both Tempo charts open them by default.
 */
export const stackServices = {
  prometheus: { name: 'kube-prometheus-stack-prometheus', port: 9090 },
  grafana: { name: 'kube-prometheus-stack-grafana', port: 80 },
  loki: { name: 'loki', port: 3100 },
  tempo: { name: 'tempo', port: 3200 },
  tempoOtlpGrpc: { name: 'tempo', port: 4317 },
  tempoOtlpHttp: { name: 'tempo', port: 4318 },
} as const satisfies Record<string, ServicePort>

/** The Secret kube-prometheus-stack's Grafana takes its admin credentials from (admin-user, admin-password). */
export const grafanaAdminSecret = 'kube-prometheus-stack-grafana'

/** The scrape jobs kube-prometheus-stack's Prometheus has from the start: itself, kube-state-metrics, node-exporter. */
export const expectedScrapeJobs = ['kube-prometheus-stack-prometheus', 'kube-state-metrics', 'node-exporter']

/** The label kube-prometheus-stack's Grafana datasource sidecar selects ConfigMaps and Secrets by. */
export const grafanaDatasourceLabel = { key: 'grafana_datasource', value: '1' }

/** The namespace the seed installs the stack in, and the one values/ names in its URLs. */
export const seedNamespace = 'monitoring'

/**
 * The stack's backends Grafana must have a datasource for (seed §2.2: Prometheus as the default,
 * Loki, Tempo), by datasource type, each at its Service in the stack's namespace.
 */
export const stackDatasources = [
  { title: 'Prometheus', type: 'prometheus', service: stackServices.prometheus },
  { title: 'Loki', type: 'loki', service: stackServices.loki },
  { title: 'Tempo', type: 'tempo', service: stackServices.tempo },
] as const satisfies { title: string; type: string; service: ServicePort }[]

/**
 * What section 06 of the workshop creates once the stack is green, named as its page names them, at
 * the endpoints of this stack (its namespace) and of the app's: the collector receives OTLP from the
 * instrumented pods and exports traces to Tempo and logs to Loki.
 */
export interface Section06 {
  section: '06'
  namespace: string
  collector: { kind: 'OpenTelemetryCollector'; name: string; traces: string; logs: string }
  instrumentation: { kind: 'Instrumentation'; name: string; endpoint: string }
}

export function section06(namespace: string, appNamespace: string): Section06 {
  const host = (service: string, ns: string) => `${service}.${ns}.svc.cluster.local`
  const collector = 'otel-collector'
  return {
    section: '06',
    namespace: appNamespace,
    collector: {
      kind: 'OpenTelemetryCollector',
      name: collector,
      traces: `${host(stackServices.tempoOtlpGrpc.name, namespace)}:${stackServices.tempoOtlpGrpc.port}`,
      logs: `http://${host(stackServices.loki.name, namespace)}:${stackServices.loki.port}/loki/api/v1/push`,
    },
    instrumentation: {
      kind: 'Instrumentation',
      name: 'my-instrumentation',
      // the operator names the collector's Service <name>-collector; 4317 is its OTLP gRPC port
      endpoint: `http://${host(`${collector}-collector`, appNamespace)}:4317`,
    },
  }
}

/**
 * Our mark on what these scripts create outside a chart: a namespace (teardown --purge deletes one only
 * when it carries it and holds nothing else; one that was there before is never marked), and the
 * inotify probe's pods.
 */
export const MANAGED_BY_LABEL = { key: 'app.kubernetes.io/managed-by', value: 'monitoring-stack.workshop' }
