import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import YAML from 'yaml'
import {
  chartRef,
  decideRelease,
  endedMarkCmd,
  markEndedCmd,
  revisionLeftPending,
  displayPath,
  getValuesCmd,
  helm,
  historyCmd,
  lastChange,
  lastGoodRevision,
  listCmd,
  parseHelmVersion,
  parseReleaseList,
  parseRepoList,
  repoAddCmd,
  repoListCmd,
  repoUpdateCmd,
  rollbackCmd,
  missingPins,
  searchChartsCmd,
  repositoriesFile,
  workloadsOfRelease,
  uninstallCmd,
  upgradeInstallCmd,
  type ChartPin,
  type ReleaseAction,
  type ReleaseFound,
} from '../../lib/tools/helm.ts'
import { mergeValues, normalizeValues, setToValues } from '../../lib/core/values.ts'
import { aHelmListItem, aRelease, aReleaseState } from './builders.ts'

const kind = { context: 'kind-kind' }
const current = {}

// helm

const helmTest = suite('helm')

helmTest('works: --kube-context last, when a context is set', () => {
  assert.equal(helm(kind, 'list').argv, ['helm', 'list', '--kube-context', 'kind-kind'])
})

helmTest('no context: no flag (helm uses the current context)', () => {
  assert.equal(helm(current, 'list').argv, ['helm', 'list'])
})

helmTest.run()

// upgradeInstallCmd

const upgradeInstallCmdTest = suite('upgradeInstallCmd')

const kps = aRelease({
  name: 'kube-prometheus-stack',
  repo: 'prometheus-community',
  chart: 'kube-prometheus-stack',
  version: '88.5.3',
  repoUrl: 'https://prometheus-community.github.io/helm-charts',
  valuesFiles: ['/work/stack/values/grafana-values.yaml'],
})

upgradeInstallCmdTest("works: the seed's helm install, idempotent, pinned, with its values file", () => {
  assert.equal(upgradeInstallCmd(kind, kps, { timeout: '10m', cwd: '/work/stack' }).argv, [
    'helm',
    'upgrade',
    '--install',
    'kube-prometheus-stack',
    'prometheus-community/kube-prometheus-stack',
    '--namespace',
    'monitoring',
    '--version',
    '88.5.3',
    '--timeout',
    '10m',
    '-f',
    'values/grafana-values.yaml',
    '--kube-context',
    'kind-kind',
  ])
})

upgradeInstallCmdTest('without a context there is no --kube-context', () => {
  const argv = upgradeInstallCmd(current, kps, { timeout: '10m', cwd: '/work/stack' }).argv
  assert.not.ok(argv.includes('--kube-context'))
  assert.is(argv.at(-1), 'values/grafana-values.yaml')
})

upgradeInstallCmdTest('helm waits for the hook Jobs as long as our --timeout says, not its own 5m', () => {
  const argv = upgradeInstallCmd(current, kps, { timeout: '1h30m', cwd: '/w' }).argv
  assert.is(argv[argv.indexOf('--timeout') + 1], '1h30m')
})

upgradeInstallCmdTest('a values file outside the working directory stays absolute', () => {
  const argv = upgradeInstallCmd(current, kps, { timeout: '10m', cwd: '/home/me' }).argv
  assert.is(argv[argv.indexOf('-f') + 1], '/work/stack/values/grafana-values.yaml')
})

upgradeInstallCmdTest('several values files, in order', () => {
  const release = aRelease({ valuesFiles: ['/w/values/a.yaml', '/w/values/b.yaml'] })
  const argv = upgradeInstallCmd(current, release, { timeout: '10m', cwd: '/w' }).argv
  assert.equal(argv.slice(argv.indexOf('-f')), ['-f', 'values/a.yaml', '-f', 'values/b.yaml'])
})

upgradeInstallCmdTest('set values go as --set-string (an image tag like 1.10 stays a string)', () => {
  const operator = aRelease({
    name: 'opentelemetry-operator',
    repo: 'open-telemetry',
    chart: 'opentelemetry-operator',
    version: '0.122.0',
    set: { 'manager.collectorImage.repository': 'otel/opentelemetry-collector-k8s' },
  })
  const argv = upgradeInstallCmd(current, operator, { timeout: '10m', cwd: '/w' }).argv
  assert.equal(argv.slice(-2), ['--set-string', 'manager.collectorImage.repository=otel/opentelemetry-collector-k8s'])
  assert.not.ok(argv.includes('--set'))
})

upgradeInstallCmdTest('an OCI repository: the full chart reference', () => {
  const release = aRelease({ repoUrl: 'oci://registry.local:5000/charts' })
  assert.is(
    upgradeInstallCmd(current, release, { timeout: '10m', cwd: '/w' }).argv[4],
    'oci://registry.local:5000/charts/tempo',
  )
})

