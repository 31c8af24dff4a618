import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import {
  buildConfig,
  configFrom,
  loadConfig,
  readSettings,
  releaseNamed,
  releasesOf,
  repoUrl,
  settingDefs,
} from '../../lib/core/config.ts'
import { projectRoot, readValuesFile } from '../../lib/core/values.ts'
import { profiles, repoDefaults } from '../../lib/core/stack.ts'
import { UsageError } from '../../lib/core/errors.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { aConfig, testdir } from './builders.ts'

const valuesDir = path.join(projectRoot, 'values')
const seedValues = (file: string) => parse(fs.readFileSync(path.join(valuesDir, file), 'utf8')) ?? {}

/** The UsageError loadConfig throws, or a failure when it throws nothing. */
function usageErrorOf(argv: string[], env: NodeJS.ProcessEnv = {}): UsageError {
  try {
    loadConfig(argv, env)
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  assert.unreachable(`loadConfig(${JSON.stringify(argv)}) threw no UsageError`)
  throw new Error('unreachable')
}

// loadConfig

const loadConfigTest = suite('loadConfig')

loadConfigTest('works: the defaults are the seed', () => {
  const config = loadConfig([], {})
  assert.is(config.namespace, 'monitoring')
  assert.is(config.appNamespace, 'ticketing')
  assert.is(config.context, undefined)
  assert.is(config.dryRun, false)
  assert.is(config.verbosity, 'normal')
  assert.is(config.timeoutMs, 10 * 60_000)
  assert.equal(
    config.releases.map((r) => [r.name, r.repo, r.chart, r.namespace]),
    [
      ['kube-prometheus-stack', 'prometheus-community', 'kube-prometheus-stack', 'monitoring'],
      ['loki', 'grafana', 'loki-stack', 'monitoring'],
      ['tempo', 'grafana', 'tempo', 'monitoring'],
      ['opentelemetry-operator', 'open-telemetry', 'opentelemetry-operator', 'monitoring'],
    ],
  )
  assert.equal(config.repos, {
    'prometheus-community': 'https://prometheus-community.github.io/helm-charts',
    grafana: 'https://grafana.github.io/helm-charts',
    'open-telemetry': 'https://open-telemetry.github.io/opentelemetry-helm-charts',
    'grafana-community': 'https://grafana-community.github.io/helm-charts',
  })
})

loadConfigTest('cert-manager: the seed manifest URL for v1.14.5, in namespace cert-manager', () => {
  const { certManager } = loadConfig([], {})
  assert.is(certManager.version, 'v1.14.5')
  assert.is(certManager.namespace, 'cert-manager')
  assert.is(
    certManager.manifest,
    'https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml',
  )
  assert.equal(certManager.deployments, ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'])
})

for (const [namespace, whose] of [
  ['ticketing', "the app's namespace (--app-namespace)"],
  ['kube-system', 'a system namespace'],
  ['kube-public', 'a system namespace'],
  ['default', 'a system namespace'],
  ['cert-manager', "cert-manager's namespace"],
]) {
  loadConfigTest(`--namespace=${namespace} is refused: ${whose} holds what is not ours`, () => {
    const problems = usageErrorOf([`--namespace=${namespace}`]).problems
    assert.equal(problems, [
      `--namespace: "${namespace}" is ${whose}; ` +
        'the stack needs a namespace of its own (for example --namespace=monitoring)',
    ])
  })
}

loadConfigTest('the app namespace moved too: --namespace may take the old name', () => {
  assert.is(loadConfig(['--namespace=ticketing', '--app-namespace=shop'], {}).namespace, 'ticketing')
  assert.is(loadConfig(['--namespace=observability'], {}).namespace, 'observability')
})

loadConfigTest(
  'an unknown profile (any case but the right one) is a usage error naming the valid ones, not a crash',
  () => {
    for (const profile of ['SEED', 'latest']) {
      assert.match(usageErrorOf([`--profile=${profile}`]).problems.join('\n'), /is not one of: seed, current/)
    }
  },
)

loadConfigTest("the collector image reaches the operator release as the seed's --set", () => {
  const config = loadConfig([], {})
  const operator = releaseNamed(config, 'opentelemetry-operator')
  assert.is(config.collectorImage, 'otel/opentelemetry-collector-k8s')
  assert.equal(operator.set, { 'manager.collectorImage.repository': 'otel/opentelemetry-collector-k8s' })
  assert.equal(operator.values.manager, { collectorImage: { repository: 'otel/opentelemetry-collector-k8s' } })
  // and its CRDs outlive `helm uninstall`: the chart renders them as templates
  assert.equal(operator.values.crds, { annotations: { 'helm.sh/resource-policy': 'keep' } })
  for (const other of config.releases.filter((r) => r !== operator)) assert.equal(other.set, {}, other.name)
})

loadConfigTest("kube-prometheus-stack's values are grafana-values.yaml: Loki and Tempo at the seed URLs", () => {
  const release = releaseNamed(loadConfig([], {}), 'kube-prometheus-stack')
  assert.equal(release.valuesFiles, [path.join(valuesDir, 'grafana-values.yaml')])
  assert.equal(release.values, seedValues('grafana-values.yaml'))
  const datasources = (release.values as any).grafana.additionalDataSources.map((d: any) => [
    d.name,
    d.type,
    d.url,
    d.isDefault,
  ])
  assert.equal(datasources, [
    ['Loki', 'loki', 'http://loki.monitoring.svc.cluster.local:3100', false],
    ['Tempo', 'tempo', 'http://tempo.monitoring.svc.cluster.local:3200', false],
  ])
})

loadConfigTest("loki's values disable its Grafana, its Prometheus and its sidecar datasource", () => {
  const values = releaseNamed(loadConfig([], {}), 'loki').values as any
  assert.is(values.grafana.enabled, false)
  assert.is(values.prometheus.enabled, false)
  assert.is(values.grafana.sidecar.datasources.enabled, false)
})

loadConfigTest('environment overrides: repositories, chart versions, manifest, namespace', () => {
  const dir = testdir({ 'cert-manager.yaml': 'kind: List\n' })
  try {
    const config = loadConfig([], {
      STACK_GRAFANA_REPO: 'http://127.0.0.1:8080/grafana',
      STACK_TEMPO_VERSION: '1.25.0',
      STACK_CERT_MANAGER_MANIFEST: dir.path('cert-manager.yaml'),
      STACK_NAMESPACE: 'observability',
    })
    assert.is(config.repos.grafana, 'http://127.0.0.1:8080/grafana')
    assert.equal(
      config.releases.filter((r) => r.repo === 'grafana').map((r) => [r.name, r.repoUrl]),
      [
        ['loki', 'http://127.0.0.1:8080/grafana'],
        ['tempo', 'http://127.0.0.1:8080/grafana'],
      ],
    )
    assert.is(releaseNamed(config, 'tempo').version, '1.25.0')
    assert.is(releaseNamed(config, 'loki').version, '2.10.3')
    assert.is(config.certManager.manifest, dir.path('cert-manager.yaml'))
    assert.ok(config.releases.every((r) => r.namespace === 'observability'))
  } finally {
    dir.remove()
  }
})

loadConfigTest('flag overrides win over the environment', () => {
  const config = loadConfig(
    [
      '--prometheus-community-repo=oci://ghcr.io/prometheus-community/charts',
      '--kube-prometheus-stack-version=68.0.0',
      '--cert-manager-version=v1.15.0',
      '--context=kind-kind',
      '--collector-image=registry.local:5000/otel/collector',
    ],
    { STACK_KUBE_PROMETHEUS_STACK_VERSION: '66.0.0', STACK_CONTEXT: 'minikube' },
  )
  const kps = releaseNamed(config, 'kube-prometheus-stack')
  assert.is(kps.repoUrl, 'oci://ghcr.io/prometheus-community/charts')
  assert.is(kps.version, '68.0.0')
  assert.is(config.context, 'kind-kind')
  assert.is(
    config.certManager.manifest,
    'https://github.com/cert-manager/cert-manager/releases/download/v1.15.0/cert-manager.yaml',
  )
  assert.equal(releaseNamed(config, 'opentelemetry-operator').set, {
    'manager.collectorImage.repository': 'registry.local:5000/otel/collector',
  })
})

loadConfigTest('--values-dir: the releases read their values from that folder', () => {
  const dir = testdir({
    'grafana-values.yaml': 'grafana:\n  adminPassword: from-my-copy\n',
    'loki-stack-values.yaml': '{}\n',
    'tempo-values.yaml': 'tempo:\n  retention: 24h\n',
    'opentelemetry-operator-values.yaml': 'manager:\n  collectorImage:\n    tag: 0.120.0\n',
  })
  try {
    const config = loadConfig([`--values-dir=${dir.root}`], {})
    assert.equal(releaseNamed(config, 'tempo').valuesFiles, [dir.path('tempo-values.yaml')])
    assert.equal(releaseNamed(config, 'tempo').values, { tempo: { retention: '24h' } })
    // the file and the --set merge
    assert.equal(releaseNamed(config, 'opentelemetry-operator').values, {
      manager: { collectorImage: { tag: '0.120.0', repository: 'otel/opentelemetry-collector-k8s' } },
    })
  } finally {
    dir.remove()
  }
})

loadConfigTest('--help and --help-all', () => {
  assert.is(loadConfig(['--help'], {}).help, true)
  assert.is(loadConfig(['--help-all'], {}).helpAll, true)
  assert.is(loadConfig([], {}).help, false)
})

loadConfigTest('-h is --help (not silently ignored: the script would go on and change the cluster)', () => {
  assert.is(loadConfig(['-h'], {}).help, true)
})

loadConfigTest('--verbose and --quiet set the verbosity', () => {
  assert.is(loadConfig(['--verbose'], {}).verbosity, 'verbose')
  assert.is(loadConfig(['--quiet'], {}).verbosity, 'quiet')
})

loadConfigTest('a UsageError lists every problem at once: bad namespace, bad duration, unknown flag', () => {
  const error = usageErrorOf(['--namespace=Monitoring', '--timeout=5x', '--bogus'])
  assert.is(error.problems.length, 3, error.problems.join('\n'))
  assert.ok(
    error.problems.some((p) => p.startsWith('--namespace: "Monitoring" is not a valid name')),
    error.problems.join('\n'),
  )
  assert.ok(
    error.problems.some((p) => p.startsWith('--timeout: "5x" is not a duration')),
    error.problems.join('\n'),
  )
  assert.ok(
    error.problems.some((p) => p.startsWith('unknown flag --bogus')),
    error.problems.join('\n'),
  )
  assert.is(error.message, '3 problems with the settings')
})

loadConfigTest('a missing --values-dir is one problem, not one per values file', () => {
  const error = usageErrorOf(['--values-dir=/nonexistent/values'])
  assert.equal(error.problems, [
    '--values-dir: no folder at "/nonexistent/values" (for example --values-dir=./my-values)',
  ])
})

loadConfigTest('a values file missing from --values-dir is a problem naming it and where to copy it from', () => {
  const dir = testdir({
    'grafana-values.yaml': '{}\n',
    'loki-stack-values.yaml': '{}\n',
    'opentelemetry-operator-values.yaml': '{}\n',
  })
  try {
    const error = usageErrorOf([`--values-dir=${dir.root}`])
    assert.equal(error.problems, [
      `values file ${dir.path('tempo-values.yaml')} is missing: ` +
        `copy it from ${path.join(valuesDir, 'tempo-values.yaml')}`,
    ])
  } finally {
    dir.remove()
  }
})

loadConfigTest('bad repository URL, chart version, image and manifest are all reported', () => {
  const error = usageErrorOf([], {
    STACK_GRAFANA_REPO: 'ftp://mirror/charts',
    STACK_LOKI_VERSION: 'latest',
    STACK_COLLECTOR_IMAGE: 'Otel/Collector',
    STACK_CERT_MANAGER_MANIFEST: '/nonexistent/cert-manager.yaml',
  })
  assert.equal(
    error.problems.map((p) => p.split(':')[0]),
    ['STACK_COLLECTOR_IMAGE', 'STACK_CERT_MANAGER_MANIFEST', 'STACK_GRAFANA_REPO', 'STACK_LOKI_VERSION'],
  )
})

loadConfigTest.run()

// readSettings, configFrom: the settings first (what the preflight starts with), the values files after

const readSettingsTest = suite('readSettings')

readSettingsTest('works: the settings checked, and the config they make before any values file is read', () => {
  const settings = readSettings(['--context=kind-kind', '--verbose'], {})
  assert.equal(settings.problems, [])
  assert.is(settings.config.context, 'kind-kind')
  assert.is(settings.config.verbosity, 'verbose')
  // values/loki-stack-values.yaml has values: none are read yet
  assert.equal(releaseNamed(settings.config, 'loki').values, {})
})

readSettingsTest('a problem of the settings alone is found before any values file is read', () => {
  const settings = readSettings(['--namespace=kube-system', '--purge-foreign-resources', '--timeout=soon'], {})
  assert.equal(
    settings.problems.map((p) => p.split(':')[0]),
    ['--timeout', '--namespace', '--purge-foreign-resources goes with --purge'],
  )
})

readSettingsTest.run()

const configFromTest = suite('configFrom')

configFromTest('works: the values files read into the releases', () => {
  const config = configFrom(readSettings([], {}))
  assert.equal(releaseNamed(config, 'loki').values, seedValues('loki-stack-values.yaml'))
})

configFromTest("the settings' problems and the values files' are listed together", () => {
  const dir = testdir({
    'grafana-values.yaml': '{}\n',
    'loki-stack-values.yaml': '{}\n',
    'opentelemetry-operator-values.yaml': '{}\n',
  })
  try {
    const settings = readSettings([`--values-dir=${dir.root}`, '--timeout=soon'], {})
    assert.throws(
      () => configFrom(settings),
      (e: unknown) =>
        e instanceof UsageError &&
        e.problems.length === 2 &&
        e.problems[0].startsWith('--timeout') &&
        e.problems[1].startsWith(`values file ${dir.path('tempo-values.yaml')} is missing`),
    )
    assert.is(settings.problems.length, 1, 'the settings were not changed')
  } finally {
    dir.remove()
  }
})

configFromTest.run()

// readValuesFile

const readValuesFileTest = suite('readValuesFile')

readValuesFileTest('works', () => {
  const dir = testdir({ 'values.yaml': 'grafana:\n  enabled: false\nloki:\n  isDefault: false\n' })
  try {
    assert.equal(readValuesFile(dir.path('values.yaml')), {
      values: { grafana: { enabled: false }, loki: { isDefault: false } },
    })
  } finally {
    dir.remove()
  }
})

readValuesFileTest(
  'values as helm reads them (YAML 1.1: yes/on are true, 0755 is octal), so `helm get values` compares equal',
  () => {
    // helm 3.17 and 4.1 both render {{ kindOf .Values.a }} of `a: yes` as bool; any difference here
    // makes decideRelease see "values changed" and upgrade on every run
    const dir = testdir({ 'values.yaml': 'persistence:\n  enabled: yes\nrbac:\n  create: on\nfsMode: 0755\n' })
    try {
      assert.equal(readValuesFile(dir.path('values.yaml')).values, {
        persistence: { enabled: true },
        rbac: { create: true },
        fsMode: 493,
      })
    } finally {
      dir.remove()
    }
  },
)

readValuesFileTest('an empty file is no values', () => {
  const dir = testdir({ 'values.yaml': '# nothing to change\n' })
  try {
    assert.equal(readValuesFile(dir.path('values.yaml')), { values: {} })
  } finally {
    dir.remove()
  }
})

readValuesFileTest('malformed YAML: the problem names file:line:col', () => {
  const dir = testdir({ 'values.yaml': 'grafana:\n  enabled: false\nloki: isDefault: false\n' })
  try {
    const { values, problem } = readValuesFile(dir.path('values.yaml'))
    assert.equal(values, {})
    assert.match(problem ?? '', /^\/.*values\.yaml:\d+:\d+: invalid YAML: /)
    // the error is on line 3 (`loki: isDefault: false`), from column 7
    assert.ok(problem?.startsWith(`${dir.path('values.yaml')}:3:7: invalid YAML: `), problem)
  } finally {
    dir.remove()
  }
})

readValuesFileTest('a file below the working directory is shown relative to it', () => {
  const dir = testdir({ 'values.yaml': 'a: [1,\n' })
  const cwd = process.cwd()
  try {
    process.chdir(dir.root)
    const { problem } = readValuesFile(dir.path('values.yaml'))
    assert.match(problem ?? '', /^values\.yaml:/)
  } finally {
    process.chdir(cwd)
    dir.remove()
  }
})

readValuesFileTest('a missing file: says so, and where a copy is', () => {
  const dir = testdir()
  try {
    const { values, problem } = readValuesFile(dir.path('tempo-values.yaml'))
    assert.equal(values, {})
    assert.is(
      problem,
      `values file ${dir.path('tempo-values.yaml')} is missing: ` +
        `copy it from ${path.join(valuesDir, 'tempo-values.yaml')}`,
    )
  } finally {
    dir.remove()
  }
})

readValuesFileTest('a list instead of a map', () => {
  const dir = testdir({ 'values.yaml': '- name: Loki\n- name: Tempo\n' })
  try {
    assert.equal(readValuesFile(dir.path('values.yaml')), {
      values: {},
      problem: `${dir.path('values.yaml')}: must be a YAML mapping (key: value), found a list`,
    })
  } finally {
    dir.remove()
  }
})

readValuesFileTest('a scalar instead of a map', () => {
  const dir = testdir({ 'values.yaml': 'just text\n' })
  try {
    assert.is(
      readValuesFile(dir.path('values.yaml')).problem,
      `${dir.path('values.yaml')}: must be a YAML mapping (key: value), found string`,
    )
  } finally {
    dir.remove()
  }
})

readValuesFileTest.run()

// buildConfig

const buildConfigTest = suite('buildConfig')
const defaults = () => parseSettings(settingDefs, [], {}).values

buildConfigTest('works: each release from its spec, values read through the given reader', () => {
  const read: string[] = []
  const config = buildConfig(defaults(), (file) => {
    read.push(path.basename(file))
    return { from: path.basename(file) }
  })
  assert.equal(
    read,
    profiles.seed.flatMap((r) => r.valuesFiles),
  )
  assert.equal(releaseNamed(config, 'tempo').values, { from: 'tempo-values.yaml' })
  assert.equal(
    config.releases.map((r) => r.version),
    profiles.seed.map((r) => r.version),
  )
})

buildConfigTest('an empty context is no context', () => {
  assert.is(buildConfig({ ...defaults(), context: '' }, () => ({})).context, undefined)
})

buildConfigTest('--set wins over the values files', () => {
  const config = buildConfig({ ...defaults(), 'collector-image': 'mirror/collector' }, () => ({
    manager: { collectorImage: { repository: 'from-file', tag: '1' } },
  }))
  assert.equal(releaseNamed(config, 'opentelemetry-operator').values, {
    manager: { collectorImage: { repository: 'mirror/collector', tag: '1' } },
  })
})

buildConfigTest.run()

// releaseNamed, releasesOf

const releaseNamedTest = suite('releaseNamed')

releaseNamedTest('works', () => {
  assert.is(releaseNamed(aConfig(), 'loki').chart, 'loki-stack')
})

releaseNamedTest('an unknown name throws', () => {
  assert.throws(() => releaseNamed(aConfig(), 'grafana'), /unknown release grafana/)
})

releaseNamedTest.run()

const releasesOfTest = suite('releasesOf')

releasesOfTest('works: the seed §2 releases belong to the lgtm step', () => {
  assert.equal(
    releasesOf(aConfig(), 'lgtm').map((r) => r.name),
    ['kube-prometheus-stack', 'loki', 'tempo'],
  )
})

releasesOfTest('the operator has its own step; verify has none', () => {
  assert.equal(
    releasesOf(aConfig(), 'otel-operator').map((r) => r.name),
    ['opentelemetry-operator'],
  )
  assert.equal(releasesOf(aConfig(), 'verify'), [])
})

releasesOfTest.run()

// repoUrl

const repoUrlTest = suite('repoUrl')

const repoUrlCases: [string, Parameters<typeof repoUrl>, string][] = [
  ['works: no mirror, the seed URL', ['grafana', repoDefaults.grafana, ''], repoDefaults.grafana],
  [
    'an HTTP mirror: <base>/<repo>',
    ['grafana', repoDefaults.grafana, 'http://mirror.local/charts/'],
    'http://mirror.local/charts/grafana',
  ],
  [
    'an OCI mirror: the registry itself (charts are referenced under it)',
    ['open-telemetry', repoDefaults['open-telemetry'], 'oci://registry.example.com/charts'],
    'oci://registry.example.com/charts',
  ],
  [
    "the repository's own setting wins over the mirror",
    ['grafana', 'http://own/grafana', 'http://mirror.local'],
    'http://own/grafana',
  ],
]
for (const [name, args, want] of repoUrlCases) repoUrlTest(name, () => assert.is(repoUrl(...args), want))

repoUrlTest('--chart-mirror reaches every release, and OCI releases are referenced in the registry', () => {
  const config = loadConfig(['--chart-mirror=oci://registry.example.com/charts'])
  assert.equal(
    config.releases.map((r) => r.repoUrl),
    config.releases.map(() => 'oci://registry.example.com/charts'),
  )
})

repoUrlTest('a --chart-mirror that is not a URL is a problem naming the flag', () => {
  assert.throws(
    () => loadConfig(['--chart-mirror=not a url']),
    (e: Error) => e instanceof UsageError && e.problems.some((p) => p.startsWith('--chart-mirror:')),
  )
})

repoUrlTest.run()
