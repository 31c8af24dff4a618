import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { settingDefs } from '../../lib/core/config.ts'
import {
  chartVersion,
  dns1123Label,
  envName,
  formatDuration,
  imageRepository,
  kubeContextName,
  manifestLocation,
  parseDuration,
  parseSettings,
  renderHelp,
  repositoryUrl,
  type SettingDef,
} from '../../lib/core/settings.ts'

/** A small table like config.ts's: one of each kind, one advanced. */
const defs: SettingDef[] = [
  {
    flag: 'dry-run',
    kind: 'boolean',
    default: false,
    help: { en: 'print the commands, change nothing', ko: '명령만 출력하고 아무것도 바꾸지 않음' },
  },
  {
    flag: 'timeout',
    kind: 'duration',
    default: '10m',
    example: '15m',
    help: { en: 'how long each wait may take', ko: '대기 하나에 허용하는 시간' },
  },
  {
    flag: 'namespace',
    kind: 'string',
    default: 'monitoring',
    example: 'monitoring',
    validate: dns1123Label,
    help: { en: 'namespace for the stack', ko: '스택의 네임스페이스' },
  },
  {
    flag: 'context',
    kind: 'string',
    default: '',
    example: 'kind-kind',
    validate: kubeContextName,
    help: { en: 'kubeconfig context', ko: 'kubeconfig 컨텍스트' },
  },
  {
    flag: 'tempo-version',
    kind: 'string',
    default: '1.24.4',
    example: '1.24.4',
    validate: chartVersion,
    help: { en: 'tempo chart version', ko: 'tempo 차트 버전' },
    advanced: true,
  },
]

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseSettings(defs, argv, env)

// parseDuration

const parseDurationTest = suite('parseDuration')

parseDurationTest('works', () => {
  assert.is(parseDuration('5m'), 5 * 60_000)
})

for (const [name, text, ms] of [
  ['seconds', '90s', 90_000],
  ['minutes', '5m', 300_000],
  ['hours and minutes', '1h30m', 5_400_000],
  ['milliseconds (not minutes)', '500ms', 500],
  ['every unit', '1h2m3s4ms', 3_723_004],
  ['surrounding spaces', ' 2m ', 120_000],
  ['zero is no duration', '0', undefined],
  ['zero with a unit is no duration', '0s', undefined],
  ['empty', '', undefined],
  ['a number without a unit', '5', undefined],
  ['an unknown unit', '5x', undefined],
  ['a trailing number without a unit', '1m30', undefined],
  ['units out of order', '30s1m', undefined],
  ['negative', '-5m', undefined],
] as const) {
  parseDurationTest(`${name}: ${JSON.stringify(text)} → ${ms}`, () => {
    assert.is(parseDuration(text), ms)
  })
}

parseDurationTest.run()

// formatDuration

const formatDurationTest = suite('formatDuration')

formatDurationTest('works', () => {
  assert.is(formatDuration(300_000), '5m')
})

for (const [name, ms, text] of [
  ['minutes and seconds', 90_000, '1m30s'],
  ['hours and minutes', 5_400_000, '1h30m'],
  ['a whole hour', 3_600_000, '1h'],
  ['seconds', 45_000, '45s'],
  ['part of a second rounds up (a timeout is never shortened)', 500, '1s'],
  ['zero', 0, '0s'],
] as const) {
  formatDurationTest(`${name}: ${ms} → ${text}`, () => {
    assert.is(formatDuration(ms), text)
  })
}

formatDurationTest('what it prints, parseDuration reads back', () => {
  for (const ms of [1000, 90_000, 300_000, 5_400_000, 3_723_000])
    assert.is(parseDuration(formatDuration(ms)), ms, `${ms}`)
})

formatDurationTest.run()

// envName

const envNameTest = suite('envName')

envNameTest('works', () => {
  assert.is(envName('cert-manager-manifest'), 'STACK_CERT_MANAGER_MANIFEST')
})

envNameTest('a one-word flag', () => {
  assert.is(envName('timeout'), 'STACK_TIMEOUT')
})