upgradeInstallCmdTest.run()

// displayPath

const displayPathTest = suite('displayPath')

displayPathTest('works: below the working directory, relative', () => {
  assert.is(displayPath('/w/values/tempo-values.yaml', '/w'), 'values/tempo-values.yaml')
})

for (const [name, file, cwd, shown] of [
  ['above the working directory', '/w/values/a.yaml', '/w/scripts', '/w/values/a.yaml'],
  ['elsewhere', '/etc/a.yaml', '/w', '/etc/a.yaml'],
  ['the working directory itself', '/w', '/w', '/w'],
  ['a sibling whose name starts like cwd', '/work2/a.yaml', '/work', '/work2/a.yaml'],
] as const) {
  displayPathTest(`${name}: absolute`, () => {
    assert.is(displayPath(file, cwd), shown)
  })
}

displayPathTest.run()

// listCmd

const listCmdTest = suite('listCmd')

listCmdTest('works: helm 3 needs --all to show pending and failed releases', () => {
  assert.equal(listCmd(current, 'monitoring', 3).argv, [
    'helm',
    'list',
    '--namespace',
    'monitoring',
    '--output',
    'json',
    '--all',
  ])
})

listCmdTest('helm 4 has no --all', () => {
  assert.equal(listCmd(current, 'monitoring', 4).argv, [
    'helm',
    'list',
    '--namespace',
    'monitoring',
    '--output',
    'json',
  ])
})

listCmdTest('with a context', () => {
  assert.equal(listCmd(kind, 'monitoring', 4).argv.slice(-2), ['--kube-context', 'kind-kind'])
})

listCmdTest.run()

// The other builders

const repoAddCmdTest = suite('repoAddCmd')

repoAddCmdTest('works: --force-update, so a changed URL (a mirror) replaces the old entry', () => {
  assert.equal(repoAddCmd('grafana', 'https://grafana.github.io/helm-charts').argv, [
    'helm',
    'repo',
    'add',
    'grafana',
    'https://grafana.github.io/helm-charts',
    '--force-update',
  ])
})

repoAddCmdTest.run()

const repoUpdateCmdTest = suite('repoUpdateCmd')

repoUpdateCmdTest('works: only the repositories named', () => {
  assert.equal(repoUpdateCmd(['grafana', 'prometheus-community']).argv, [
    'helm',
    'repo',
    'update',
    'grafana',
    'prometheus-community',
  ])
})

repoUpdateCmdTest.run()

const repoListCmdTest = suite('repoListCmd')

repoListCmdTest('works: JSON, which helm 3 and helm 4 both print', () => {
  assert.equal(repoListCmd().argv, ['helm', 'repo', 'list', '--output', 'json'])
})

repoListCmdTest.run()

const parseRepoListTest = suite('parseRepoList')

parseRepoListTest('works: name → URL', () => {
  assert.equal(
    parseRepoList(
      '[{"name":"grafana","url":"https://grafana.github.io/helm-charts"},' +
        '{"name":"open-telemetry","url":"http://127.0.0.1:8080/open-telemetry"}]',
    ),
    { grafana: 'https://grafana.github.io/helm-charts', 'open-telemetry': 'http://127.0.0.1:8080/open-telemetry' },
  )
})

for (const [name, stdout] of [
  ['helm 4 with no repositories', '[]'],
  ['helm 3 with no repositories (exit 1, nothing on stdout)', ''],
  ['not JSON', 'Error: no repositories to show'],
  ['null', 'null'],
]) {
  parseRepoListTest(`nothing configured: ${name}`, () => {
    assert.equal(parseRepoList(stdout), {})
  })
}

parseRepoListTest('a trailing slash does not make another URL', () => {
  assert.equal(parseRepoList('[{"name":"grafana","url":"https://charts.example.com/grafana/"}]'), {
    grafana: 'https://charts.example.com/grafana',
  })
})

parseRepoListTest.run()

const chartRefTest = suite('chartRef')

chartRefTest('works: repo/chart for an HTTP repository', () => {
  assert.is(chartRef(aRelease({ repo: 'grafana', chart: 'loki-stack' })), 'grafana/loki-stack')
})

chartRefTest('OCI: the registry path and the chart', () => {
  assert.is(
    chartRef(aRelease({ repoUrl: 'oci://ghcr.io/grafana/helm-charts', chart: 'tempo' })),
    'oci://ghcr.io/grafana/helm-charts/tempo',
  )
})

chartRefTest('OCI with a trailing slash: no double slash', () => {
  assert.is(
    chartRef(aRelease({ repoUrl: 'oci://ghcr.io/grafana/helm-charts/', chart: 'tempo' })),
    'oci://ghcr.io/grafana/helm-charts/tempo',
  )
})

