// Settings machinery: a typed table of flags with their environment variables, parsed from
// argv and env (flags win), validated all at once, and rendered as --help. It knows nothing of
// our releases: the table itself lives in config.ts.
import { minimist } from './zx.ts'
import { say, type Text } from './text.ts'

export type SettingKind = 'string' | 'boolean' | 'duration'

export interface SettingDef {
  /** the flag without dashes, e.g. `cert-manager-manifest`; env is STACK_CERT_MANAGER_MANIFEST */
  flag: string
  kind: SettingKind
  default: string | boolean
  help: Text
  /** a good value, shown in errors and --help */
  example?: string
  /** returns a problem (what is wrong) or undefined */
  validate?: (value: string) => string | undefined
  /** listed under --help only with --help --all (generated per-release settings) */
  advanced?: boolean
}

export type SettingValue = string | boolean | number
export type SettingValues = Record<string, SettingValue>

export const envName = (flag: string) => `STACK_${flag.toUpperCase().replace(/-/g, '_')}`

/**
 * Parses argv and env against the table. Returns every value (validated and typed: durations in
 * milliseconds) and the list of every problem found, each naming the setting and a good value.
 */
export function parseSettings(defs: SettingDef[], rawArgv: string[], env: NodeJS.ProcessEnv) {
  const problems: string[] = []
  const argv = rawArgv.map((a) => (a === '-h' ? '--help' : a))
  const known = new Set(defs.map((d) => d.flag))
  const booleans = defs.filter((d) => d.kind === 'boolean').map((d) => d.flag)
  const flags = minimist(argv, {
    boolean: [...booleans, 'color'],
    string: defs.filter((d) => d.kind !== 'boolean').map((d) => d.flag),
    unknown: (arg: string) => {
      if (!arg.startsWith('-'))
        problems.push(
          say({
            en: `unexpected argument "${arg}": this script takes only flags (see --help)`,
            ko: `예상하지 못한 인자 "${arg}": 이 스크립트는 플래그만 받습니다 (--help 참고)`,
          }),
        )
      else if (!known.has(flagName(arg) ?? '') && !/^--(no-)?color$/.test(arg)) {
        const flag = arg.split('=')[0]
        problems.push(
          say({
            en: `unknown flag ${flag}: see --help for the flags this script takes`,
            ko: `알 수 없는 플래그 ${flag}: 이 스크립트가 받는 플래그는 --help로 보세요`,
          }),
        )
      }
      return false
    },
  })
  const values: SettingValues = {}
  for (const def of defs) {
    const fromFlag = flags[def.flag]
    const fromEnv = env[envName(def.flag)]
    const source = argv.some((a) => flagName(a) === def.flag)
      ? `--${def.flag}`
      : fromEnv !== undefined && fromEnv !== ''
        ? envName(def.flag)
        : undefined
    const raw = source?.startsWith('--') ? fromFlag : source ? fromEnv : def.default
    const { value, problem } = typed(def, raw)
    if (problem) {
      const assignment = source?.startsWith('--') || !source ? `--${def.flag}=` : `${envName(def.flag)}=`
      const example = def.example
        ? say({ en: ` (for example ${assignment}${def.example})`, ko: ` (예: ${assignment}${def.example})` })
        : ''
      problems.push(`${source ?? `--${def.flag}`}: ${problem}${example}`)
    }
    values[def.flag] = value
  }
  return { values, problems }
}

/** `--no-color=x` → `color`; a value (not starting with `-`) names no flag. */
function flagName(arg: string): string | undefined {
  if (!arg.startsWith('-')) return undefined
  return arg.replace(/^--?/, '').replace(/^no-/, '').split('=')[0]
}

function typed(def: SettingDef, raw: unknown): { value: SettingValue; problem?: string } {
  if (def.kind === 'boolean') {
    if (typeof raw === 'boolean') return { value: raw }
    const s = String(raw).toLowerCase()
    if (['1', 'true', 'yes'].includes(s)) return { value: true }
    if (['0', 'false', 'no', ''].includes(s)) return { value: false }
    return {
      value: false,
      problem: say({
        en: `"${raw}" is not a yes/no value; use true or false`,
        ko: `"${raw}"는 예/아니오 값이 아닙니다. true나 false를 쓰세요`,
      }),
    }
  }
  if (Array.isArray(raw))
    return {
      value: String(raw.at(-1)),
      problem: say({
        en: 'given more than once; give it once',
        ko: '여러 번 주어졌습니다. 한 번만 주세요',
      }),
    }
  const s = raw === undefined ? '' : String(raw)
  if (def.kind === 'duration') {
    const ms = parseDuration(s)
    const problem = say({
      en: `"${s}" is not a duration like 90s, 5m or 1h30m`,
      ko: `"${s}"는 90s, 5m, 1h30m 같은 시간 길이가 아닙니다`,
    })
    return ms === undefined ? { value: 0, problem } : { value: ms }
  }
  const problem = s === '' && def.default === '' ? undefined : def.validate?.(s)
  return { value: s, problem }
}