envNameTest.run()

// parseSettings

const parseSettingsTest = suite('parseSettings')

parseSettingsTest('works: defaults, typed', () => {
  const { values, problems } = parse([])
  assert.equal(problems, [])
  assert.equal(values, {
    'dry-run': false,
    timeout: 600_000,
    namespace: 'monitoring',
    context: '',
    'tempo-version': '1.24.4',
  })
})

parseSettingsTest('reads STACK_* environment variables', () => {
  const { values, problems } = parse([], {
    STACK_NAMESPACE: 'observability',
    STACK_TIMEOUT: '90s',
    STACK_DRY_RUN: 'true',
    STACK_TEMPO_VERSION: '1.25.0',
  })
  assert.equal(problems, [])
  assert.is(values.namespace, 'observability')
  assert.is(values.timeout, 90_000)
  assert.is(values['dry-run'], true)
  assert.is(values['tempo-version'], '1.25.0')
})

parseSettingsTest('an empty environment variable means unset: the default applies', () => {
  const { values, problems } = parse([], { STACK_NAMESPACE: '' })
  assert.equal(problems, [])
  assert.is(values.namespace, 'monitoring')
})

parseSettingsTest('a flag wins over the environment', () => {
  const { values, problems } = parse(['--namespace=from-flag', '--timeout', '2m'], {
    STACK_NAMESPACE: 'from-env',
    STACK_TIMEOUT: '5m',
  })
  assert.equal(problems, [])
  assert.is(values.namespace, 'from-flag')
  assert.is(values.timeout, 120_000)
})

parseSettingsTest('--no-<flag> wins over a true environment variable', () => {
  const { values } = parse(['--no-dry-run'], { STACK_DRY_RUN: 'true' })
  assert.is(values['dry-run'], false)
})

parseSettingsTest('an unknown flag is a problem naming it', () => {
  const { problems } = parse(['--namespce=monitoring'])
  assert.equal(problems, ['unknown flag --namespce: see --help for the flags this script takes'])
})

parseSettingsTest('an unknown short flag is a problem naming it', () => {
  const { problems } = parse(['-n', 'monitoring'])
  assert.equal(problems, ['unknown flag -n: see --help for the flags this script takes'])
})

parseSettingsTest('a positional argument is a problem', () => {
  const { problems } = parse(['monitoring'])
  assert.equal(problems, ['unexpected argument "monitoring": this script takes only flags (see --help)'])
})

parseSettingsTest('--color and --no-color are accepted (chalk reads them)', () => {
  assert.equal(parse(['--color']).problems, [])
  assert.equal(parse(['--no-color']).problems, [])
})

parseSettingsTest('every problem is reported together, each naming the flag or variable and an example', () => {
  const { problems } = parse(['extra', '--namespace=Bad_NS', '--bogus', '--context=a;b'], {
    STACK_TIMEOUT: '5x',
    STACK_DRY_RUN: 'maybe',
  })
  assert.is(problems.length, 6, problems.join('\n'))
  const about = (needle: string) => problems.find((p) => p.includes(needle)) ?? ''
  assert.match(about('--namespace:'), /"Bad_NS" is not a valid name.*\(for example --namespace=monitoring\)$/)
  assert.match(
    about('STACK_TIMEOUT:'),
    /"5x" is not a duration like 90s, 5m or 1h30m \(for example STACK_TIMEOUT=15m\)$/,
  )
  assert.match(about('STACK_DRY_RUN:'), /"maybe" is not a yes\/no value; use true or false/)
  assert.match(about('--context:'), /"a;b" is not a context name.*\(for example --context=kind-kind\)$/)
  assert.ok(about('unknown flag --bogus'))
  assert.ok(about('unexpected argument "extra"'))
})