chartRefTest.run()

const getValuesCmdTest = suite('getValuesCmd')

getValuesCmdTest('works: as JSON', () => {
  assert.equal(getValuesCmd(kind, 'loki', 'monitoring').argv, [
    'helm',
    'get',
    'values',
    'loki',
    '--namespace',
    'monitoring',
    '--output',
    'json',
    '--kube-context',
    'kind-kind',
  ])
})

getValuesCmdTest.run()

const historyCmdTest = suite('historyCmd')

historyCmdTest('works: as JSON', () => {
  assert.equal(historyCmd(current, 'loki', 'monitoring').argv, [
    'helm',
    'history',
    'loki',
    '--namespace',
    'monitoring',
    '--output',
    'json',
  ])
})

historyCmdTest.run()

const rollbackCmdTest = suite('rollbackCmd')

rollbackCmdTest('works: to the revision given', () => {
  assert.equal(rollbackCmd(kind, 'loki', 'monitoring', 2).argv, [
    'helm',
    'rollback',
    'loki',
    '2',
    '--namespace',
    'monitoring',
    '--kube-context',
    'kind-kind',
  ])
})

rollbackCmdTest.run()

const uninstallCmdTest = suite('uninstallCmd')

uninstallCmdTest('works: waits until the resources are gone', () => {
  assert.equal(uninstallCmd(current, 'loki', 'monitoring').argv, [
    'helm',
    'uninstall',
    'loki',
    '--namespace',
    'monitoring',
    '--wait',
    '--timeout',
    '5m',
  ])
})

uninstallCmdTest('no wait (null): a heal does not wait on writes a killed helm left in flight', () => {
  assert.equal(uninstallCmd(current, 'loki', 'monitoring', null).argv, [
    'helm',
    'uninstall',
    'loki',
    '--namespace',
    'monitoring',
  ])
})

uninstallCmdTest('the timeout given, and --kube-context last', () => {
  assert.equal(uninstallCmd(kind, 'loki', 'monitoring', '2m30s').argv.slice(-4), [
    '--timeout',
    '2m30s',
    '--kube-context',
    'kind-kind',
  ])
})

uninstallCmdTest.run()

const searchChartsCmdTest = suite('searchChartsCmd')

const repositories = '/tmp/stack-repos-x/repositories.yaml'

searchChartsCmdTest(
  'works: every version of every chart, one search, exact names, as JSON, in our repositories only',
  () => {
    const argv = searchChartsCmd(
      [aRelease({ repo: 'grafana', chart: 'tempo' }), aRelease({ repo: 'grafana', chart: 'loki-stack' })],
      repositories,
    ).argv
    assert.equal(argv, [
      'helm',
      'search',
      'repo',
      '--repository-config',
      repositories,
      '--regexp',
      '\\v(grafana/tempo|grafana/loki-stack)\\v',
      '--versions',
      '--output',
      'json',
    ])
  },
)

searchChartsCmdTest('a chart named twice is searched once; regexp characters are escaped', () => {
  const argv = searchChartsCmd(
    [aRelease({ repo: 'grafana', chart: 'a.b' }), aRelease({ repo: 'grafana', chart: 'a.b' })],
    repositories,
  ).argv
  assert.is(argv[argv.indexOf('--regexp') + 1], '\\v(grafana/a\\.b)\\v')
})

searchChartsCmdTest('no --kube-context: it reads the local repository cache only', () => {
  assert.not.ok(searchChartsCmd([aRelease()], repositories).argv.includes('--kube-context'))
})

searchChartsCmdTest.run()

const repositoriesFileTest = suite('repositoriesFile')

repositoriesFileTest('works: each repository by name and URL, as helm reads a repositories.yaml', () => {
  const file = YAML.parse(repositoriesFile({ grafana: 'https://grafana.github.io/helm-charts', x: 'http://m/x' }))
  assert.equal(file.repositories, [
    { name: 'grafana', url: 'https://grafana.github.io/helm-charts' },
    { name: 'x', url: 'http://m/x' },
  ])
})

repositoriesFileTest.run()

const missingPinsTest = suite('missingPins')
const searched = JSON.stringify([
  { name: 'grafana/tempo', version: '1.24.4' },
  { name: 'grafana/tempo', version: '1.24.3' },
  { name: 'grafana/tempo-distributed', version: '9.9.9' },
  { name: 'grafana/alloy', version: 'v1.11.1' },
])

missingPinsTest('works: a pinned version in the index is not missing', () => {
  assert.equal(missingPins([aRelease({ repo: 'grafana', chart: 'tempo', version: '1.24.4' })], searched), [])
})