/** `1h30m`, `5m`, `90s`, `500ms` → milliseconds; anything else (or zero) → undefined. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim())
  if (!match || !text.trim()) return undefined
  const [, h = 0, m = 0, s = 0, ms = 0] = match.map((x) => (x === undefined ? 0 : Number(x))) as number[]
  const total = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(ms)
  return total > 0 ? total : undefined
}

/** 300000 → `5m`, 90000 → `1m30s`: the form helm's and kubectl's --timeout accept. */
export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000)
  const parts = [
    [Math.floor(s / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ] as const
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join('') || '0s'
  )
}

/** The --help text: usage line, then one row per setting with its env variable and default. */
export function renderHelp(script: string, summary: string, defs: SettingDef[], all = false): string {
  const rows = defs
    .filter((d) => all || !d.advanced)
    .map((d) => {
      const flag = d.kind === 'boolean' ? `--${d.flag}` : `--${d.flag}=${d.example ?? 'VALUE'}`
      const dflt =
        d.kind === 'boolean' || d.default === ''
          ? ''
          : say({ en: ` [default: ${d.default}]`, ko: ` [기본값: ${d.default}]` })
      return `  ${flag}\n      ${say(d.help)}${dflt}\n      env: ${envName(d.flag)}`
    })
  // --help-all itself is advanced: it is worth naming only when it would show more
  const hidden = defs.filter((d) => d.advanced && d.flag !== 'help-all').length
  return [
    say({ en: `Usage: npx zx ${script} [flags]`, ko: `사용법: npx zx ${script} [플래그]` }),
    '',
    summary,
    '',
    say({
      en: 'Flags (each also read from the environment variable shown; a flag wins over the environment):',
      ko: '플래그 (각각 아래 환경 변수로도 줄 수 있고, 둘 다 있으면 플래그가 이깁니다):',
    }),
    ...rows,
    ...(all || !hidden
      ? []
      : [
          '',
          say({
            en: `  … and ${hidden} more (chart versions, repository URLs): --help-all`,
            ko: `  … 그 밖에 ${hidden}개 (차트 버전, 리포지토리 URL): --help-all`,
          }),
        ]),
    '',
  ].join('\n')
}

// Validators: each returns what is wrong, in words that say what a good value looks like.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export function dns1123Label(value: string): string | undefined {
  if (value.length > 63)
    return say({ en: `"${value}" is longer than 63 characters`, ko: `"${value}"는 63자보다 깁니다` })
  if (!DNS1123_LABEL.test(value))
    return say({
      en: `"${value}" is not a valid name: lower-case letters, digits and '-', starting and ending with a letter or \
digit`,
      ko: `"${value}"는 올바른 이름이 아닙니다: 소문자, 숫자, '-'만 쓰고 문자나 숫자로 \
시작하고 끝나야 합니다`,
    })
  return undefined
}

export function kubeContextName(value: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(value)
    ? undefined
    : say({
        en: `"${value}" is not a context name: letters, digits and . _ : @ / + - only`,
        ko: `"${value}"는 컨텍스트 이름이 아닙니다: 문자, 숫자, . _ : @ / + -만 씁니다`,
      })
}

export function chartVersion(value: string): string | undefined {
  return /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(value)
    ? undefined
    : say({ en: `"${value}" is not a version like 1.2.3`, ko: `"${value}"는 1.2.3 같은 버전이 아닙니다` })
}

export function repositoryUrl(value: string): string | undefined {
  const url = safeUrl(value)
  return url && ['http:', 'https:', 'oci:'].includes(url.protocol) && !/\s/.test(value)
    ? undefined
    : say({
        en: `"${value}" is not a chart repository URL (http://, https:// or oci://)`,
        ko: `"${value}"는 차트 리포지토리 URL(http://, https://, oci://)이 아닙니다`,
      })
}

/** A manifest location is an http(s) URL or a path to an existing file. */
export function manifestLocation(exists: (p: string) => boolean) {
  return (value: string): string | undefined => {
    if (/^https?:\/\//.test(value))
      return safeUrl(value) && !/\s/.test(value)
        ? undefined
        : say({ en: `"${value}" is not a valid URL`, ko: `"${value}"는 올바른 URL이 아닙니다` })
    if (/[\n\r;`$]/.test(value))
      return say({
        en: `"${value}" has characters a file path here may not have`,
        ko: `"${value}"에 여기 파일 경로로 쓸 수 없는 문자가 있습니다`,
      })
    return exists(value)
      ? undefined
      : say({
          en: `no file at "${value}": give a path to the manifest or an https:// URL`,
          ko: `"${value}"에 파일이 없습니다: 매니페스트 경로나 https:// URL을 주세요`,
        })
  }
}

export function imageRepository(value: string): string | undefined {
  return /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(value)
    ? undefined
    : say({
        en: `"${value}" is not an image repository like otel/opentelemetry-collector-k8s`,
        ko: `"${value}"는 otel/opentelemetry-collector-k8s 같은 이미지 리포지토리가 아닙니다`,
      })
}

/** An image with its tag or digest, e.g. quay.io/prometheus/busybox:latest. */
export function imageReference(value: string): string | undefined {
  const [, repository = value, tag] = /^(.*?)(?::([\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})?$/.exec(value) ?? []
  return (tag !== undefined || value.includes('@')) && !imageRepository(repository)
    ? undefined
    : say({
        en: `"${value}" is not an image with a tag, like quay.io/prometheus/busybox:latest`,
        ko: `"${value}"는 quay.io/prometheus/busybox:latest 같은 태그 있는 이미지가 아닙니다`,
      })
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}