for (const [name, raw, value] of [
  ['true', 'true', true],
  ['TRUE, in capitals', 'TRUE', true],
  ['1', '1', true],
  ['yes', 'yes', true],
  ['no', 'no', false],
  ['false', 'false', false],
  ['0', '0', false],
] as const) {
  parseSettingsTest(`a boolean from the environment: ${name} → ${value}`, () => {
    const { values, problems } = parse([], { STACK_DRY_RUN: raw })
    assert.equal(problems, [])
    assert.is(values['dry-run'], value)
  })
}

parseSettingsTest('a boolean from the environment: garbage is a problem, and the value is false', () => {
  const { values, problems } = parse([], { STACK_DRY_RUN: 'sure' })
  assert.equal(problems, ['STACK_DRY_RUN: "sure" is not a yes/no value; use true or false'])
  assert.is(values['dry-run'], false)
})

parseSettingsTest('a string flag given twice is a problem (which one was meant?)', () => {
  const { problems } = parse(['--namespace=a', '--namespace=b'])
  assert.equal(problems, ['--namespace: given more than once; give it once (for example --namespace=monitoring)'])
})

parseSettingsTest('a duration flag given twice is a problem', () => {
  const { problems } = parse(['--timeout=1m', '--timeout', '2m'])
  assert.is(problems.length, 1)
  assert.match(problems[0], /^--timeout: /)
})

parseSettingsTest('a bad duration from a flag shows the flag form of the example', () => {
  const { values, problems } = parse(['--timeout=soon'])
  assert.equal(problems, ['--timeout: "soon" is not a duration like 90s, 5m or 1h30m (for example --timeout=15m)'])
  assert.is(values.timeout, 0)
})

parseSettingsTest('an optional string (default empty) given empty is not validated', () => {
  const { values, problems } = parse(['--context='])
  assert.equal(problems, [])
  assert.is(values.context, '')
})

parseSettingsTest('a required string given empty is validated', () => {
  const { problems } = parse(['--namespace='])
  assert.is(problems.length, 1)
  assert.match(problems[0], /^--namespace: "" is not a valid name/)
})

parseSettingsTest("a flag value that happens to be another flag's name belongs to its own flag only", () => {
  // `--context namespace`: a kube context may well be called like one of our flags
  const { values, problems } = parse(['--context', 'namespace'])
  assert.is(values.context, 'namespace')
  assert.is(values.namespace, 'monitoring')
  assert.equal(problems, [])
})

parseSettingsTest.run()

// renderHelp

const renderHelpTest = suite('renderHelp')

renderHelpTest('works: every non-advanced flag with its env variable', () => {
  const help = renderHelp('scripts/02-lgtm.mts', 'Installs the LGTM stack.', defs)
  assert.ok(help.startsWith('Usage: npx zx scripts/02-lgtm.mts [flags]\n\nInstalls the LGTM stack.\n'), help)
  for (const d of defs.filter((d) => !d.advanced)) {
    assert.ok(help.includes(`--${d.flag}`), `--${d.flag} in\n${help}`)
    assert.ok(help.includes(`env: ${envName(d.flag)}`), `${envName(d.flag)} in\n${help}`)
    assert.ok(help.includes(d.help.en), d.help.en)
  }
})

renderHelpTest('a flag shows its example and default', () => {
  const help = renderHelp('s.mts', '', defs)
  assert.ok(
    help.includes('  --timeout=15m\n      how long each wait may take [default: 10m]\n      env: STACK_TIMEOUT'),
    help,
  )
  assert.ok(help.includes('  --dry-run\n      print the commands, change nothing\n      env: STACK_DRY_RUN'), help)
})

renderHelpTest('an empty default is not shown', () => {
  const help = renderHelp('s.mts', '', defs)
  assert.ok(help.includes('      kubeconfig context\n      env: STACK_CONTEXT'), help)
})