for (const [name, release, missing] of [
  ['a version the index lacks', aRelease({ repo: 'grafana', chart: 'tempo', version: '1.25.0' }), true],
  [
    "another chart's version (tempo-distributed 9.9.9)",
    aRelease({ repo: 'grafana', chart: 'tempo', version: '9.9.9' }),
    true,
  ],
  [
    'the same chart in another repository',
    aRelease({ repo: 'grafana-community', chart: 'tempo', version: '1.24.4' }),
    true,
  ],
  ['a leading v on either side', aRelease({ repo: 'grafana', chart: 'alloy', version: '1.11.1' }), false],
] as const) {
  missingPinsTest(name, () => assert.is(missingPins([release], searched).length, missing ? 1 : 0))
}

missingPinsTest('no results (helm prints [] or nothing): everything is missing', () => {
  assert.is(missingPins([aRelease()], '').length, 1)
  assert.is(missingPins([aRelease()], '[]').length, 1)
})

missingPinsTest.run()

// parseHelmVersion

const parseHelmVersionTest = suite('parseHelmVersion')

parseHelmVersionTest('works', () => {
  assert.equal(parseHelmVersion('v3.17.2+gcc0bbbd\n'), { version: 'v3.17.2+gcc0bbbd', major: 3 })
})

for (const [name, text, expected] of [
  ['helm 4', 'v4.1.4+g05fa379', { version: 'v4.1.4+g05fa379', major: 4 }],
  [
    'helm 2 (refused by the caller)',
    'Client: v2.17.0+ga690bad\nError: could not find tiller',
    { version: 'v2.17.0+ga690bad', major: 2 },
  ],
  ['no build metadata', 'v3.8.0', { version: 'v3.8.0', major: 3 }],
  ['garbage', 'command not found', undefined],
  ['empty', '', undefined],
] as const) {
  parseHelmVersionTest(name, () => {
    assert.equal(parseHelmVersion(text), expected)
  })
}

parseHelmVersionTest.run()

// parseReleaseList

const parseReleaseListTest = suite('parseReleaseList')

parseReleaseListTest('works: helm list -o json, chart names split from their versions', () => {
  const json = JSON.stringify([
    aHelmListItem({ name: 'kube-prometheus-stack', chart: 'kube-prometheus-stack-88.5.3', revision: '3' }),
    aHelmListItem({ name: 'loki', chart: 'loki-stack-2.10.3' }),
    aHelmListItem({
      name: 'opentelemetry-operator',
      chart: 'opentelemetry-operator-0.122.0',
      status: 'pending-upgrade',
      revision: '2',
    }),
  ])
  assert.equal(parseReleaseList(json), [
    {
      name: 'kube-prometheus-stack',
      namespace: 'monitoring',
      revision: 3,
      status: 'deployed',
      chart: 'kube-prometheus-stack',
      version: '88.5.3',
    },
    { name: 'loki', namespace: 'monitoring', revision: 1, status: 'deployed', chart: 'loki-stack', version: '2.10.3' },
    {
      name: 'opentelemetry-operator',
      namespace: 'monitoring',
      revision: 2,
      status: 'pending-upgrade',
      chart: 'opentelemetry-operator',
      version: '0.122.0',
    },
  ])
})

for (const [name, chartField, chart, version] of [
  ['a chart name with digits', 'k8s-monitoring-1.6.25', 'k8s-monitoring', '1.6.25'],
  ['a prerelease version', 'tempo-1.24.4-rc.1', 'tempo', '1.24.4-rc.1'],
  ['a v-prefixed version', 'cert-manager-v1.14.5', 'cert-manager', 'v1.14.5'],
  ['build metadata', 'tempo-1.24.4+build.7', 'tempo', '1.24.4+build.7'],
] as const) {
  parseReleaseListTest(`${name}: ${chartField} → ${chart} ${version}`, () => {
    const [state] = parseReleaseList(JSON.stringify([aHelmListItem({ chart: chartField })]))
    assert.equal([state.chart, state.version], [chart, version])
  })
}

parseReleaseListTest('a revision given as a number is kept', () => {
  assert.is(parseReleaseList(JSON.stringify([aHelmListItem({ revision: 7 })]))[0].revision, 7)
})

parseReleaseListTest('an empty output is no releases', () => {
  assert.equal(parseReleaseList(''), [])
})

parseReleaseListTest('`null` is no releases (helm prints it for an empty namespace)', () => {
  assert.equal(parseReleaseList('null'), [])
})

parseReleaseListTest('`[]` is no releases', () => {
  assert.equal(parseReleaseList('[]\n'), [])
})

parseReleaseListTest.run()

// lastGoodRevision

const lastGoodRevisionTest = suite('lastGoodRevision')

lastGoodRevisionTest('works: the newest deployed or superseded revision', () => {
  assert.is(
    lastGoodRevision([
      { revision: 1, status: 'superseded', chart: 'loki-stack-2.10.1' },
      { revision: 2, status: 'deployed', chart: 'loki-stack-2.10.3' },
      { revision: 3, status: 'pending-upgrade', chart: 'loki-stack-2.10.3' },
    ]),
    2,
  )
})

