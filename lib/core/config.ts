// The one place for versions, namespaces, repositories, timeouts and every other setting.
// Defaults are the seed's values; each can be overridden by environment variable and then by flag.
// `loadConfig` validates everything and reports all problems at once, before any cluster call.
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from './errors.ts'
import { say, type Text } from './text.ts'
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
  imageReference,
  imageRepository,
  kubeContextName,
  manifestLocation,
  parseSettings,
  repositoryUrl,
  type SettingDef,
  type SettingValues,
} from './settings.ts'

/** Every setting: flag, environment variable (STACK_…), default, and what a good value is. */
const certPins = profileNames.map((p) => `${p}: ${certManagerPins[p]}`).join(', ')

export const settingDefs: SettingDef[] = [
  {
    flag: 'help',
    kind: 'boolean',
    default: false,
    help: { en: 'print this help and exit', ko: '도움말을 출력하고 끝냅니다' },
  },
  {
    flag: 'help-all',
    kind: 'boolean',
    default: false,
    help: {
      en: 'print the help with every setting, including chart versions and repositories',
      ko: '차트 버전과 리포지토리까지 모든 설정의 도움말을 출력합니다',
    },
    advanced: true,
  },
  {
    flag: 'profile',
    kind: 'string',
    default: 'seed',
    example: 'current',
    validate: oneOf(profileNames),
    help: {
      en:
        "seed: the workshop page's charts as written;" +
        ' current: the same stack on charts still maintained (community Loki, Alloy, community Tempo)',
      ko:
        'seed: 워크숍 페이지에 적힌 차트 그대로,' +
        ' current: 같은 스택을 지금도 관리되는 차트로 (커뮤니티 Loki, Alloy, 커뮤니티 Tempo)',
    },
  },
  {
    flag: 'dry-run',
    kind: 'boolean',
    default: false,
    help: {
      en: 'print the steps as a standalone bash script (stdout) and change nothing; no cluster needed',
      ko: `단계를 독립 실행 bash 스크립트로 출력(stdout)하고 아무것도 바꾸지 않습니다. \
클러스터가 필요 없습니다`,
    },
  },
  {
    flag: 'context',
    kind: 'string',
    default: '',
    example: 'kind-kind',
    validate: kubeContextName,
    help: {
      en: 'kubeconfig context to use (default: the current context, always printed first)',
      ko: '사용할 kubeconfig 컨텍스트 (기본값: 현재 컨텍스트, 항상 먼저 출력합니다)',
    },
  },
  {
    flag: 'timeout',
    kind: 'duration',
    default: '10m',
    example: '15m',
    help: { en: 'how long each wait may take', ko: '대기 하나에 허용하는 시간' },
  },
  {
    flag: 'stuck-after',
    kind: 'duration',
    default: '1m',
    example: '2m',
    help: {
      en: 'how long a pod may sit in ImagePullBackOff, CrashLoopBackOff or Unschedulable before its step fails',
      ko:
        '파드가 ImagePullBackOff, CrashLoopBackOff, Unschedulable로 머물러도 되는 시간' +
        ' (지나면 그 단계가 실패합니다)',
    },
  },
  {
    flag: 'api-unreachable-after',
    kind: 'duration',
    default: '1m',
    example: '5m',
    help: {
      en:
        'how long an API server that does not answer at all (connection refused) is retried through before the step' +
        ' fails saying so',
      ko:
        '전혀 응답하지 않는(connection refused) API 서버에 재시도하는 시간' +
        ' (지나면 그렇다고 알리며 단계가 실패합니다)',
    },
  },
  {
    flag: 'fail-if-busy',
    kind: 'boolean',
    default: false,
    help: {
      en:
        "stop at once (exit 1) when another run holds this stack's lock, or a helm operation on a release may still" +
        ' be running, instead of waiting for it (at most --timeout)',
      ko:
        '다른 실행이 이 스택의 잠금을 가졌거나 릴리스에 helm 작업이 돌고 있을 수' +
        ' 있으면 기다리지(최대 --timeout) 않고 바로 멈춥니다 (exit 1)',
    },
  },
  {
    flag: 'lease-duration',
    kind: 'duration',
    default: '30s',
    example: '30s',
    help: {
      en:
        "how long this run's lock outlives it if it dies without releasing it (the lock is renewed every third of" +
        ' that; a run that ended on this machine is seen at once)',
      ko:
        '이 실행이 잠금을 풀지 못하고 죽었을 때 잠금이 남는 시간' +
        ' (그 1/3마다 갱신하며, 이 머신에서 끝난 실행은 바로 알아챕니다)',
    },
    advanced: true,
  },
  {
    flag: 'use-bundled-tools',
    kind: 'boolean',
    default: false,
    help: {
      en:
        'use the kubectl 1.35 and helm 4 npm install brought (Linux x64 only; unpacked once into .tools/)' +
        ' instead of those on PATH',
      ko:
        'PATH의 것 대신 npm install이 가져온 kubectl 1.35와 helm 4를 씁니다' +
        ' (Linux x64 전용, .tools/에 한 번 풉니다)',
    },
  },
  {
    flag: 'verbose',
    kind: 'boolean',
    default: false,
    help: { en: 'also print every query and each retry', ko: '모든 조회와 재시도도 출력합니다' },
  },
  {
    flag: 'quiet',
    kind: 'boolean',
    default: false,
    help: { en: 'print only warnings, errors and the summary', ko: '경고, 오류, 요약만 출력합니다' },
  },
  {
    flag: 'json',
    kind: 'boolean',
    default: false,
    help: {
      en: 'print the report as JSON (05-verify, all)',
      ko: '리포트를 JSON으로 출력합니다 (05-verify, all)',
    },
  },
  {
    flag: 'skip-data-checks',
    kind: 'boolean',
    default: false,
    help: {
      en:
        "05-verify, all: skip the data-path checks, which go through the API server's service proxy (Prometheus'" +
        " targets; a log line and a span sent and read back; Grafana's datasource health; section 06's objects" +
        ' admitted in a dry run)',
      ko:
        '05-verify, all: API 서버의 서비스 프록시를 거치는 데이터 경로 점검을 건너뜁니다' +
        ' (Prometheus 타깃, 로그 한 줄과 스팬 하나 보내고 읽기, Grafana 데이터소스 상태,' +
        ' 06장 오브젝트의 드라이 런)',
    },
  },
  {
    flag: 'check-inotify',
    kind: 'boolean',
    default: false,
    help: {
      en:
        "status: read each node's inotify limits (what promtail and Alloy run out of) with a short-lived pod per" +
        ' node in the stack namespace, deleted once read',
      ko:
        'status: 스택 네임스페이스에 노드마다 잠깐 도는 파드를 띄워' +
        ' 각 노드의 inotify 한도(promtail과 Alloy가' +
        ' 바닥내는 것)를 읽고, 읽은 뒤 지웁니다',
    },
  },
  {
    flag: 'probe-image',
    kind: 'string',
    default: 'quay.io/prometheus/busybox:latest',
    example: 'registry.example.com/busybox:1.37',
    validate: imageReference,
    help: {
      en: 'the image of the --check-inotify pods: any with cat (a mirror where quay.io is out of reach)',
      ko: '--check-inotify 파드의 이미지: cat이 있으면 됩니다 (quay.io에 닿지 않으면 미러)',
    },
    advanced: true,
  },
  {
    flag: 'yes',
    kind: 'boolean',
    default: false,
    help: {
      en: 'teardown: do not ask for confirmation (needed when not on a terminal)',
      ko: 'teardown: 확인을 묻지 않습니다 (터미널이 아닐 때 필요)',
    },
  },
  {
    flag: 'purge',
    kind: 'boolean',
    default: false,
    help: {
      en:
        "teardown: also delete the CRDs (Prometheus Operator's, cert-manager's, the OTel Operator's), refused while" +
        ' they hold custom resources these scripts did not create, and the monitoring namespace if these scripts' +
        ' created it and it holds nothing else',
      ko:
        'teardown: CRD(Prometheus Operator, cert-manager, OTel Operator의 것)도 지웁니다.' +
        ' 이 스크립트가 만들지 않은 커스텀 리소스가 남아 있으면 거부합니다.' +
        ' monitoring 네임스페이스도' +
        ' 이 스크립트가 만들었고 다른 것이 없으면 지웁니다',
    },
  },
  {
    flag: 'purge-foreign-resources',
    kind: 'boolean',
    default: false,
    help: {
      en:
        'teardown --purge: also delete the custom resources these scripts did not create (yours, e.g. an' +
        " Instrumentation in the app's namespace), which go with their CRDs; asked again on a terminal",
      ko:
        'teardown --purge: 이 스크립트가 만들지 않은 커스텀 리소스' +
        ` (예: 앱 네임스페이스의 Instrumentation)도 CRD와 함께 지웁니다. 터미널에서는 다시 \
묻습니다`,
    },
  },
  {
    flag: 'require-app',
    kind: 'boolean',
    default: false,
    help: {
      en: 'fail when the app namespace (ticketing) is missing, instead of warning',
      ko: '앱 네임스페이스(ticketing)가 없으면 경고 대신 실패합니다',
    },
  },
  {
    flag: 'namespace',
    kind: 'string',
    default: seedNamespace,
    example: seedNamespace,
    validate: dns1123Label,
    help: {
      en:
        `namespace for the monitoring stack (the URLs in values/ that name ${seedNamespace}, such as the` +
        " datasources', are set to it)",
      ko:
        `모니터링 스택의 네임스페이스 (values/에서 ${seedNamespace}를 가리키는 URL,` +
        ' 예컨대 데이터소스의 URL도 이 값으로 바뀝니다)',
    },
  },
  {
    flag: 'app-namespace',
    kind: 'string',
    default: 'ticketing',
    example: 'ticketing',
    validate: dns1123Label,
    help: {
      en: "the workshop app's namespace (seed §1 checks it exists; the report dry-runs section 06's objects there)",
      ko: `워크숍 앱의 네임스페이스 (seed §1이 있는지 확인하고, 리포트가 06장 \
오브젝트를 이곳에 드라이 런합니다)`,
    },
  },
  {
    flag: 'grafana-port',
    kind: 'string',
    default: '3000',
    example: '3000',
    validate: localPort,
    help: {
      en: 'npm run grafana: the port on 127.0.0.1 Grafana is forwarded to (0: any free port)',
      ko: 'npm run grafana: Grafana를 포워딩할 127.0.0.1의 포트 (0: 아무 빈 포트)',
    },
  },
  {
    flag: 'show-password',
    kind: 'boolean',
    default: false,
    help: {
      en: "npm run grafana: print Grafana's admin password (else it goes to the clipboard, never to the output)",
      ko: `npm run grafana: Grafana 관리자 비밀번호를 출력합니다 (아니면 클립보드로 갈 뿐 \
출력에는 나오지 않습니다)`,
    },
  },
  {
    flag: 'export-dir',
    kind: 'string',
    default: 'steps',
    example: './steps',
    help: {
      en: 'npm run export: the folder the bash scripts are written to (a new folder, or one written by export before)',
      ko: 'npm run export: bash 스크립트를 쓸 폴더 (새 폴더, 또는 전에 export가 쓴 폴더)',
    },
  },
  {
    flag: 'flavour',
    kind: 'string',
    default: 'auto',
    example: 'kind',
    validate: oneOf(['auto', ...flavourNames]),
    help: {
      en:
        'the kind of cluster, for its adaptations (values/flavours/); auto: read from the nodes before any change.' +
        ' A dry run prints the adaptations of the flavour named here',
      ko:
        '클러스터 종류, 그에 맞는 조정(values/flavours/)을 위해.' +
        ' auto: 바꾸기 전에 노드에서 읽습니다.' +
        ' 드라이 런은 여기 지정한 종류의 조정을 출력합니다',
    },
  },
  {
    flag: 'adapt',
    kind: 'boolean',
    default: true,
    help: {
      en: "add the flavour's adaptations to the values (--no-adapt or STACK_ADAPT=false: the values files as they are)",
      ko: `클러스터 종류에 맞는 조정을 values에 더합니다 (--no-adapt 또는 STACK_ADAPT=false: \
values 파일 그대로)`,
    },
  },
  {
    flag: 'values-dir',
    kind: 'string',
    default: path.join(projectRoot, 'values'),
    example: './my-values',
    validate: directory,
    help: {
      en: 'folder holding the values files, one per release (copy values/ to change them)',
      ko: '릴리스마다 values 파일을 하나씩 두는 폴더 (바꾸려면 values/를 복사하세요)',
    },
  },
  {
    flag: 'collector-image',
    kind: 'string',
    default: 'otel/opentelemetry-collector-k8s',
    example: 'otel/opentelemetry-collector-k8s',
    validate: imageRepository,
    help: {
      en: 'collector image repository the operator deploys (seed §4)',
      ko: '오퍼레이터가 배포하는 collector 이미지 리포지토리 (seed §4)',
    },
  },
  {
    flag: 'cert-manager-version',
    kind: 'string',
    default: '',
    example: certManagerPins.seed,
    validate: chartVersion,
    help: {
      en: `cert-manager release whose manifest is applied (seed §3; default: the profile's pin, ${certPins})`,
      ko: `매니페스트를 적용할 cert-manager 릴리스 (seed §3, 기본값: 프로필의 고정 버전, \
${certPins})`,
    },
  },
  {
    flag: 'chart-mirror',
    kind: 'string',
    default: '',
    example: 'https://charts.example.com',
    validate: repositoryUrl,
    help: {
      en:
        'one base for every chart repository: <base>/<repo> for HTTP mirrors,' +
        ' or an oci:// registry holding every chart (a --<repo>-repo setting still wins)',
      ko:
        '모든 차트 리포지토리의 공통 베이스: HTTP 미러는 <base>/<repo>,' +
        ' 또는 모든 차트가 있는 oci:// 레지스트리 (--<repo>-repo 설정이 우선합니다)',
    },
  },
  {
    flag: 'cert-manager-manifest',
    kind: 'string',
    default: '',
    example: './cert-manager.yaml',
    validate: manifestLocation((p) => fs.existsSync(p)),
    help: {
      en:
        'cert-manager manifest: a URL (mirror) or a local file' +
        ' (default: the GitHub release of --cert-manager-version)',
      ko: `cert-manager 매니페스트: URL(미러) 또는 로컬 파일 (기본값: --cert-manager-version의 \
GitHub 릴리스)`,
    },
  },
  ...(Object.entries(repoDefaults) as [RepoName, string][]).map(
    ([repo, url]): SettingDef => ({
      flag: `${repo}-repo`,
      kind: 'string',
      default: url,
      example: url,
      validate: repositoryUrl,
      help: { en: `chart repository "${repo}"`, ko: `차트 리포지토리 "${repo}"` },
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
      help: {
        en: `chart version for release "${name}" (default: the profile's pin; ${pins.join(', ')})`,
        ko: `릴리스 "${name}"의 차트 버전 (기본값: 프로필의 고정 버전, ${pins.join(', ')})`,
      },
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
  /** status reads each node's inotify limits with a pod per node (probeImage) */
  checkInotify: boolean
  probeImage: string
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
  return configFrom(readSettings(argv, env))
}

/** The settings from env and argv (flags win), checked: no values file is read yet. */
export interface Settings {
  values: SettingValues
  problems: string[]
  /**
   * the config as the settings alone make it: what the preflight starts with (the context, the
   * tools, the deadlines). Its releases carry no values yet: configFrom's do.
   */
  config: Config
}

export function readSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const { values, problems } = parseSettings(settingDefs, argv, env)
  const config = buildConfig(values, () => ({}))
  return { values, config, problems: [...problems, ...namespaceProblems(config), ...purgeProblems(config)] }
}

/** The config, its values files read: throws one UsageError listing every problem, the settings' and the files'. */
export function configFrom(settings: Settings): Config {
  const problems = [...settings.problems]
  const config = buildConfig(settings.values, (file) => {
    if (!fs.existsSync(path.dirname(file))) return {} // the folder itself is reported already
    const { values, problem } = readValuesFile(file)
    if (problem) problems.push(problem)
    return values
  })
  if (problems.length) throw new UsageError(problems)
  return config
}

function purgeProblems(config: Pick<Config, 'purge' | 'purgeForeignResources'>): string[] {
  if (!config.purgeForeignResources || config.purge) return []
  return [
    say({
      en: '--purge-foreign-resources goes with --purge: without it, teardown deletes no CRD',
      ko: `--purge-foreign-resources는 --purge와 함께 씁니다: 없으면 teardown은 CRD를 지우지 \
않습니다`,
    }),
  ]
}

/**
 * The stack's namespace is its own: teardown --purge deletes it, and the app's namespace, the
 * system namespaces and cert-manager's hold what is not ours.
 */
export function namespaceProblems(config: Pick<Config, 'namespace' | 'appNamespace' | 'certManager'>): string[] {
  const ns = config.namespace
  const whose: Text | undefined =
    ns === config.appNamespace
      ? { en: `the app's namespace (--app-namespace)`, ko: '앱의 네임스페이스(--app-namespace)' }
      : ns === config.certManager.namespace
        ? { en: `cert-manager's namespace`, ko: 'cert-manager의 네임스페이스' }
        : ns === 'default' || ns.startsWith('kube-')
          ? { en: 'a system namespace', ko: '시스템 네임스페이스' }
          : undefined
  if (!whose) return []
  return [
    say({
      en: `--namespace: "${ns}" is ${whose.en}; the stack needs a namespace of its own (for example \
--namespace=monitoring)`,
      ko: `--namespace: "${ns}"는 ${whose.ko}입니다. 스택에는 전용 네임스페이스가 필요합니다 \
(예: --namespace=monitoring)`,
    }),
  ]
}

function oneOf(choices: readonly string[]) {
  return (value: string) =>
    choices.includes(value)
      ? undefined
      : say({
          en: `"${value}" is not one of: ${choices.join(', ')}`,
          ko: `"${value}"는 다음 중 하나가 아닙니다: ${choices.join(', ')}`,
        })
}

function localPort(value: string): string | undefined {
  return /^\d{1,5}$/.test(value) && Number(value) <= 65535
    ? undefined
    : say({ en: `"${value}" is not a port (0 to 65535)`, ko: `"${value}"는 포트(0~65535)가 아닙니다` })
}

function directory(value: string): string | undefined {
  return fs.existsSync(value) && fs.statSync(value).isDirectory()
    ? undefined
    : say({ en: `no folder at "${value}"`, ko: `"${value}"에 폴더가 없습니다` })
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
    checkInotify: v['check-inotify'] as boolean,
    probeImage: v['probe-image'] as string,
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
