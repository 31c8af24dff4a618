// The one place for versions, namespaces, repositories, timeouts and every other setting.
// Defaults are the seed's values; each can be overridden by environment variable and then by flag.
// `loadConfig` validates everything and reports all problems at once, before any cluster call.
// YAML is zx's copy of the yaml package, which the zx CLI has loaded already (a second copy: 30 ms of start-up)
import { YAML } from 'zx'
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from './errors.ts'
import { mergeValues, setToValues } from './helm.ts'
import {
  chartVersion, dns1123Label, imageRepository, kubeContextName, manifestLocation, parseSettings, repositoryUrl,
  type SettingDef, type SettingValues,
} from './settings.ts'

/** Grafana Alloy's chart, pinned for the current profile. */
const ALLOY_VERSION = '1.11.1'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

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

export type StepId = 'namespace' | 'lgtm' | 'cert-manager' | 'otel-operator' | 'verify'

export interface ReleaseSpec {
  name: string
  repo: RepoName
  chart: string
  version: string
  /** files under values/, named after the release (grafana-values.yaml keeps the seed's name) */
  valuesFiles: string[]
  step: StepId
  /** what must be installed first (teardown removes it after this one) */
  needs: string[]
  workloads: ExpectedWorkload[]
  /** API groups of the CRDs the chart installs (removed only by teardown --purge) */
  crdGroups: string[]
}

const kubePrometheusStack: ReleaseSpec = {
  name: 'kube-prometheus-stack', repo: 'prometheus-community', chart: 'kube-prometheus-stack', version: '88.5.3',
  valuesFiles: ['grafana-values.yaml'], step: 'lgtm', needs: [], crdGroups: ['monitoring.coreos.com'],
  workloads: [
    { kind: 'Deployment', name: 'kube-prometheus-stack-operator', title: 'Prometheus Operator', seedPod: 'kube-prometheus-stack-operator-...' },
    { kind: 'StatefulSet', name: 'prometheus-kube-prometheus-stack-prometheus', title: 'Prometheus', seedPod: 'kube-prometheus-stack-prometheus-...', createdByOperator: true },
    { kind: 'Deployment', name: 'kube-prometheus-stack-grafana', title: 'Grafana', seedPod: 'kube-prometheus-stack-grafana-...' },
  ],
}