for (const [name, history, revision] of [
  [
    'history in any order',
    [
      { revision: 4, status: 'failed' },
      { revision: 3, status: 'superseded' },
      { revision: 1, status: 'superseded' },
    ],
    3,
  ],
  [
    'only superseded',
    [
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'failed' },
    ],
    1,
  ],
  ['never deployed', [{ revision: 1, status: 'pending-install' }], undefined],
  ['failed install', [{ revision: 1, status: 'failed' }], undefined],
  ['no history', [], undefined],
] as const) {
  lastGoodRevisionTest(`${name} → ${revision}`, () => {
    assert.is(lastGoodRevision(history.map((h) => ({ ...h, chart: 'loki-stack-2.10.3' }))), revision)
  })
}

lastGoodRevisionTest.run()

// lastChange

const lastChangeTest = suite('lastChange')

lastChangeTest("works: the newest revision's `updated`, as helm 3 and 4 print it", () => {
  assert.is(
    lastChange([
      { revision: 2, status: 'pending-upgrade', chart: 'loki-stack-2.10.3', updated: '2026-05-01T12:00:05.657007928Z' },
      { revision: 1, status: 'deployed', chart: 'loki-stack-2.10.3', updated: '2026-05-01T11:00:00Z' },
    ]),
    Date.parse('2026-05-01T12:00:05.657Z'),
  )
})

for (const [name, updated, at] of [
  ['a local offset', '2026-05-01T21:00:05.5+09:00', Date.parse('2026-05-01T12:00:05.5Z')],
  ['no time', undefined, undefined],
  ['not a time', 'yesterday-ish', undefined],
] as const) {
  lastChangeTest(`${name} → ${at}`, () => {
    assert.is(lastChange([{ revision: 1, status: 'pending-install', chart: 'loki-stack-2.10.3', updated }]), at)
  })
}

lastChangeTest('no history → undefined', () => {
  assert.is(lastChange([]), undefined)
})

lastChangeTest.run()

// decideRelease

const decideReleaseTest = suite('decideRelease')

const desired = { grafana: { enabled: false } }
const loki = aRelease({ name: 'loki', chart: 'loki-stack', version: '2.10.3', values: desired })
const lokiAt = (o: Parameters<typeof aReleaseState>[0] = {}) =>
  aReleaseState({ name: 'loki', chart: 'loki-stack', version: '2.10.3', revision: 3, ...o })
const now = Date.parse('2026-05-01T12:00:00Z')
const minutes = (n: number) => n * 60_000
/** --timeout 10m, now; an in-flight state last changed long ago unless the case says otherwise */
const decide = (found: ReleaseFound, opts: { desiredValues?: unknown; otherPins?: ChartPin[] } = {}) =>
  decideRelease(
    loki,
    { changedAt: now - minutes(60), ...found },
    { desiredValues: desired, ...opts, now, helmTimeoutMs: minutes(10) },
  )

decideReleaseTest('works: absent → install', () => {
  assert.equal(decide({}), { kind: 'install', reason: 'not installed' })
})

for (const [name, found, want, kind, extra] of [
  ['deployed, same version and values → skip', { state: lokiAt(), deployedValues: desired }, desired, 'skip', {}],
  ['version differs → upgrade', { state: lokiAt({ version: '2.10.1' }), deployedValues: desired }, desired, 'upgrade'],
  [
    'another chart under the name → replace (uninstall, then install)',
    { state: lokiAt({ chart: 'loki' }), deployedValues: desired },
    desired,
    'replace',
  ],
  ['values differ → upgrade', { state: lokiAt(), deployedValues: { grafana: { enabled: true } } }, desired, 'upgrade'],
  [
    'values added by hand (helm upgrade --set) → upgrade',
    { state: lokiAt(), deployedValues: { grafana: { enabled: false }, extra: 1 } },
    desired,
    'upgrade',
  ],
  ['`null` deployed values vs {} desired → skip', { state: lokiAt(), deployedValues: null }, {}, 'skip'],
  ['{} deployed values vs undefined desired → skip', { state: lokiAt(), deployedValues: {} }, undefined, 'skip'],
  [
    'pending-install older than --timeout, without a good revision → heal by uninstall',
    { state: lokiAt({ status: 'pending-install', revision: 1 }) },
    desired,
    'heal',
    { how: 'uninstall' },
  ],
  [
    'pending-upgrade older than --timeout, with a good revision → heal by rollback to it',
    { state: lokiAt({ status: 'pending-upgrade', revision: 4 }), goodRevision: 3 },
    desired,
    'heal',
    { how: 'rollback', revision: 3 },
  ],
  [
    'pending-rollback older than --timeout → heal',
    { state: lokiAt({ status: 'pending-rollback', revision: 5 }), goodRevision: 3 },
    desired,
    'heal',
    { how: 'rollback', revision: 3 },
  ],
  [
    'failed with a good revision → heal by rollback',
    { state: lokiAt({ status: 'failed', revision: 4 }), goodRevision: 2 },
    desired,
    'heal',
    { how: 'rollback', revision: 2 },
  ],
  [
    'failed install → heal by uninstall',
    { state: lokiAt({ status: 'failed', revision: 1 }) },
    desired,
    'heal',
    { how: 'uninstall' },
  ],
  [
    'failed a moment ago → heal at once: the operation has ended',
    { state: lokiAt({ status: 'failed', revision: 1 }), changedAt: now - 1000 },
    desired,
    'heal',
    { how: 'uninstall' },
  ],
  [
    'uninstalling older than --timeout → heal',
    { state: lokiAt({ status: 'uninstalling' }) },
    desired,
    'heal',
    { how: 'uninstall' },
  ],
] as [string, ReleaseFound, unknown, ReleaseAction['kind'], Record<string, unknown>?][]) {
  decideReleaseTest(name, () => {
    const action = decide(found, { desiredValues: want })
    assert.is(action.kind, kind, action.reason)
    for (const [k, v] of Object.entries(extra ?? {})) assert.is((action as Record<string, unknown>)[k], v, k)
  })
}