renderHelpTest('advanced flags are hidden and counted, unless all', () => {
  const short = renderHelp('s.mts', '', defs)
  assert.not.ok(short.includes('--tempo-version'))
  assert.ok(short.includes('… and 1 more (chart versions, repository URLs): --help-all'), short)
  const withHelpAll = [
    ...defs,
    { flag: 'help-all', kind: 'boolean' as const, default: false, help: { en: 'all', ko: '모두' }, advanced: true },
  ]
  assert.ok(renderHelp('s.mts', '', withHelpAll).includes('… and 1 more'), 'counted --help-all')
  const noneHidden = renderHelp(
    's.mts',
    '',
    withHelpAll.filter((d) => d.flag !== 'tempo-version'),
  )
  assert.not.ok(noneHidden.includes('more ('), noneHidden)
  const all = renderHelp('s.mts', '', defs, true)
  assert.ok(all.includes('--tempo-version=1.24.4'))
  assert.ok(all.includes('env: STACK_TEMPO_VERSION'))
  assert.not.ok(all.includes('more (chart versions'))
})

renderHelpTest('the real table: every non-advanced flag and its variable, chart versions behind --help-all', () => {
  const help = renderHelp('scripts/all.mts', 'Installs section 05.', settingDefs)
  for (const d of settingDefs.filter((d) => !d.advanced)) {
    assert.ok(help.includes(`  --${d.flag}`), `--${d.flag}`)
    assert.ok(help.includes(`env: ${envName(d.flag)}\n`), envName(d.flag))
  }
  assert.not.ok(help.includes('--tempo-version'))
  const all = renderHelp('scripts/all.mts', '', settingDefs, true)
  for (const d of settingDefs) assert.ok(all.includes(`env: ${envName(d.flag)}\n`), envName(d.flag))
})

renderHelpTest.run()

// Validators

const dns1123LabelTest = suite('dns1123Label')

dns1123LabelTest('works', () => {
  assert.is(dns1123Label('monitoring'), undefined)
})

for (const [name, value, ok] of [
  ['digits and dashes', 'lgtm-2', true],
  ['one character', 'a', true],
  ['63 characters', 'a'.repeat(63), true],
  ['64 characters', 'a'.repeat(64), false],
  ['uppercase', 'Monitoring', false],
  ['underscore', 'a_b', false],
  ['starts with a dash', '-a', false],
  ['ends with a dash', 'a-', false],
  ['a shell separator', 'a;b', false],
  ['a command substitution', '$(x)', false],
  ['a space', 'a b', false],
  ['a trailing newline', 'monitoring\n', false],
  ['empty', '', false],
] as const) {
  dns1123LabelTest(`${name}: ${ok ? 'accepted' : 'rejected'}`, () => {
    assert.is(dns1123Label(value) === undefined, ok, dns1123Label(value))
  })
}

dns1123LabelTest('the message for a long name says so', () => {
  assert.match(dns1123Label('a'.repeat(64)) ?? '', /is longer than 63 characters/)
})

dns1123LabelTest.run()

const kubeContextNameTest = suite('kubeContextName')

kubeContextNameTest('works', () => {
  assert.is(kubeContextName('kind-kind'), undefined)
})

for (const [name, value, ok] of [
  ['EKS ARN', 'arn:aws:eks:eu-west-1:123:cluster/x', true],
  ['GKE', 'gke_p_z_n', true],
  ['user@cluster', 'admin@k3d-dev', true],
  ['minikube', 'minikube', true],
  ['a space', 'a b', false],
  ['a semicolon', 'a;b', false],
  ['a command substitution', '$(id)', false],
  ['a backtick', '`id`', false],
  ['a newline', 'kind\nkind', false],
  ['starts with a dash (would read as a flag)', '-x', false],
] as const) {
  kubeContextNameTest(`${name}: ${ok ? 'accepted' : 'rejected'}`, () => {
    assert.is(kubeContextName(value) === undefined, ok, kubeContextName(value))
  })
}

kubeContextNameTest.run()

const chartVersionTest = suite('chartVersion')

chartVersionTest('works', () => {
  assert.is(chartVersion('88.5.3'), undefined)
})

