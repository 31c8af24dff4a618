// The one place for versions, namespaces, repositories, timeouts and every other setting.
// Defaults are the seed's values; each can be overridden by environment variable and then by flag.
// `loadConfig` validates everything and reports all problems at once, before any cluster call.
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from './errors.ts'
import { adaptationsFor, flavourNames, type Adaptation, type Flavour } from './flavours.ts'
import {
  certManagerDefaults,
  certManagerPins,
  knownReleaseNames,
  profileNames,
  profiles,
  repoDefaults,
  seedNamespace,
  type ProfileName,
  type ReleaseSpec,
  type RepoName,
  type StepId,
} from './stack.ts'
import { mergeValues, namespaceSet, projectRoot, readValuesFile, setToValues } from './values.ts'
import {
  chartVersion,
  dns1123Label,
  imageRepository,
  kubeContextName,
  manifestLocation,
  parseSettings,
  repositoryUrl,
  type SettingDef,
  type SettingValues,
} from './settings.ts'

/** Every setting: flag, environment variable (STACK_…), default, and what a good value is. */
export const settingDefs: SettingDef[] = [
  { flag: 'help', kind: 'boolean', default: false, help: 'print this help and exit' },
  {
    flag: 'help-all',
    kind: 'boolean',
    default: false,
    help: 'print the help with every setting, including chart versions and repositories',
    advanced: true,
  },
  {
    flag: 'profile',
    kind: 'string',
    default: 'seed',
    example: 'current',
    validate: oneOf(profileNames),
    help:
      "seed: the workshop page's charts as written;" +
      ' current: the same stack on charts still maintained (community Loki, Alloy, community Tempo)',
  },
  {
    flag: 'dry-run',
    kind: 'boolean',
    default: false,
    help: 'print the steps as a standalone bash script (stdout) and change nothing; no cluster needed',
  },
  {
    flag: 'context',
    kind: 'string',
    default: '',
    example: 'kind-kind',
    validate: kubeContextName,
    help: 'kubeconfig context to use (default: the current context, always printed first)',
  },
  { flag: 'timeout', kind: 'duration', default: '10m', example: '15m', help: 'how long each wait may take' },
  {
    flag: 'stuck-after',
    kind: 'duration',
    default: '1m',
    example: '2m',
    help: 'how long a pod may sit in ImagePullBackOff, CrashLoopBackOff or Unschedulable before its step fails',
  },
  {
    flag: 'api-unreachable-after',
    kind: 'duration',
    default: '1m',
    example: '5m',
    help:
      'how long an API server that does not answer at all (connection refused) is retried through before the step' +
      ' fails saying so',
  },
  {
    flag: 'fail-if-busy',
    kind: 'boolean',
    default: false,
    help:
      "stop at once (exit 1) when another run holds this stack's lock, or a helm operation on a release may still" +
      ' be running, instead of waiting for it (at most --timeout)',
  },
  {
    flag: 'lease-duration',
    kind: 'duration',
    default: '30s',
    example: '30s',
    help:
      "how long this run's lock outlives it if it dies without releasing it (the lock is renewed every third of" +
      ' that; a run that ended on this machine is seen at once)',
    advanced: true,
  },
  {
    flag: 'use-bundled-tools',
    kind: 'boolean',
    default: false,
    help:
      'use the kubectl 1.35 and helm 4 npm install brought (Linux x64 only; unpacked once into .tools/)' +
      ' instead of those on PATH',
  },
  { flag: 'verbose', kind: 'boolean', default: false, help: 'also print every query and each retry' },
  { flag: 'quiet', kind: 'boolean', default: false, help: 'print only warnings, errors and the summary' },
  { flag: 'json', kind: 'boolean', default: false, help: 'print the report as JSON (05-verify, all)' },
  {
    flag: 'skip-data-checks',
    kind: 'boolean',
    default: false,
    help:
      "05-verify, all: skip the data-path checks, which go through the API server's service proxy (Prometheus'" +
      " targets; a log line and a span sent and read back; Grafana's datasource health; section 06's objects" +
      ' admitted in a dry run)',
  },
  {
    flag: 'yes',
    kind: 'boolean',
    default: false,
    help: 'teardown: do not ask for confirmation (needed when not on a terminal)',
  },
  {
    flag: 'purge',
    kind: 'boolean',
    default: false,
    help:
      "teardown: also delete the CRDs (Prometheus Operator's, cert-manager's, the OTel Operator's), refused while" +
      ' they hold custom resources these scripts did not create, and the monitoring namespace if these scripts' +
      ' created it and it holds nothing else',
  },
  {
    flag: 'purge-foreign-resources',
    kind: 'boolean',
    default: false,
    help:
      'teardown --purge: also delete the custom resources these scripts did not create (yours, e.g. an' +
      " Instrumentation in the app's namespace), which go with their CRDs; asked again on a terminal",
  },
  {
    flag: 'require-app',
    kind: 'boolean',
    default: false,
    help: 'fail when the app namespace (ticketing) is missing, instead of warning',
  },
  {
    flag: 'namespace',
    kind: 'string',
    default: seedNamespace,
    example: seedNamespace,
    validate: dns1123Label,
    help:
      `namespace for the monitoring stack (the URLs in values/ that name ${seedNamespace}, such as the` +
      " datasources', are set to it)",
  },
  {
    flag: 'app-namespace',
    kind: 'string',
    default: 'ticketing',
    example: 'ticketing',
    validate: dns1123Label,
    help: "the workshop app's namespace (seed §1 checks it exists; the report dry-runs section 06's objects there)",
  },
  {
    flag: 'grafana-port',
    kind: 'string',
    default: '3000',
    example: '3000',
    validate: localPort,
    help: 'npm run grafana: the port on 127.0.0.1 Grafana is forwarded to (0: any free port)',
  },
  {
    flag: 'show-password',
    kind: 'boolean',
    default: false,
    help: "npm run grafana: print Grafana's admin password (else it goes to the clipboard, never to the output)",
  },
  {
    flag: 'export-dir',
    kind: 'string',
    default: 'steps',
    example: './steps',
    help: 'npm run export: the folder the bash scripts are written to (a new folder, or one written by export before)',
  },
  {
    flag: 'flavour',
    kind: 'string',
    default: 'auto',
    example: 'kind',
    validate: oneOf(['auto', ...flavourNames]),
    help:
      'the kind of cluster, for its adaptations (values/flavours/); auto: read from the nodes before any change.' +
      ' A dry run prints the adaptations of the flavour named here',
  },
  {
    flag: 'adapt',
    kind: 'boolean',
    default: true,
    help: "add the flavour's adaptations to the values (--no-adapt or STACK_ADAPT=false: the values files as they are)",
  },
  {
    flag: 'values-dir',
    kind: 'string',
    default: path.join(projectRoot, 'values'),
    example: './my-values',
    validate: directory,
    help: 'folder holding the values files, one per release (copy values/ to change them)',
  },
  {
    flag: 'collector-image',
    kind: 'string',
    default: 'otel/opentelemetry-collector-k8s',
    example: 'otel/opentelemetry-collector-k8s',
    validate: imageRepository,
    help: 'collector image repository the operator deploys (seed §4)',
  },
  {
    flag: 'cert-manager-version',
    kind: 'string',
    default: '',
    example: certManagerPins.seed,
    validate: chartVersion,
    help:
      "cert-manager release whose manifest is applied (seed §3; default: the profile's pin, " +
      `${profileNames.map((p) => `${p}: ${certManagerPins[p]}`).join(', ')})`,
  },
  {
    flag: 'chart-mirror',
    kind: 'string',
    default: '',
    example: 'https://charts.example.com',
    validate: repositoryUrl,
    help:
      'one base for every chart repository: <base>/<repo> for HTTP mirrors,' +
      ' or an oci:// registry holding every chart (a --<repo>-repo setting still wins)',
  },
  {
    flag: 'cert-manager-manifest',
    kind: 'string',
    default: '',
    example: './cert-manager.yaml',
    validate: manifestLocation((p) => fs.existsSync(p)),
    help:
      'cert-manager manifest: a URL (mirror) or a local file' +
      ' (default: the GitHub release of --cert-manager-version)',
  },
  ...(Object.entries(repoDefaults) as [RepoName, string][]).map(
    ([repo, url]): SettingDef => ({
      flag: `${repo}-repo`,
      kind: 'string',
      default: url,
      example: url,
      validate: repositoryUrl,
      help: `chart repository "${repo}"`,
      advanced: true,
    }),
  ),
  ...knownReleaseNames.map((name): SettingDef => {
    const pins = profileNames.flatMap((p) =>
      profiles[p].filter((r) => r.name === name).map((r) => `${p}: ${r.chart} ${r.version}`),
    )
    return {
      flag: `${name}-version`,
      kind: 'string',
      default: '',
      example: profiles.seed.find((r) => r.name === name)?.version ?? '1.0.0',
      validate: chartVersion,
      help: `chart version for release "${name}" (default: the profile's pin; ${pins.join(', ')})`,
      advanced: true,
    }
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
  /** teardown --purge deletes custom resources that are not ours with their CRDs, instead of refusing */
  purgeForeignResources: boolean
  timeoutMs: number
  stuckAfterMs: number
  /** how long an API server that does not answer at all is retried through */
  apiUnreachableAfterMs: number
  /** stop instead of waiting for another run's lock or a release's helm operation in flight */
  failIfBusy: boolean
  /** how long the run's lock (a Lease) outlives a run that died holding it */
  leaseDurationMs: number
  dryRun: boolean
  json: boolean
  /** the report leaves out the data-path checks (data sent to the backends and read back) */
  skipDataChecks: boolean
  verbosity: Verbosity
  /** kubectl and helm from the package npm install brought, before those on PATH */
  useBundledTools: boolean
  repos: Record<RepoName, string>
  releases: Release[]
  certManager: { version: string; namespace: string; deployments: string[]; crdGroups: string[]; manifest: string }
  collectorImage: string
  exportDir: string
  /** npm run grafana: the local port (0: any free one), and whether the password is printed */
  grafanaPort: number
  showPassword: boolean
  /** the folder of the values files (and of values/flavours/) */
  valuesDir: string
  /** the cluster's flavour as set, or `auto`: read by the preflight, which then adds its adaptations */
  flavour: Flavour | 'auto'
  /** whether a flavour's adaptations are added at all */
  adapt: boolean
  /** the flavour whose adaptations the releases carry, and those adaptations (none before it is known) */
  flavourUsed?: Flavour
  adaptations: Adaptation[]
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
  if (config.purgeForeignResources && !config.purge)
    problems.push('--purge-foreign-resources goes with --purge: without it, teardown deletes no CRD')
  if (problems.length) throw new UsageError(problems)
  return config
}

/**
 * The stack's namespace is its own: teardown --purge deletes it, and the app's namespace, the
 * system namespaces and cert-manager's hold what is not ours.
 */
export function namespaceProblems(config: Pick<Config, 'namespace' | 'appNamespace' | 'certManager'>): string[] {
  const ns = config.namespace
  const whose =
    ns === config.appNamespace
      ? `the app's namespace (--app-namespace)`
      : ns === config.certManager.namespace
        ? `cert-manager's namespace`
        : ns === 'default' || ns.startsWith('kube-')
          ? 'a system namespace'
          : undefined
  if (!whose) return []
  return [
    `--namespace: "${ns}" is ${whose}; the stack needs a namespace of its own ` +
      '(for example --namespace=monitoring)',
  ]
}

function oneOf(choices: readonly string[]) {
  return (value: string) => (choices.includes(value) ? undefined : `"${value}" is not one of: ${choices.join(', ')}`)
}

function localPort(value: string): string | undefined {
  return /^\d{1,5}$/.test(value) && Number(value) <= 65535 ? undefined : `"${value}" is not a port (0 to 65535)`
}

function directory(value: string): string | undefined {
  return fs.existsSync(value) && fs.statSync(value).isDirectory() ? undefined : `no folder at "${value}"`
}

export function buildConfig(
  v: SettingValues,
  readValues: (file: string) => Record<string, unknown> = (f) => readValuesFile(f).values,
): Config {
  const namespace = v.namespace as string
  const repos = Object.fromEntries(
    (Object.keys(repoDefaults) as RepoName[]).map((r) => [
      r,
      repoUrl(r, v[`${r}-repo`] as string, v['chart-mirror'] as string),
    ]),
  ) as Record<RepoName, string>
  // an unknown profile is already a problem loadConfig reports; the rest is built for seed meanwhile
  const profile: ProfileName = profileNames.includes(v.profile as ProfileName) ? (v.profile as ProfileName) : 'seed'
  const releases = profiles[profile].map((spec): Release => {
    const valuesFiles = spec.valuesFiles.map((f) => path.resolve(v['values-dir'] as string, f))
    const fromFiles = mergeValues(...valuesFiles.map(readValues))
    const set: Record<string, string> = {
      ...(spec.name === 'opentelemetry-operator'
        ? { 'manager.collectorImage.repository': v['collector-image'] as string }
        : {}),
      // the files name the seed's namespace: their in-cluster URLs follow the stack to its own
      ...namespaceSet(fromFiles, seedNamespace, namespace),
    }
    return {
      ...spec,
      namespace,
      version: (v[`${spec.name}-version`] as string) || spec.version,
      repoUrl: repos[spec.repo],
      valuesFiles,
      set,
      values: setToValues(set, fromFiles),
    }
  })
  const certVersion = (v['cert-manager-version'] as string) || certManagerPins[profile]
  const config: Config = {
    profile,
    context: (v.context as string) || undefined,
    namespace,
    appNamespace: v['app-namespace'] as string,
    requireApp: v['require-app'] as boolean,
    yes: v.yes as boolean,
    purge: v.purge as boolean,
    purgeForeignResources: v['purge-foreign-resources'] as boolean,
    timeoutMs: v.timeout as number,
    stuckAfterMs: v['stuck-after'] as number,
    apiUnreachableAfterMs: v['api-unreachable-after'] as number,
    failIfBusy: v['fail-if-busy'] as boolean,
    leaseDurationMs: v['lease-duration'] as number,
    dryRun: v['dry-run'] as boolean,
    json: v.json as boolean,
    skipDataChecks: v['skip-data-checks'] as boolean,
    verbosity: v.verbose ? 'verbose' : v.quiet ? 'quiet' : 'normal',
    useBundledTools: v['use-bundled-tools'] as boolean,
    repos,
    releases,
    certManager: {
      ...certManagerDefaults,
      version: certVersion,
      manifest: (v['cert-manager-manifest'] as string) || certManagerDefaults.manifestUrl(certVersion),
    },
    collectorImage: v['collector-image'] as string,
    exportDir: v['export-dir'] as string,
    grafanaPort: Number(v['grafana-port']),
    showPassword: v['show-password'] as boolean,
    help: v.help as boolean,
    helpAll: v['help-all'] as boolean,
    valuesDir: v['values-dir'] as string,
    flavour: flavourNames.includes(v.flavour as Flavour) ? (v.flavour as Flavour) : 'auto',
    adapt: v.adapt as boolean,
    adaptations: [],
  }
  return config.flavour === 'auto' ? config : adaptConfig(config, config.flavour, readValues)
}

/**
 * The config with a flavour's overlays (values/flavours/) after each release's own values files, as
 * helm is given them: the plan, the dry run and the convergence check all see them. None with --no-adapt.
 */
export function adaptConfig(
  config: Config,
  flavour: Flavour,
  readValues: (file: string) => Record<string, unknown>,
): Config {
  if (!config.adapt) return { ...config, flavourUsed: flavour }
  const chosen = adaptationsFor(
    flavour,
    config.releases.map((r) => r.name),
  )
  const releases = config.releases.map((r) => {
    const files = chosen.filter((a) => a.release === r.name).map((a) => path.resolve(config.valuesDir, a.file))
    // the overlays only switch parts off, never a URL `set` moves: merged last, helm's order (files, then set) holds
    return files.length
      ? { ...r, valuesFiles: [...r.valuesFiles, ...files], values: mergeValues(r.values, ...files.map(readValues)) }
      : r
  })
  return { ...config, releases, flavourUsed: flavour, adaptations: chosen }
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

/** The repositories of these releases, each once, in the releases' order (OCI registries need none). */
export function repoNames(releases: Pick<Release, 'repo' | 'repoUrl'>[]): RepoName[] {
  return [...new Set(releases.filter((r) => !r.repoUrl.startsWith('oci://')).map((r) => r.repo))]
}