// a helm still running in another terminal was healed, i.e. uninstalled under itself.
for (const [status, changedAgo] of [
  ['pending-install', 1000],
  ['pending-upgrade', minutes(9)],
  ['pending-rollback', 0],
  ['uninstalling', minutes(5)],
] as const) {
  decideReleaseTest(`${status} changed ${changedAgo / 1000}s ago, within --timeout → wait, not heal`, () => {
    const action = decide({ state: lokiAt({ status, revision: 2 }), goodRevision: 1, changedAt: now - changedAgo })
    assert.is(action.kind, 'wait', action.reason)
    assert.is((action as { until: number }).until, now - changedAgo + minutes(10))
  })
}

decideReleaseTest('pending a moment ago, marked ended by the run whose helm wrote it → heal at once, said', () => {
  const found = { state: lokiAt({ status: 'pending-upgrade' as const, revision: 4 }), goodRevision: 3 }
  const action = decide({ ...found, changedAt: now - 1000, endedBy: 'pid 42 on laptop, 2026-05-01T11:59:59Z' })
  assert.equal(action, {
    kind: 'heal',
    how: 'rollback',
    revision: 3,
    reason:
      'release is pending-upgrade (revision 4), the helm that wrote it has ended, its run said' +
      ' (pid 42 on laptop, 2026-05-01T11:59:59Z)',
  })
  // the check can fail: unmarked, the same release is waited for
  assert.is(decide({ ...found, changedAt: now - 1000 }).kind, 'wait')
})

decideReleaseTest('exactly --timeout after its last change → heal', () => {
  const action = decide({ state: lokiAt({ status: 'pending-install', revision: 1 }), changedAt: now - minutes(10) })
  assert.is(action.kind, 'heal')
})

decideReleaseTest('a pending release whose last change is not known → wait the whole --timeout', () => {
  const action = decide({ state: lokiAt({ status: 'pending-install', revision: 1 }), changedAt: undefined })
  assert.equal(action.kind === 'wait' && action.until, now + minutes(10))
})

decideReleaseTest("a change stamped ahead of our clock counts as now's", () => {
  const action = decide({ state: lokiAt({ status: 'pending-install', revision: 1 }), changedAt: now + minutes(30) })
  assert.equal(action.kind === 'wait' && action.until, now + minutes(10))
})

decideReleaseTest("another profile's pin of the same chart (tempo 1.x → 2.x) → replace, saying so", () => {
  const tempo = aRelease({ name: 'tempo', chart: 'tempo', version: '2.2.4' })
  const seedTempo = aReleaseState({ name: 'tempo', chart: 'tempo', version: '1.24.4' })
  const action = decideRelease(
    tempo,
    { state: seedTempo, deployedValues: {} },
    { desiredValues: {}, otherPins: [{ chart: 'tempo', version: '1.24.4' }], now, helmTimeoutMs: minutes(10) },
  )
  assert.is(action.kind, 'replace')
  assert.is(action.reason, 'deployed is tempo 1.24.4, want tempo 2.2.4 (another --profile)')
})

