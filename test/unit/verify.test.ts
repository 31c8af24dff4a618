import fs from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { releaseNamed } from '../../lib/core/config.ts'
import { buildReport as build } from '../../lib/steps/verify.ts'
import { renderJson } from '../../lib/ui/report.ts'
import {
  aConfig,
  aDatasource,
  aRelease,
  aDatasourceConfigMap,
  aDatasourceFile,
  aDatasourceSecret,
  aDeployment,
  aPod,
  aReleaseState,
  aSnapshot,
  aStackDatasourceConfigMap,
  aStackServices,
  aStatefulSet,
  anEndpointSlice,
  stackDatasourceList,
  english,
  type SnapshotOptions,
} from './builders.ts'

/** The report with each check's words in English, as most assertions read them (Korean: its own tests). */
const buildReport = (...a: Parameters<typeof build>) => {
  const built = build(...a)
  return { ...built, checks: built.checks.map(english) }
}

const report = (o: SnapshotOptions = {}) => buildReport(o.config ?? aConfig(), aSnapshot(o))

/** The one check with this id (fails the test when there is none, or more than one). */
function check(o: SnapshotOptions, id: string) {
  const found = report(o).checks.filter((c) => c.id === id)
  assert.is(found.length, 1, `${found.length} checks with id ${id}`)
  return found[0]
}

const failedIds = (o: SnapshotOptions) =>
  report(o)
    .checks.filter((c) => !c.ok)
    .map((c) => c.id)