for (const [name, value, ok] of [
  ['v prefix', 'v1.14.5', true],
  ['prerelease', '1.0.0-rc.1', true],
  ['build metadata', '1.0.0+build.5', true],
  ['two parts', '1.2', false],
  ['a word', 'latest', false],
  ['a range', '^1.2.3', false],
  ['a shell separator', '1.2.3;id', false],
  ['empty', '', false],
] as const) {
  chartVersionTest(`${name}: ${ok ? 'accepted' : 'rejected'}`, () => {
    assert.is(chartVersion(value) === undefined, ok, chartVersion(value))
  })
}

chartVersionTest.run()

const repositoryUrlTest = suite('repositoryUrl')

repositoryUrlTest('works', () => {
  assert.is(repositoryUrl('https://grafana.github.io/helm-charts'), undefined)
})

for (const [name, value, ok] of [
  ['http (a local mirror)', 'http://127.0.0.1:8080/charts', true],
  ['oci', 'oci://registry-1.docker.io/bitnamicharts', true],
  ['ftp', 'ftp://example.com/charts', false],
  ['garbage', 'not a url', false],
  ['no scheme', 'grafana.github.io/helm-charts', false],
  ['a space in it', 'https://example.com/a b', false],
  ['empty', '', false],
] as const) {
  repositoryUrlTest(`${name}: ${ok ? 'accepted' : 'rejected'}`, () => {
    assert.is(repositoryUrl(value) === undefined, ok, repositoryUrl(value))
  })
}

repositoryUrlTest('the message names the schemes accepted', () => {
  assert.is(repositoryUrl('ftp://x'), '"ftp://x" is not a chart repository URL (http://, https:// or oci://)')
})

repositoryUrlTest.run()

const imageRepositoryTest = suite('imageRepository')

imageRepositoryTest('works', () => {
  assert.is(imageRepository('otel/opentelemetry-collector-k8s'), undefined)
})

for (const [name, value, ok] of [
  ['a registry host', 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s', true],
  ['a registry with a port', 'registry.local:5000/otel/opentelemetry-collector-k8s', true],
  ['one component', 'collector', true],
  ['uppercase', 'Otel/collector', false],
  ['a tag (repository only)', 'otel/opentelemetry-collector-k8s:0.120.0', false],
  ['a space', 'otel/collector k8s', false],
  ['a shell separator', 'otel/x;id', false],
  ['empty', '', false],
] as const) {
  imageRepositoryTest(`${name}: ${ok ? 'accepted' : 'rejected'}`, () => {
    assert.is(imageRepository(value) === undefined, ok, imageRepository(value))
  })
}

imageRepositoryTest.run()

const manifestLocationTest = suite('manifestLocation')

const onlyExisting = (...files: string[]) => manifestLocation((p) => files.includes(p))

manifestLocationTest('works', () => {
  assert.is(
    onlyExisting()('https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml'),
    undefined,
  )
})

manifestLocationTest('an existing file (asked of the injected exists)', () => {
  const asked: string[] = []
  const validate = manifestLocation((p) => {
    asked.push(p)
    return p === './cert-manager.yaml'
  })
  assert.is(validate('./cert-manager.yaml'), undefined)
  assert.equal(asked, ['./cert-manager.yaml'])
})

manifestLocationTest('a missing file says what to give instead', () => {
  assert.is(onlyExisting()('./nope.yaml'), 'no file at "./nope.yaml": give a path to the manifest or an https:// URL')
})

manifestLocationTest('a URL is not looked for on disk', () => {
  const asked: string[] = []
  manifestLocation((p) => {
    asked.push(p)
    return false
  })('http://mirror.local/cert-manager.yaml')
  assert.equal(asked, [])
})

for (const [name, value] of [
  ['a URL with a space', 'https://example.com/a b.yaml'],
  ['an invalid URL', 'https://'],
  ['a path with a semicolon', 'a.yaml;id'],
  ['a path with $()', '$(id).yaml'],
  ['a path with a newline', 'a.yaml\nb'],
] as const) {
  manifestLocationTest(`rejected: ${name}, even when exists() says yes`, () => {
    assert.type(manifestLocation(() => true)(value), 'string')
  })
}

manifestLocationTest.run()