decideReleaseTest('a version the user chose within the profile is an upgrade, not a replace', () => {
  const tempo = aRelease({ name: 'tempo', chart: 'tempo', version: '1.25.0' })
  const action = decideRelease(
    tempo,
    { state: aReleaseState({ name: 'tempo', chart: 'tempo', version: '1.24.4' }), deployedValues: {} },
    { desiredValues: {}, otherPins: [{ chart: 'tempo', version: '2.2.4' }], now, helmTimeoutMs: minutes(10) },
  )
  assert.is(action.kind, 'upgrade')
})

decideReleaseTest('the reasons say what was found', () => {
  assert.is(
    decide({ state: lokiAt({ version: '2.10.1' }), deployedValues: desired }).reason,
    'chart version 2.10.1 → 2.10.3',
  )
  assert.is(
    decide({ state: lokiAt(), deployedValues: desired }).reason,
    'deployed at 2.10.3, values unchanged (revision 3)',
  )
  assert.is(
    decide({ state: lokiAt({ status: 'pending-install', revision: 1 }) }).reason,
    'release is pending-install (revision 1), as an interrupted or failed run leaves it',
  )
  assert.is(
    decide({ state: lokiAt({ status: 'pending-install', revision: 1 }), changedAt: now - 12_000 }).reason,
    'release is pending-install (revision 1), last changed 12s ago: a helm operation may still be running on it;' +
      ' it is healed only once that change is older than --timeout (10m), in 9m48s',
  )
})

decideReleaseTest.run()

// the mark of a revision whose helm this run ended

const unfinishedTest = suite('revisionLeftPending, markEndedCmd, endedMarkCmd')

const ran = { startedAt: Date.parse('2026-05-01T12:00:00Z'), endedAt: Date.parse('2026-05-01T12:00:05Z') }
const entry = (revision: number, status: string, updated: string) => ({
  revision,
  status,
  chart: 'loki-2.10.3',
  updated,
})

unfinishedTest('works: the newest revision, pending, written since the helm started (helm writes nanoseconds)', () => {
  const history = [
    entry(2, 'pending-upgrade', '2026-05-01T12:00:01.123456789Z'),
    entry(1, 'deployed', '2026-04-01T10:00:00Z'),
  ]
  assert.is(revisionLeftPending(history, ran)?.revision, 2)
})

for (const [name, history] of [
  ['written before the helm started: not its own', [entry(2, 'pending-install', '2026-05-01T11:59:59Z')]],
  ["written after the helm ended: another run's", [entry(2, 'pending-install', '2026-05-01T12:00:06Z')]],
  ['the newest revision is not in flight (helm recorded it failed)', [entry(2, 'failed', '2026-05-01T12:00:01Z')]],
  [
    'an older revision pending, the newest deployed',
    [entry(3, 'deployed', '2026-05-01T12:00:02Z'), entry(2, 'pending-upgrade', '2026-05-01T12:00:01Z')],
  ],
  ['a time that does not parse', [entry(2, 'pending-install', 'yesterday')]],
  ['no history', []],
] as const)
  unfinishedTest(`none: ${name}`, () => {
    assert.is(revisionLeftPending([...history], ran), undefined)
  })

unfinishedTest("the mark goes on the revision's own Secret, replacing an earlier one", () => {
  const ref = { name: 'loki', namespace: 'monitoring' }
  assert.equal(markEndedCmd({ context: 'kind-kind' }, ref, 2, 'pid 42 on laptop, 2026-05-01T12:00:03Z').argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'annotate',
    'secret',
    'sh.helm.release.v1.loki.v2',
    '--namespace',
    'monitoring',
    'monitoring-stack.workshop/helm-ended=pid 42 on laptop, 2026-05-01T12:00:03Z',
    '--overwrite',
  ])
  assert.equal(endedMarkCmd({}, ref, 2).argv, [
    'kubectl',
    'get',
    'secret',
    'sh.helm.release.v1.loki.v2',
    '--namespace',
    'monitoring',
    '-o',
    'jsonpath={.metadata.annotations.monitoring-stack\\.workshop/helm-ended}',
  ])
})

unfinishedTest('the commands that write a release say which: what an interrupt may leave pending', () => {
  const release = aRelease({ name: 'tempo', namespace: 'monitoring' })
  const ref = { name: 'tempo', namespace: 'monitoring' }
  assert.equal(upgradeInstallCmd({}, release, { timeout: '10m' }).writes, ref)
  assert.equal(rollbackCmd({}, 'tempo', 'monitoring', 2).writes, ref)
  assert.equal(uninstallCmd({}, 'tempo', 'monitoring').writes, ref)
  assert.is(historyCmd({}, 'tempo', 'monitoring').writes, undefined)
})

unfinishedTest.run()

// normalizeValues

const normalizeValuesTest = suite('normalizeValues')

normalizeValuesTest('works: null is no values', () => {
  assert.equal(normalizeValues(null), {})
})