const openTelemetryOperator: ReleaseSpec = {
  name: 'opentelemetry-operator', repo: 'open-telemetry', chart: 'opentelemetry-operator', version: '0.122.0',
  valuesFiles: ['opentelemetry-operator-values.yaml'], step: 'otel-operator', needs: ['cert-manager'], crdGroups: ['opentelemetry.io'],
  workloads: [{ kind: 'Deployment', name: 'opentelemetry-operator', title: 'OpenTelemetry Operator', seedPod: 'opentelemetry-operator-...' }],
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
      name: 'loki', repo: 'grafana', chart: 'loki-stack', version: '2.10.3',
      valuesFiles: ['loki-stack-values.yaml'], step: 'lgtm', needs: [], crdGroups: [],
      workloads: [
        { kind: 'StatefulSet', name: 'loki', title: 'Loki', seedPod: 'loki-0' },
        { kind: 'DaemonSet', name: 'loki-promtail', title: 'Promtail', seedPod: 'loki-promtail-...' },
      ],
    },
    {
      name: 'tempo', repo: 'grafana', chart: 'tempo', version: '1.24.4',
      valuesFiles: ['tempo-values.yaml'], step: 'lgtm', needs: [], crdGroups: [],
      workloads: [{ kind: 'StatefulSet', name: 'tempo', title: 'Tempo', seedPod: 'tempo-0' }],
    },
    openTelemetryOperator,
  ],
  current: [
    kubePrometheusStack,
    {
      name: 'loki', repo: 'grafana-community', chart: 'loki', version: '18.11.0',
      valuesFiles: ['loki-values.yaml'], step: 'lgtm', needs: [], crdGroups: [],
      workloads: [{ kind: 'StatefulSet', name: 'loki', title: 'Loki', seedPod: 'loki-0' }],
    },
    {
      name: 'alloy', repo: 'grafana', chart: 'alloy', version: ALLOY_VERSION,
      valuesFiles: ['alloy-values.yaml'], step: 'lgtm', needs: [], crdGroups: [],
      workloads: [{ kind: 'DaemonSet', name: 'alloy', title: 'Alloy (pod logs)', seedPod: 'alloy-...' }],
    },
    {
      name: 'tempo', repo: 'grafana-community', chart: 'tempo', version: '2.2.4',
      valuesFiles: ['tempo-values.yaml'], step: 'lgtm', needs: [], crdGroups: [],
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
  manifestUrl: (version: string) => `https://github.com/cert-manager/cert-manager/releases/download/${version}/cert-manager.yaml`,
}

/** The label kube-prometheus-stack's Grafana datasource sidecar selects ConfigMaps and Secrets by. */
export const grafanaDatasourceLabel = { key: 'grafana_datasource', value: '1' }

/** seed §2.2: the datasources Grafana must end up with. */
export const expectedDatasources = [
  { name: 'Loki', type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' },
  { name: 'Tempo', type: 'tempo', url: 'http://tempo.monitoring.svc.cluster.local:3200' },
]

/** Every setting: flag, environment variable (STACK_…), default, and what a good value is. */
export const settingDefs: SettingDef[] = [
  { flag: 'help', kind: 'boolean', default: false, help: 'print this help and exit' },
  { flag: 'help-all', kind: 'boolean', default: false, help: 'print the help with every setting, including chart versions and repositories', advanced: true },
  { flag: 'profile', kind: 'string', default: 'seed', example: 'current', validate: oneOf(profileNames), help: "seed: the workshop page's charts as written; current: the same stack on charts still maintained (community Loki, Alloy, community Tempo)" },
  { flag: 'dry-run', kind: 'boolean', default: false, help: 'print every command that would change the cluster, change nothing (no cluster needed)' },
  { flag: 'context', kind: 'string', default: '', example: 'kind-kind', validate: kubeContextName, help: 'kubeconfig context to use (default: the current context, always printed first)' },
  { flag: 'timeout', kind: 'duration', default: '10m', example: '15m', help: 'how long each wait may take' },
  { flag: 'stuck-after', kind: 'duration', default: '1m', example: '2m', help: 'how long a pod may sit in ImagePullBackOff, CrashLoopBackOff or Unschedulable before its step fails' },
  { flag: 'verbose', kind: 'boolean', default: false, help: 'also print every query and each retry' },
  { flag: 'quiet', kind: 'boolean', default: false, help: 'print only warnings, errors and the summary' },
  { flag: 'json', kind: 'boolean', default: false, help: 'print the report as JSON (05-verify, all)' },
  { flag: 'yes', kind: 'boolean', default: false, help: 'teardown: do not ask for confirmation (needed when not on a terminal)' },
  { flag: 'purge', kind: 'boolean', default: false, help: "teardown: also delete the CRDs (Prometheus Operator's, cert-manager's, the OTel Operator's) and the monitoring namespace" },
  { flag: 'require-app', kind: 'boolean', default: false, help: 'fail when the app namespace (ticketing) is missing, instead of warning' },
  { flag: 'namespace', kind: 'string', default: 'monitoring', example: 'monitoring', validate: dns1123Label, help: 'namespace for the monitoring stack' },
  { flag: 'app-namespace', kind: 'string', default: 'ticketing', example: 'ticketing', validate: dns1123Label, help: "the workshop app's namespace (seed §1 checks it exists)" },
  { flag: 'values-dir', kind: 'string', default: path.join(projectRoot, 'values'), example: './my-values', validate: directory, help: 'folder holding the values files, one per release (copy values/ to change them)' },
  { flag: 'collector-image', kind: 'string', default: 'otel/opentelemetry-collector-k8s', example: 'otel/opentelemetry-collector-k8s', validate: imageRepository, help: 'collector image repository the operator deploys (seed §4)' },
  { flag: 'cert-manager-version', kind: 'string', default: '', example: certManagerPins.seed, validate: chartVersion, help: `cert-manager release whose manifest is applied (seed §3; default: the profile's pin, ${profileNames.map((p) => `${p}: ${certManagerPins[p]}`).join(', ')})` },
  { flag: 'chart-mirror', kind: 'string', default: '', example: 'https://charts.example.com', validate: repositoryUrl, help: 'one base for every chart repository: <base>/<repo> for HTTP mirrors, or an oci:// registry holding every chart (a --<repo>-repo setting still wins)' },
  { flag: 'cert-manager-manifest', kind: 'string', default: '', example: './cert-manager.yaml', validate: manifestLocation((p) => fs.existsSync(p)), help: 'cert-manager manifest: a URL (mirror) or a local file (default: the GitHub release of --cert-manager-version)' },
  ...(Object.entries(repoDefaults) as [RepoName, string][]).map(([repo, url]): SettingDef => (
    { flag: `${repo}-repo`, kind: 'string', default: url, example: url, validate: repositoryUrl, help: `chart repository "${repo}"`, advanced: true })),
  ...knownReleaseNames.map((name): SettingDef => {
    const pins = profileNames.flatMap((p) => profiles[p].filter((r) => r.name === name).map((r) => `${p}: ${r.chart} ${r.version}`))
    return { flag: `${name}-version`, kind: 'string', default: '', example: profiles.seed.find((r) => r.name === name)?.version ?? '1.0.0', validate: chartVersion, help: `chart version for release "${name}" (default: the profile's pin; ${pins.join(', ')})`, advanced: true }
  }),
]

export interface Release extends Omit<ReleaseSpec, 'valuesFiles'> {
  namespace: string
  repoUrl: string
  /** values files as absolute paths */
  valuesFiles: string[]
  /** `--set-string` values, key path → value */
  set: Record<string, string>
  /** what `helm get values` must show once converged: the values files merged, then `set` */
  values: Record<string, unknown>
}

export type Verbosity = 'quiet' | 'normal' | 'verbose'

export interface Config {
  profile: ProfileName
  context?: string
  namespace: string
  appNamespace: string
  requireApp: boolean
  yes: boolean
  purge: boolean
  timeoutMs: number
  stuckAfterMs: number
  dryRun: boolean
  json: boolean
  verbosity: Verbosity
  repos: Record<RepoName, string>
  releases: Release[]
  certManager: { version: string; namespace: string; deployments: string[]; crdGroups: string[]; manifest: string }
  collectorImage: string
  help: boolean
  helpAll: boolean
}

/**
 * Reads settings from env and argv (flags win), validates all of them and returns the config.
 * Throws one UsageError listing every problem.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { values, problems } = parseSettings(settingDefs, argv, env)
  const config = buildConfig(values, (file) => {
    if (!fs.existsSync(path.dirname(file))) return {} // the folder itself is reported already
    const { values, problem } = readValuesFile(file)
    if (problem) problems.push(problem)
    return values
  })
  problems.push(...namespaceProblems(config))
  if (problems.length) throw new UsageError(problems)
  return config
}

/**
 * The stack's namespace is its own: teardown --purge deletes it, and the app's namespace, the
 * system namespaces and cert-manager's hold what is not ours.
 */
export function namespaceProblems(config: Pick<Config, 'namespace' | 'appNamespace' | 'certManager'>): string[] {
  const ns = config.namespace
  const whose = ns === config.appNamespace ? `the app's namespace (--app-namespace)`
    : ns === config.certManager.namespace ? `cert-manager's namespace`
    : ns === 'default' || ns.startsWith('kube-') ? 'a system namespace'
    : undefined
  if (!whose) return []
  return [`--namespace: "${ns}" is ${whose}; the stack needs a namespace of its own ` +
    '(for example --namespace=monitoring)']
}

function oneOf(choices: readonly string[]) {
  return (value: string) => (choices.includes(value) ? undefined : `"${value}" is not one of: ${choices.join(', ')}`)
}

function directory(value: string): string | undefined {
  return fs.existsSync(value) && fs.statSync(value).isDirectory() ? undefined : `no folder at "${value}"`
}

/** A values file parsed; a YAML error is reported as `file:line:column: what`. */
export function readValuesFile(file: string): { values: Record<string, unknown>; problem?: string } {
  const relative = path.relative(process.cwd(), file)
  const shown = relative.startsWith('..') ? file : relative
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    const ours = path.join(projectRoot, 'values', path.basename(file))
    const fix = path.dirname(file) === path.dirname(ours) ? `restore it: git checkout -- values/${path.basename(file)}` : `copy it from ${ours}`
    return { values: {}, problem: `values file ${shown} is missing: ${fix}` }
  }
  // helm reads values as YAML 1.1 (yes/on are booleans, 0755 is octal): so must we, to compare.
  const doc = YAML.parseDocument(text, { version: '1.1' })
  const error = doc.errors[0]
  if (error) {
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0]
    return { values: {}, problem: `${shown}:${line}:${col}: invalid YAML: ${error.message.split('\n')[0]}` }
  }
  const values = doc.toJS() ?? {}
  if (typeof values !== 'object' || Array.isArray(values)) return { values: {}, problem: `${shown}: must be a YAML mapping (key: value), found ${Array.isArray(values) ? 'a list' : typeof values}` }
  return { values }
}

