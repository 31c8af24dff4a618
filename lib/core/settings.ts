// Settings machinery: a typed table of flags with their environment variables, parsed from
// argv and env (flags win), validated all at once, and rendered as --help. It knows nothing of
// our releases: the table itself lives in config.ts.
import { minimist } from 'zx'

export type SettingKind = 'string' | 'boolean' | 'duration'

export interface SettingDef {
  /** the flag without dashes, e.g. `cert-manager-manifest`; env is STACK_CERT_MANAGER_MANIFEST */
  flag: string
  kind: SettingKind
  default: string | boolean
  help: string
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
      if (!arg.startsWith('-')) problems.push(`unexpected argument "${arg}": this script takes only flags (see --help)`)
      else if (!known.has(flagName(arg) ?? '') && !/^--(no-)?color$/.test(arg)) {
        problems.push(`unknown flag ${arg.split('=')[0]}: see --help for the flags this script takes`)
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
      const example = def.example ? ` (for example ${assignment}${def.example})` : ''
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
    return { value: false, problem: `"${raw}" is not a yes/no value; use true or false` }
  }
  if (Array.isArray(raw)) return { value: String(raw.at(-1)), problem: 'given more than once; give it once' }
  const s = raw === undefined ? '' : String(raw)
  if (def.kind === 'duration') {
    const ms = parseDuration(s)
    return ms === undefined ? { value: 0, problem: `"${s}" is not a duration like 90s, 5m or 1h30m` } : { value: ms }
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
      const dflt = d.kind === 'boolean' ? '' : d.default === '' ? '' : ` [default: ${d.default}]`
      return `  ${flag}\n      ${d.help}${dflt}\n      env: ${envName(d.flag)}`
    })
  // --help-all itself is advanced: it is worth naming only when it would show more
  const hidden = defs.filter((d) => d.advanced && d.flag !== 'help-all').length
  return [
    `Usage: npx zx ${script} [flags]`,
    '',
    summary,
    '',
    'Flags (each also read from the environment variable shown; a flag wins over the environment):',
    ...rows,
    ...(all || !hidden ? [] : ['', `  … and ${hidden} more (chart versions, repository URLs): --help-all`]),
    '',
  ].join('\n')
}

// Validators: each returns what is wrong, in words that say what a good value looks like.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export function dns1123Label(value: string): string | undefined {
  if (value.length > 63) return `"${value}" is longer than 63 characters`
  if (!DNS1123_LABEL.test(value))
    return (
      `"${value}" is not a valid name:` +
      " lower-case letters, digits and '-', starting and ending with a letter or digit"
    )
  return undefined
}

export function kubeContextName(value: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(value)
    ? undefined
    : `"${value}" is not a context name: letters, digits and . _ : @ / + - only`
}

export function chartVersion(value: string): string | undefined {
  return /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(value)
    ? undefined
    : `"${value}" is not a version like 1.2.3`
}

export function repositoryUrl(value: string): string | undefined {
  const url = safeUrl(value)
  return url && ['http:', 'https:', 'oci:'].includes(url.protocol) && !/\s/.test(value)
    ? undefined
    : `"${value}" is not a chart repository URL (http://, https:// or oci://)`
}

/** A manifest location is an http(s) URL or a path to an existing file. */
export function manifestLocation(exists: (p: string) => boolean) {
  return (value: string): string | undefined => {
    if (/^https?:\/\//.test(value))
      return safeUrl(value) && !/\s/.test(value) ? undefined : `"${value}" is not a valid URL`
    if (/[\n\r;`$]/.test(value)) return `"${value}" has characters a file path here may not have`
    return exists(value) ? undefined : `no file at "${value}": give a path to the manifest or an https:// URL`
  }
}

export function imageRepository(value: string): string | undefined {
  return /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(value)
    ? undefined
    : `"${value}" is not an image repository like otel/opentelemetry-collector-k8s`
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}