normalizeValuesTest('undefined is no values; anything else is itself', () => {
  assert.equal(normalizeValues(undefined), {})
  assert.equal(normalizeValues({ a: 1 }), { a: 1 })
})

normalizeValuesTest.run()

// mergeValues

const mergeValuesTest = suite('mergeValues')

mergeValuesTest('works: maps merge deeply', () => {
  assert.equal(mergeValues({ grafana: { enabled: true, sidecar: { a: 1 } } }, { grafana: { sidecar: { b: 2 } } }), {
    grafana: { enabled: true, sidecar: { a: 1, b: 2 } },
  })
})

for (const [name, layers, merged] of [
  [
    'lists replace, they do not append',
    [{ ds: [{ name: 'Loki' }] }, { ds: [{ name: 'Tempo' }] }],
    { ds: [{ name: 'Tempo' }] },
  ],
  ['the later layer wins', [{ a: 1 }, { a: 2 }, { a: 3 }], { a: 3 }],
  ['a scalar replaces a map', [{ a: { b: 1 } }, { a: 'x' }], { a: 'x' }],
  ['a map replaces a scalar', [{ a: 'x' }, { a: { b: 1 } }], { a: { b: 1 } }],
  ['an empty layer changes nothing', [{ a: 1 }, {}], { a: 1 }],
  ['layers that are not maps are skipped', [null, undefined, [1], { a: 1 }], { a: 1 }],
  ['nothing', [], {}],
] as [string, unknown[], Record<string, unknown>][]) {
  mergeValuesTest(name, () => {
    assert.equal(mergeValues(...layers), merged)
  })
}

mergeValuesTest('its inputs are left as they were', () => {
  const first = { grafana: { enabled: true } }
  const second = { grafana: { sidecar: { enabled: false } } }
  mergeValues(first, second)
  assert.equal(first, { grafana: { enabled: true } })
  assert.equal(second, { grafana: { sidecar: { enabled: false } } })
})

mergeValuesTest.run()

// setToValues

const setToValuesTest = suite('setToValues')

setToValuesTest('works: a dotted key becomes nested maps', () => {
  assert.equal(setToValues({ 'manager.collectorImage.repository': 'otel/opentelemetry-collector-k8s' }), {
    manager: { collectorImage: { repository: 'otel/opentelemetry-collector-k8s' } },
  })
})

setToValuesTest('keys sharing a prefix share the map', () => {
  assert.equal(setToValues({ 'a.b': '1', 'a.c': '2', d: '3' }), { a: { b: '1', c: '2' }, d: '3' })
})

setToValuesTest('values stay strings (--set-string)', () => {
  assert.equal(setToValues({ 'image.tag': '1.10' }), { image: { tag: '1.10' } })
})

setToValuesTest('nothing set: no values', () => {
  assert.equal(setToValues({}), {})
})

setToValuesTest.run()

// workloadsOfRelease

const workloadsOfReleaseTest = suite('workloadsOfRelease')
const owned = (kind: string, name: string, release: string, namespace = 'monitoring') => ({
  kind,
  metadata: {
    name,
    namespace,
    annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace },
  },
})

workloadsOfReleaseTest("works: the Deployments, StatefulSets and DaemonSets helm marks as the release's", () => {
  const objects = [
    owned('Deployment', 'loki-gateway', 'loki'),
    owned('StatefulSet', 'loki', 'loki'),
    owned('DaemonSet', 'loki-promtail', 'loki'),
    owned('Deployment', 'tempo-query', 'tempo'),
  ]
  assert.equal(workloadsOfRelease(objects, 'loki', 'monitoring'), [
    { kind: 'Deployment', name: 'loki-gateway', namespace: 'monitoring' },
    { kind: 'StatefulSet', name: 'loki', namespace: 'monitoring' },
    { kind: 'DaemonSet', name: 'loki-promtail', namespace: 'monitoring' },
  ])
})

workloadsOfReleaseTest(
  "an operator's workload (no helm annotations) and a same-named release elsewhere are not it",
  () => {
    const objects = [
      {
        kind: 'StatefulSet',
        metadata: { name: 'prometheus-kube-prometheus-stack-prometheus', namespace: 'monitoring', annotations: {} },
      },
      owned('StatefulSet', 'loki', 'loki', 'observability'),
    ]
    assert.equal(workloadsOfRelease(objects, 'loki', 'monitoring'), [])
    assert.equal(workloadsOfRelease(objects, 'kube-prometheus-stack', 'monitoring'), [])
  },
)

workloadsOfReleaseTest('other kinds helm owns are not waited on', () => {
  assert.equal(
    workloadsOfRelease([owned('Job', 'loki-migrate', 'loki'), owned('Service', 'loki', 'loki')], 'loki', 'monitoring'),
    [],
  )
})

workloadsOfReleaseTest.run()