export function buildConfig(v: SettingValues, readValues: (file: string) => Record<string, unknown> = (f) => readValuesFile(f).values): Config {
  const namespace = v.namespace as string
  const repos = Object.fromEntries(
    (Object.keys(repoDefaults) as RepoName[]).map((r) => [r, repoUrl(r, v[`${r}-repo`] as string, v['chart-mirror'] as string)]),
  ) as Record<RepoName, string>
  // an unknown profile is already a problem loadConfig reports; the rest is built for seed meanwhile
  const profile: ProfileName = profileNames.includes(v.profile as ProfileName) ? v.profile as ProfileName : 'seed'
  const releases = profiles[profile].map((spec): Release => {
    const valuesFiles = spec.valuesFiles.map((f) => path.resolve(v['values-dir'] as string, f))
    const set: Record<string, string> = spec.name === 'opentelemetry-operator' ? { 'manager.collectorImage.repository': v['collector-image'] as string } : {}
    return {
      ...spec,
      namespace,
      version: (v[`${spec.name}-version`] as string) || spec.version,
      repoUrl: repos[spec.repo],
      valuesFiles,
      set,
      values: mergeValues(...valuesFiles.map(readValues), setToValues(set)),
    }
  })
  const certVersion = (v['cert-manager-version'] as string) || certManagerPins[profile]
  return {
    profile,
    context: (v.context as string) || undefined,
    namespace,
    appNamespace: v['app-namespace'] as string,
    requireApp: v['require-app'] as boolean,
    yes: v.yes as boolean,
    purge: v.purge as boolean,
    timeoutMs: v.timeout as number,
    stuckAfterMs: v['stuck-after'] as number,
    dryRun: v['dry-run'] as boolean,
    json: v.json as boolean,
    verbosity: v.verbose ? 'verbose' : v.quiet ? 'quiet' : 'normal',
    repos,
    releases,
    certManager: {
      ...certManagerDefaults,
      version: certVersion,
      manifest: (v['cert-manager-manifest'] as string) || certManagerDefaults.manifestUrl(certVersion),
    },
    collectorImage: v['collector-image'] as string,
    help: v.help as boolean,
    helpAll: v['help-all'] as boolean,
  }
}

/**
 * A repository's URL: its own setting when changed from the default, else the mirror's
 * (`<base>/<repo>` for HTTP, the registry itself for OCI), else the seed's.
 */
export function repoUrl(repo: RepoName, own: string, mirror: string): string {
  if (own !== repoDefaults[repo] || !mirror) return own
  const base = mirror.replace(/\/+$/, '')
  return base.startsWith('oci://') ? base : `${base}/${repo}`
}

export function releaseNamed(config: Config, name: string): Release {
  const release = config.releases.find((r) => r.name === name)
  if (!release) throw new Error(`unknown release ${name}`)
  return release
}

export function releasesOf(config: Config, step: StepId): Release[] {
  return config.releases.filter((r) => r.step === step)
}

export function hasRelease(config: Config, name: string): boolean {
  return config.releases.some((r) => r.name === name)
}