const prometheus = aDatasource({
  name: 'Prometheus',
  type: 'prometheus',
  url: 'http://kube-prometheus-stack-prometheus.monitoring:9090/',
  isDefault: true,
})
const loki = aDatasource({ name: 'Loki', type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' })
const tempo = aDatasource({ name: 'Tempo', type: 'tempo', url: 'http://tempo.monitoring.svc.cluster.local:3200' })

// buildReport

const buildReportTest = suite('buildReport')

buildReportTest("works: a healthy stack passes every check of the seed's checkpoint list", () => {
  const r = report()
  assert.is(r.ok, true)
  assert.equal(
    r.checks.filter((c) => !c.ok),
    [],
  )
  assert.equal(
    r.checks.map((c) => c.id),
    [
      'workload/kube-prometheus-stack-operator',
      'workload/prometheus-kube-prometheus-stack-prometheus',
      'workload/kube-prometheus-stack-grafana',
      'workload/loki',
      'workload/loki-promtail',
      'workload/tempo',
      'workload/opentelemetry-operator',
      'workload/cert-manager',
      'workload/cert-manager-cainjector',
      'workload/cert-manager-webhook',
      'webhook/cert-manager',
      'webhook/operator',
      'release/kube-prometheus-stack',
      'release/loki',
      'release/tempo',
      'release/opentelemetry-operator',
      'datasource/prometheus',
      'datasource/loki',
      'datasource/tempo',
      'datasource/unique-names',
      'datasource/one-default',
    ],
  )
  assert.ok(
    r.checks.every((c) => c.hint === undefined),
    'no hint on a passed check',
  )
})

buildReportTest('each check in the group of its checkpoint', () => {
  const groups = Object.fromEntries(report().checks.map((c) => [c.id, c.group]))
  assert.is(groups['workload/tempo'], 'monitoring')
  assert.is(groups['workload/opentelemetry-operator'], 'operator')
  assert.is(groups['workload/cert-manager-webhook'], 'cert-manager')
  assert.is(groups['webhook/operator'], 'operator')
  assert.is(groups['release/tempo'], 'releases')
  assert.is(groups['datasource/one-default'], 'datasources')
})

buildReportTest('a ready workload says how many are ready', () => {
  assert.is(check({}, 'workload/loki-promtail').detail, 'daemonset/loki-promtail 2/2 ready')
})

// workloads

for (const [name, missing, script] of [
  ['a workload of §2', 'tempo', 'scripts/02-lgtm.mts'],
  ['the operator of §4', 'opentelemetry-operator', 'scripts/04-otel-operator.mts'],
  ['a cert-manager deployment of §3', 'cert-manager-webhook', 'scripts/03-cert-manager.mts'],
]) {
  buildReportTest(`${name} missing: not found, and the hint names the script that creates it`, () => {
    const c = check({ missing: [missing] }, `workload/${missing}`)
    assert.is(c.ok, false)
    assert.match(c.detail, new RegExp(`^(deployment|statefulset)/${missing} not found$`))
    assert.is(c.hint, `run ${script}`)
    assert.equal(failedIds({ missing: [missing] }), [`workload/${missing}`])
  })
}

buildReportTest('a namespace not read at all: its workloads are not found', () => {
  const config = aConfig()
  const snap = aSnapshot()
  delete snap.namespaces['cert-manager']
  const failed = buildReport(config, snap)
    .checks.filter((c) => !c.ok)
    .map((c) => c.id)
  assert.equal(failed, ['workload/cert-manager', 'workload/cert-manager-cainjector', 'workload/cert-manager-webhook'])
})

buildReportTest('a workload of the same name but another kind does not count', () => {
  const c = check({ missing: ['tempo'], workloads: [aDeployment({ name: 'tempo' })] }, 'workload/tempo')
  assert.is(c.ok, false)
  assert.is(c.detail, 'statefulset/tempo not found')
})

const operatorNotAvailable = aDeployment({
  name: 'opentelemetry-operator',
  labels: { 'app.kubernetes.io/name': 'opentelemetry-operator' },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
})
const operatorPod = (o: Parameters<typeof aPod>[0] = {}) =>
  aPod({ name: 'opentelemetry-operator-5d8f-x', labels: { 'app.kubernetes.io/name': 'opentelemetry-operator' }, ...o })

buildReportTest(
  'a workload not ready with a pod stuck pulling its image: the pod, the reason and the message, and the image hint',
  () => {
    const pod = operatorPod({
      containers: [
        {
          name: 'manager',
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "ghcr.io/open-telemetry/operator:bad"',
          },
        },
      ],
    })
    const c = check({ workloads: [operatorNotAvailable], pods: [pod] }, 'workload/opentelemetry-operator')
    assert.is(c.ok, false)
    assert.is(
      c.detail,
      'deployment/opentelemetry-operator 0/1 available — opentelemetry-operator-5d8f-x: ' +
        'ImagePullBackOff (Back-off pulling image "ghcr.io/open-telemetry/operator:bad")',
    )
    assert.match(c.hint ?? '', /^check the image name and tag/)
  },
)

buildReportTest("in Korean: the row's own words Korean, the pod's reason and message as Kubernetes said them", () => {
  const message = 'Back-off pulling image "ghcr.io/open-telemetry/operator:bad"'
  const pod = operatorPod({ containers: [{ name: 'manager', waiting: { reason: 'ImagePullBackOff', message } }] })
  const failed = aReleaseState({ name: 'loki', chart: 'loki-stack', version: '2.10.3', status: 'failed', revision: 2 })
  const snap = aSnapshot({
    workloads: [operatorNotAvailable],
    pods: [pod],
    notInstalled: ['tempo'],
    releases: [failed],
  })
  const checks = build(aConfig(), snap).checks
  const operator = checks.find((c) => c.id === 'workload/opentelemetry-operator')!
  assert.is(
    operator.detail.ko,
    'deployment/opentelemetry-operator 0/1 사용 가능 — ' +
      `opentelemetry-operator-5d8f-x: ImagePullBackOff (${message})`,
  )
  assert.match(operator.hint?.ko ?? '', /^이미지 이름과 태그/)
  const tempo = checks.find((c) => c.id === 'release/tempo')!
  assert.equal([tempo.title.ko, tempo.detail.ko], ['helm 릴리스 tempo', '설치되지 않음'])
  assert.match(tempo.hint?.ko ?? '', /^scripts\/02-lgtm\.mts를 실행하세요 \(릴리스를 설치/)
  // helm's word for the state stays, after a Korean one
  const loki = checks.find((c) => c.id === 'release/loki')!
  assert.match(
    loki.detail.ko,
    /^상태 failed, loki-stack 2\.10\.3 \(리비전 2\); 필요한 것: 상태 deployed, loki-stack 2\.10\.\d+$/,
  )
})

buildReportTest('a pod problem without a message: no empty parentheses', () => {
  const pod = operatorPod({ containers: [{ waiting: { reason: 'ErrImagePull' } }] })
  const c = check({ workloads: [operatorNotAvailable], pods: [pod] }, 'workload/opentelemetry-operator')
  assert.is(c.detail, 'deployment/opentelemetry-operator 0/1 available — opentelemetry-operator-5d8f-x: ErrImagePull')
})

buildReportTest('a pod that cannot be scheduled: Unschedulable and the hint about room on the node', () => {
  const c = check(
    {
      workloads: [operatorNotAvailable],
      pods: [operatorPod({ unschedulable: { message: '0/1 nodes are available: 1 Insufficient memory.' } })],
    },
    'workload/opentelemetry-operator',
  )
  assert.ok(
    c.detail.endsWith(
      ' — opentelemetry-operator-5d8f-x: Unschedulable (0/1 nodes are available: 1 Insufficient memory.)',
    ),
    c.detail,
  )
  assert.match(c.hint ?? '', /no room for this pod/)
})

buildReportTest('a workload not ready with no pod problem to name: wait, or describe it in its namespace', () => {
  const c = check(
    { workloads: [operatorNotAvailable], pods: [operatorPod({ containers: [{ ready: false }] })] },
    'workload/opentelemetry-operator',
  )
  assert.is(c.ok, false)
  assert.is(c.detail, 'deployment/opentelemetry-operator 0/1 available')
  assert.is(
    c.hint,
    'wait a minute and run the verify again, or see: kubectl describe deployment/opentelemetry-operator -n monitoring',
  )
})

buildReportTest('a pod of another workload is not blamed', () => {
  const lokiPod = aPod({
    name: 'loki-0',
    labels: { 'app.kubernetes.io/name': 'loki' },
    containers: [{ waiting: { reason: 'ImagePullBackOff' } }],
  })
  const c = check({ workloads: [operatorNotAvailable], pods: [lokiPod] }, 'workload/opentelemetry-operator')
  assert.is(c.detail, 'deployment/opentelemetry-operator 0/1 available')
})

buildReportTest('a ready workload with one stuck pod (a rollout to come): ok, and the pod is not mentioned', () => {
  const c = check(
    { pods: [operatorPod({ containers: [{ waiting: { reason: 'ImagePullBackOff' } }] })] },
    'workload/opentelemetry-operator',
  )
  assert.is(c.ok, true)
  assert.is(c.detail, 'deployment/opentelemetry-operator 1/1 available')
  assert.is(c.hint, undefined)
})

buildReportTest('a workload whose controller has not seen its last change: not ready', () => {
  const c = check(
    {
      workloads: [
        aStatefulSet({
          name: 'tempo',
          generation: 2,
          status: { observedGeneration: 1, replicas: 1, readyReplicas: 1 },
        }),
      ],
    },
    'workload/tempo',
  )
  assert.is(c.ok, false)
  assert.is(c.detail, 'statefulset/tempo waiting for its controller')
})

// releases

buildReportTest(
  'a release at another version: not ok, says what is there and what is wanted, and which script heals it',
  () => {
    const c = check(
      { releases: [aReleaseState({ name: 'tempo', chart: 'tempo', version: '1.23.0', revision: 3 })] },
      'release/tempo',
    )
    assert.is(c.ok, false)
    assert.is(c.detail, 'deployed, tempo 1.23.0 (revision 3); want deployed tempo 1.24.4')
    assert.is(c.hint, 'run scripts/02-lgtm.mts (it installs, upgrades or heals the release)')
  },
)

buildReportTest('a release of another chart (same name): not ok', () => {
  const c = check({ releases: [aReleaseState({ name: 'loki', chart: 'loki', version: '2.10.3' })] }, 'release/loki')
  assert.is(c.ok, false)
  assert.is(c.detail, 'deployed, loki 2.10.3 (revision 1); want deployed loki-stack 2.10.3')
})

for (const status of ['pending-upgrade', 'pending-install', 'failed']) {
  buildReportTest(`a release ${status} at the right version: not ok`, () => {
    const c = check(
      {
        releases: [
          aReleaseState({
            name: 'opentelemetry-operator',
            chart: 'opentelemetry-operator',
            version: '0.122.0',
            status,
            revision: 2,
          }),
        ],
      },
      'release/opentelemetry-operator',
    )
    assert.is(c.ok, false)
    assert.is(
      c.detail,
      `${status}, opentelemetry-operator 0.122.0 (revision 2); want deployed opentelemetry-operator 0.122.0`,
    )
    assert.is(c.hint, 'run scripts/04-otel-operator.mts (it installs, upgrades or heals the release)')
  })
}

buildReportTest('a release not installed: says so', () => {
  const c = check({ notInstalled: ['loki'] }, 'release/loki')
  assert.is(c.ok, false)
  assert.is(c.detail, 'not installed')
  assert.is(c.hint, 'run scripts/02-lgtm.mts (it installs, upgrades or heals the release)')
})

buildReportTest("the versions wanted are the config's, not the defaults", () => {
  const config = aConfig()
  config.releases = config.releases.map((r) => (r.name === 'tempo' ? { ...r, version: '1.23.0' } : r))
  const snap = aSnapshot({ config: aConfig() }) // tempo deployed at the default, 1.24.4
  const c = buildReport(config, snap).checks.find((x) => x.id === 'release/tempo')
  assert.is(c?.ok, false)
  assert.is(c?.detail, 'deployed, tempo 1.24.4 (revision 1); want deployed tempo 1.23.0')
})

// webhooks

for (const [webhook, id, script] of [
  ['cert-manager', 'webhook/cert-manager', 'scripts/03-cert-manager.mts'],
  ['operator', 'webhook/operator', 'scripts/04-otel-operator.mts'],
] as const) {
  buildReportTest(`${id} not answering: the reason as detail, and the script that waits for it`, () => {
    const said = 'Error from server (InternalError): failed calling webhook: connection refused'
    const answer = { en: said, ko: `거부됨 — ${said}` }
    const c = check({ webhooks: { [webhook]: answer } }, id)
    assert.is(c.ok, false)
    assert.is(c.detail, said)
    assert.is(c.hint, `run ${script}: it waits until the webhook answers`)
    assert.equal(failedIds({ webhooks: { [webhook]: answer } }), [id])
  })
}

buildReportTest('a webhook answering: a server-side dry-run passed', () => {
  assert.is(check({}, 'webhook/operator').detail, 'a server-side dry-run passed')
})

// datasources

buildReportTest('a datasource missing: its check fails, saying what to check', () => {
  const o = { datasourceObjects: [aStackDatasourceConfigMap([prometheus, loki])] }
  const c = check(o, 'datasource/tempo')
  assert.is(c.ok, false)
  assert.is(c.detail, 'missing: no datasource of type tempo')
  assert.match(c.hint ?? '', /grafana\.additionalDataSources/)
  assert.equal(failedIds(o), ['datasource/tempo'])
})

buildReportTest('each datasource followed to its Service: the port and the ready endpoints', () => {
  assert.is(
    check({}, 'datasource/loki').detail,
    '→ service loki in namespace monitoring: port 3100, 1 ready endpoint ' +
      '(http://loki.monitoring.svc.cluster.local:3100,' +
      ' configmap/kube-prometheus-stack-grafana-datasource (datasource.yaml))',
  )
})

/** The config of --namespace=`namespace`: the stack and its releases there. */
function inNamespace(namespace: string) {
  const config = aConfig({ namespace })
  return { ...config, releases: config.releases.map((r) => ({ ...r, namespace })) }
}

buildReportTest('--namespace=observability: the datasources must point there, not at monitoring', () => {
  const config = inNamespace('observability')
  const good = { config, services: { observability: aStackServices('observability') } }
  const goodOnes = { ...good, datasourceObjects: [aStackDatasourceConfigMap(stackDatasourceList('observability'))] }
  assert.equal(failedIds(goodOnes), [])
  // a datasource left at the seed's namespace: its Service is not found there
  const left = { ...good, datasourceObjects: [aStackDatasourceConfigMap([prometheus, loki, tempo])] }
  const c = check(left, 'datasource/loki')
  assert.is(c.ok, false)
  assert.match(
    c.detail,
    /^→ service loki in namespace monitoring: not found; want service loki:3100 in namespace observability /,
  )
  assert.equal(failedIds(left), ['datasource/prometheus', 'datasource/loki', 'datasource/tempo'])
})

buildReportTest("a datasource at another stack's Service: found and ready, but not the stack's own", () => {
  const config = inNamespace('observability')
  const o = {
    config,
    services: { observability: aStackServices('observability'), monitoring: aStackServices('monitoring') },
    datasourceObjects: [aStackDatasourceConfigMap([...stackDatasourceList('observability').slice(0, 2), tempo])],
  }
  const c = check(o, 'datasource/tempo')
  assert.is(c.ok, false)
  assert.match(
    c.detail,
    /^→ service tempo in namespace monitoring: port 3200, 1 ready endpoint; want service tempo:3200 in namespace obs/,
  )
  assert.match(c.hint ?? '', /^point it at the stack in namespace observability/)
})

buildReportTest('a Service without ready endpoints: the datasource fails, naming the Service', () => {
  const services = aStackServices()
  services.endpointSlices = services.endpointSlices.map((s) =>
    s.metadata.labels?.['kubernetes.io/service-name'] === 'tempo'
      ? anEndpointSlice('tempo', { 'tempo-prom-metrics': 3200 }, { ready: [false] })
      : s,
  )
  const c = check({ services: { monitoring: services } }, 'datasource/tempo')
  assert.is(c.ok, false)
  assert.match(c.detail, /^→ service tempo in namespace monitoring: no ready endpoints on port 3200 \(1 not ready\)/)
})

buildReportTest('an extra datasource outside the cluster: not checked, not failed', () => {
  const external = aDatasource({ name: 'Cloud', type: 'prometheus', url: 'https://prometheus.example.com/api/prom' })
  const c = check(
    { datasourceObjects: [aStackDatasourceConfigMap([prometheus, loki, tempo, external])] },
    'datasource/cloud',
  )
  assert.is(c.ok, true)
  assert.match(c.detail, /^not a Service of the cluster: not checked/)
})

buildReportTest(
  "a duplicate name (loki-stack's own datasource): names not unique, the hint points at loki-stack's values",
  () => {
    const lokiStack = aDatasourceConfigMap('loki-loki-stack', {
      'loki-stack-datasource.yaml': aDatasourceFile([aDatasource({ name: 'Loki', url: 'http://loki:3100' })]),
    })
    const o = { datasourceObjects: [aStackDatasourceConfigMap(), lokiStack] }
    const c = check(o, 'datasource/unique-names')
    assert.is(c.ok, false)
    assert.match(c.detail, /^"Loki" 2× \(/)
    assert.match(
      c.hint ?? '',
      /loki-stack.*grafana\.sidecar\.datasources\.enabled=false.*values\/loki-stack-values\.yaml/,
    )
    assert.equal(failedIds(o), ['datasource/unique-names'])
  },
)

buildReportTest('two defaults: not exactly one, the hint says which to keep', () => {
  const o = { datasourceObjects: [aStackDatasourceConfigMap([prometheus, { ...loki, isDefault: true }, tempo])] }
  const c = check(o, 'datasource/one-default')
  assert.is(c.ok, false)
  assert.match(c.detail, /^2 defaults: Prometheus .*, Loki .*; Grafana refuses more than one$/)
  assert.is(c.hint, 'set isDefault: false on all but Prometheus (values/*.yaml), then run scripts/02-lgtm.mts')
  assert.equal(failedIds(o), ['datasource/one-default'])
})

buildReportTest('no default: the hint says kube-prometheus-stack provisions it', () => {
  const c = check(
    { datasourceObjects: [aStackDatasourceConfigMap([{ ...prometheus, isDefault: false }, loki, tempo])] },
    'datasource/one-default',
  )
  assert.is(c.ok, false)
  assert.is(c.detail, 'none is marked isDefault')
  assert.is(c.hint, 'kube-prometheus-stack provisions Prometheus as the default: run scripts/02-lgtm.mts')
})

buildReportTest('no datasource objects at all: each expected one missing, and no default', () => {
  assert.equal(failedIds({ datasourceObjects: [] }), [
    'datasource/prometheus',
    'datasource/loki',
    'datasource/tempo',
    'datasource/one-default',
  ])
})

buildReportTest('a datasource file that is not YAML: a failed check naming the object and key', () => {
  const broken = aDatasourceConfigMap('broken', {
    'datasource.yaml': 'datasources:\n  - name: Loki\n    url: [unclosed\n',
  })
  const o = { datasourceObjects: [aStackDatasourceConfigMap(), broken] }
  const c = check(o, 'datasource/parse')
  assert.is(c.ok, false)
  assert.is(c.group, 'datasources')
  assert.match(c.detail, /^configmap\/broken \(datasource\.yaml\) is not valid YAML: /)
  assert.equal(failedIds(o), ['datasource/parse'])
})

buildReportTest('a Secret whose datasource has no name: a parse check naming the secret', () => {
  const c = check(
    {
      datasourceObjects: [
        aStackDatasourceConfigMap(),
        aDatasourceSecret('extra', { 'x.yaml': aDatasourceFile([{ type: 'loki' }]) }),
      ],
    },
    'datasource/parse',
  )
  assert.is(c.detail, 'secret/extra (x.yaml) has a datasource without a name')
})

buildReportTest('everything wrong at once: every problem reported, none hides another', () => {
  const failed = failedIds({
    missing: ['tempo'],
    notInstalled: ['opentelemetry-operator'],
    webhooks: {
      operator: {
        en: 'not installed (its CRDs are missing)',
        ko: '설치되지 않음 (CRD가 없습니다)',
      },
    },
    datasourceObjects: [aStackDatasourceConfigMap([prometheus, loki])],
  })
  assert.equal(failed, ['workload/tempo', 'webhook/operator', 'release/opentelemetry-operator', 'datasource/tempo'])
  assert.is(report({ missing: ['tempo'] }).ok, false)
})

// the checkpoint lines come from the plan: a step added to the table brings its lines

buildReportTest('a release added to the table brings its workload and release lines, a webhook its own', () => {
  const base = aConfig()
  const extra = aRelease({
    name: 'pyroscope',
    chart: 'pyroscope',
    version: '1.0.0',
    workloads: [{ kind: 'StatefulSet', name: 'pyroscope', title: 'Pyroscope', seedPod: 'pyroscope-0' }],
  })
  const ids = report({ config: { ...base, releases: [...base.releases, extra] } }).checks.map((c) => c.id)
  assert.ok(ids.includes('workload/pyroscope') && ids.includes('release/pyroscope'), ids.join(' '))
  const withoutOperator = { ...base, releases: base.releases.filter((r) => r.name !== 'opentelemetry-operator') }
  const left = report({ config: withoutOperator }).checks.map((c) => c.id)
  assert.not.ok(left.includes('webhook/operator') || left.includes('release/opentelemetry-operator'), left.join(' '))
  assert.ok(left.includes('webhook/cert-manager'))
})

// --json, pinned: scripts read its words, which a Korean locale must not change (nor should anything else, unasked)

buildReportTest('--json says every kind of check as before, byte for byte (test/unit/verify-report.json)', () => {
  const config = aConfig()
  const kps = releaseNamed(config, 'kube-prometheus-stack')
  const pod = operatorPod({
    containers: [
      { name: 'manager', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x:bad"' } },
    ],
  })
  const elsewhere = aDatasource({ name: 'Loki', type: 'loki', url: 'http://loki.elsewhere.svc:3100', isDefault: true })
  const refused = 'Error from server (InternalError): failed calling webhook'
  const snap = aSnapshot({
    missing: ['tempo', 'cert-manager-webhook'],
    workloads: [operatorNotAvailable],
    pods: [pod],
    notInstalled: ['loki'],
    releases: [aReleaseState({ name: kps.name, chart: kps.chart, version: '80.0.0', status: 'failed' })],
    webhooks: {
      'cert-manager': { en: 'not installed (its CRDs are missing)', ko: '설치되지 않음 (CRD가 없습니다)' },
      operator: { en: refused, ko: `거부됨 — ${refused}` },
    },
    datasourceObjects: [
      aStackDatasourceConfigMap([prometheus, elsewhere, elsewhere]),
      aDatasourceConfigMap('broken', { 'datasource.yaml': 'datasources:\n  - url: [unclosed\n' }),
    ],
  })
  const pinned = fs.readFileSync(new URL('./verify-report.json', import.meta.url), 'utf8')
  // the file ends with a newline, as text files do; the JSON printed does not
  assert.fixture(`${renderJson(build(config, snap))}\n`, pinned)
})

buildReportTest.run()
