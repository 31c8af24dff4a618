import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { stackDatasources } from '../../lib/core/stack.ts'
import {
  checkDatasourceSet as setChecks,
  collectDatasources as collect,
  datasourceChecks as checksOf,
  judgeService as judge,
  namespacesOf,
  type NamespaceServices,
} from '../../lib/steps/datasources.ts'
import {
  english,
  aDatasource,
  aDatasourceConfigMap,
  aDatasourceFile,
  aDatasourceSecret,
  aProvisioned,
  aService,
  aStackDatasourceConfigMap,
  aStackServices,
  anEndpointSlice,
  stackDatasourceList,
} from './builders.ts'

// The functions as most assertions read them: in English (the Korean is checked on its own below)
const collectDatasources = (...a: Parameters<typeof collect>) => {
  const { datasources, problems } = collect(...a)
  return { datasources, problems: problems.map(english) }
}
const checkDatasourceSet = (...a: Parameters<typeof setChecks>) => {
  const { unique, oneDefault } = setChecks(...a)
  return { unique: english(unique), oneDefault: english(oneDefault) }
}
const datasourceChecks = (...a: Parameters<typeof checksOf>) => checksOf(...a).map(english)
const judgeService = (...a: Parameters<typeof judge>) => english(judge(...a))

// What kube-prometheus-stack provisions with grafana-values.yaml (seed §2.2): Prometheus (default)
// and Alertmanager from the chart, Loki and Tempo from additionalDataSources, all in one file.
const prometheus = aDatasource({
  name: 'Prometheus',
  type: 'prometheus',
  uid: 'prometheus',
  url: 'http://kube-prometheus-stack-prometheus.monitoring:9090/',
  isDefault: true,
})
const alertmanager = aDatasource({
  name: 'Alertmanager',
  type: 'alertmanager',
  uid: 'alertmanager',
  url: 'http://kube-prometheus-stack-alertmanager.monitoring:9093/',
})
const loki = aDatasource({ name: 'Loki', type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' })
const tempo = aDatasource({ name: 'Tempo', type: 'tempo', url: 'http://tempo.monitoring.svc.cluster.local:3200' })
const kpsConfigMap = (...datasources: unknown[]) =>
  aDatasourceConfigMap('kube-prometheus-stack-grafana-datasource', { 'datasource.yaml': aDatasourceFile(datasources) })
const kpsSource = 'configmap/kube-prometheus-stack-grafana-datasource (datasource.yaml)'

// What loki-stack adds by default (grafana.sidecar.datasources.enabled, loki.isDefault: true).
const lokiStackConfigMap = aDatasourceConfigMap('loki-loki-stack', {
  'loki-stack-datasource.yaml': aDatasourceFile([
    { name: 'Loki', type: 'loki', access: 'proxy', url: 'http://loki:3100', version: 1, isDefault: true, jsonData: {} },
  ]),
})
const lokiStackSource = 'configmap/loki-loki-stack (loki-stack-datasource.yaml)'

// collectDatasources

const collectDatasourcesTest = suite('collectDatasources')

collectDatasourcesTest('works: every datasource of a ConfigMap, with where it came from', () => {
  const { datasources, problems } = collectDatasources([kpsConfigMap(prometheus, alertmanager, loki, tempo)])
  assert.equal(problems, [])
  assert.equal(datasources, [
    {
      name: 'Prometheus',
      type: 'prometheus',
      url: 'http://kube-prometheus-stack-prometheus.monitoring:9090/',
      isDefault: true,
      source: kpsSource,
    },
    {
      name: 'Alertmanager',
      type: 'alertmanager',
      url: 'http://kube-prometheus-stack-alertmanager.monitoring:9093/',
      isDefault: false,
      source: kpsSource,
    },
    {
      name: 'Loki',
      type: 'loki',
      url: 'http://loki.monitoring.svc.cluster.local:3100',
      isDefault: false,
      source: kpsSource,
    },
    {
      name: 'Tempo',
      type: 'tempo',
      url: 'http://tempo.monitoring.svc.cluster.local:3200',
      isDefault: false,
      source: kpsSource,
    },
  ])
})

collectDatasourcesTest('a Secret: its data decoded from base64', () => {
  const { datasources, problems } = collectDatasources([
    aDatasourceSecret('extra-datasources', { 'tempo.yaml': aDatasourceFile([tempo]) }),
  ])
  assert.equal(problems, [])
  assert.equal(datasources, [
    {
      name: 'Tempo',
      type: 'tempo',
      url: 'http://tempo.monitoring.svc.cluster.local:3200',
      isDefault: false,
      source: 'secret/extra-datasources (tempo.yaml)',
    },
  ])
})

collectDatasourcesTest('several objects and several files: all of them, in order', () => {
  const { datasources } = collectDatasources([
    kpsConfigMap(prometheus),
    aDatasourceConfigMap('more', { 'a.yaml': aDatasourceFile([loki]), 'b.yaml': aDatasourceFile([tempo]) }),
  ])
  assert.equal(
    datasources.map((d) => `${d.name} ${d.source}`),
    [`Prometheus ${kpsSource}`, 'Loki configmap/more (a.yaml)', 'Tempo configmap/more (b.yaml)'],
  )
})

collectDatasourcesTest('isDefault as the string "true" counts as default', () => {
  const { datasources } = collectDatasources([kpsConfigMap(aDatasource({ name: 'Prometheus', isDefault: 'true' }))])
  assert.is(datasources[0].isDefault, true)
})

collectDatasourcesTest('invalid YAML is a parse problem naming the object and the key', () => {
  const { datasources, problems } = collectDatasources([
    aDatasourceConfigMap('broken', { 'datasource.yaml': 'datasources:\n  - name: Loki\n    url: [unclosed\n' }),
    kpsConfigMap(tempo),
  ])
  assert.is(problems.length, 1)
  assert.is(problems[0].check, 'parse')
  assert.match(problems[0].message, /^configmap\/broken \(datasource\.yaml\) is not valid YAML: /)
  assert.equal(
    datasources.map((d) => d.name),
    ['Tempo'],
    'the other objects are still read',
  )
})

collectDatasourcesTest('a datasource without a name is a parse problem', () => {
  const { datasources, problems } = collectDatasources([kpsConfigMap({ type: 'loki', url: 'http://loki:3100' })])
  assert.equal(datasources, [])
  assert.equal(problems, [{ check: 'parse', message: `${kpsSource} has a datasource without a name` }])
})

collectDatasourcesTest(
  'a file without datasources (e.g. only deleteDatasources) and an object without data: nothing',
  () => {
    const { datasources, problems } = collectDatasources([
      aDatasourceConfigMap('cleanup', { 'delete.yaml': 'apiVersion: 1\ndeleteDatasources:\n  - name: Old\n' }),
      { kind: 'ConfigMap', metadata: { name: 'empty' } },
      aDatasourceConfigMap('blank', { 'blank.yaml': '' }),
    ])
    assert.equal([datasources, problems], [[], []])
  },
)

collectDatasourcesTest('`datasources:` given as a map instead of a list is a parse problem, not a crash', () => {
  const broken = aDatasourceConfigMap('hand-made', {
    'datasource.yaml': 'apiVersion: 1\ndatasources:\n  name: Loki\n  type: loki\n',
  })
  const { datasources, problems } = collectDatasources([broken, kpsConfigMap(tempo)])
  assert.equal(
    datasources.map((d) => d.name),
    ['Tempo'],
  )
  assert.is(problems.length, 1)
  assert.is(problems[0].check, 'parse')
  assert.match(problems[0].message, /^configmap\/hand-made \(datasource\.yaml\)/)
})

collectDatasourcesTest.run()

// checkDatasourceSet

const checkDatasourceSetTest = suite('checkDatasourceSet')

const setOf = (...objects: Parameters<typeof collectDatasources>[0]) =>
  checkDatasourceSet(collectDatasources(objects).datasources)

checkDatasourceSetTest("works: kube-prometheus-stack's Prometheus default, Alertmanager, Loki and Tempo", () => {
  const result = setOf(kpsConfigMap(prometheus, alertmanager, loki, tempo))
  assert.equal(result.unique, { ok: true, detail: '4 datasources: Prometheus, Alertmanager, Loki, Tempo' })
  assert.equal(result.oneDefault, { ok: true, detail: `Prometheus (${kpsSource})` })
})

checkDatasourceSetTest("loki-stack's own ConfigMap (the real gotcha): a duplicate Loki and a second default", () => {
  const result = setOf(kpsConfigMap(prometheus, alertmanager, loki, tempo), lokiStackConfigMap)
  assert.is(result.unique.ok, false)
  assert.is(result.unique.detail, `"Loki" 2× (${kpsSource}, ${lokiStackSource})`)
  assert.is(result.oneDefault.ok, false)
  assert.is(
    result.oneDefault.detail,
    `2 defaults: Prometheus (${kpsSource}), Loki (${lokiStackSource}); Grafana refuses more than one`,
  )
})

checkDatasourceSetTest('two defaults, names unique', () => {
  const result = setOf(kpsConfigMap(prometheus, aDatasource({ ...loki, isDefault: true }), tempo))
  assert.is(result.unique.ok, true)
  assert.is(result.oneDefault.ok, false)
  assert.match(result.oneDefault.detail, /^2 defaults: Prometheus .*, Loki /)
})

checkDatasourceSetTest('no default', () => {
  const result = setOf(kpsConfigMap(aDatasource({ ...prometheus, isDefault: false }), loki, tempo))
  assert.equal(result.oneDefault, { ok: false, detail: 'none is marked isDefault' })
})

checkDatasourceSetTest('nothing provisioned at all: no default, and nothing to be duplicated', () => {
  const result = checkDatasourceSet([])
  assert.equal(result.unique, { ok: true, detail: 'no datasources provisioned' })
  assert.is(result.oneDefault.ok, false)
})

checkDatasourceSetTest.run()

// namespacesOf

const namespacesOfTest = suite('namespacesOf')

namespacesOfTest("works: each namespace the datasources' hosts name, once; a bare name is Grafana's own", () => {
  const datasources = [
    aProvisioned({ url: 'http://kube-prometheus-stack-prometheus.observability:9090/' }),
    aProvisioned({ url: 'http://loki.monitoring.svc.cluster.local:3100' }),
    aProvisioned({ url: 'http://tempo.monitoring.svc:3200' }),
    aProvisioned({ url: 'http://grafana-image-renderer:8081' }),
  ]
  assert.equal(namespacesOf(datasources, 'observability'), ['observability', 'monitoring'])
})

namespacesOfTest('hosts outside the cluster, no URL, or no URL at all name no namespace', () => {
  const datasources = [
    aProvisioned({ url: 'https://prometheus-us-central1.grafana.net/api/prom' }),
    aProvisioned({ url: 'not a url' }),
    aProvisioned({ url: undefined }),
  ]
  assert.equal(namespacesOf(datasources, 'monitoring'), [])
})

namespacesOfTest.run()

// judgeService

const judgeServiceTest = suite('judgeService')

const lokiTarget = { service: 'loki', namespace: 'observability', port: 3100 }
const lokiPorts = { 'http-metrics': 3100, grpc: 9095 }
const lokiIn = (o: Partial<NamespaceServices> = {}): NamespaceServices => ({
  services: [aService('loki', lokiPorts, { namespace: 'observability' })],
  endpointSlices: [anEndpointSlice('loki', lokiPorts, { namespace: 'observability' })],
  ...o,
})

judgeServiceTest('works: the Service, its port, and how many endpoints are ready', () => {
  assert.equal(judgeService(lokiTarget, lokiIn()), { ok: true, detail: 'port 3100, 1 ready endpoint' })
  const three = lokiIn({ endpointSlices: [anEndpointSlice('loki', lokiPorts, { ready: [true, undefined, false] })] })
  assert.equal(judgeService(lokiTarget, three), { ok: true, detail: 'port 3100, 2 ready endpoints' })
})

for (const [name, ns, detail] of [
  ['no such Service', lokiIn({ services: [aService('tempo', { http: 3200 })] }), 'not found'],
  ['the namespace holds nothing (or does not exist)', undefined, 'not found'],
  [
    'the Service lacks the port',
    lokiIn({ services: [aService('loki', { grpc: 9095 })] }),
    'no port 3100 (it has 9095)',
  ],
  ['no EndpointSlice at all (no pod selected)', lokiIn({ endpointSlices: [] }), 'no ready endpoints on port 3100'],
  [
    'every endpoint not ready',
    lokiIn({ endpointSlices: [anEndpointSlice('loki', lokiPorts, { ready: [false, false] })] }),
    'no ready endpoints on port 3100 (2 not ready)',
  ],
  [
    "ready endpoints of another Service's slice",
    lokiIn({ endpointSlices: [anEndpointSlice('loki-headless', lokiPorts)] }),
    'no ready endpoints on port 3100',
  ],
  [
    "a slice without the port's name (the pods do not serve it)",
    lokiIn({ endpointSlices: [anEndpointSlice('loki', { grpc: 9095 })] }),
    'no ready endpoints on port 3100',
  ],
] as const)
  judgeServiceTest(`${name}: ${detail}`, () => {
    assert.equal(judgeService(lokiTarget, ns), { ok: false, detail })
  })

judgeServiceTest('a port without a name: matched by the slice port without one', () => {
  const svc = { ...aService('loki', {}), spec: { ports: [{ port: 3100, targetPort: 3100 }] } }
  const slice = { ...anEndpointSlice('loki', {}), ports: [{ port: 3100, protocol: 'TCP' }] }
  assert.equal(judgeService(lokiTarget, { services: [svc], endpointSlices: [slice] }).ok, true)
})

judgeServiceTest('Services not readable in that namespace: failed, saying why', () => {
  const forbidden = 'services is forbidden: User "dev" cannot list resource "services" in the namespace "team"'
  assert.equal(judgeService(lokiTarget, lokiIn({ unreadable: forbidden })), {
    ok: false,
    detail: `could not be read: ${forbidden}`,
  })
})

judgeServiceTest('an ExternalName Service: not followed, not failed', () => {
  const svc = { ...aService('loki', {}), spec: { type: 'ExternalName', externalName: 'loki.example.com' } }
  assert.equal(judgeService(lokiTarget, { services: [svc], endpointSlices: [] }), {
    ok: true,
    detail: 'an ExternalName for loki.example.com: not followed',
  })
})

judgeServiceTest.run()

// datasourceChecks

const datasourceChecksTest = suite('datasourceChecks')

const expectIn = (namespace: string) => ({
  grafanaNamespace: namespace,
  stackNamespace: namespace,
  backends: stackDatasources,
})
const provisioned = (namespace: string) =>
  collectDatasources([aStackDatasourceConfigMap(stackDatasourceList(namespace))]).datasources
const verdicts = (checks: { id: string; ok: boolean }[]) => checks.map((c) => [c.id, c.ok])

datasourceChecksTest("works: Prometheus, Loki and Tempo each at the stack's Service, which serves", () => {
  const checks = datasourceChecks(
    provisioned('observability'),
    { observability: aStackServices('observability') },
    expectIn('observability'),
  )
  assert.equal(verdicts(checks), [
    ['datasource/prometheus', true],
    ['datasource/loki', true],
    ['datasource/tempo', true],
  ])
  assert.equal(
    checks.map((c) => [c.group, c.title]),
    [
      ['datasources', 'Prometheus datasource'],
      ['datasources', 'Loki datasource'],
      ['datasources', 'Tempo datasource'],
    ],
  )
  assert.is(
    checks[0].detail,
    '→ service kube-prometheus-stack-prometheus in namespace observability: port 9090, 1 ready endpoint ' +
      `(http://kube-prometheus-stack-prometheus.observability:9090/, ${kpsSource})`,
  )
})

datasourceChecksTest("a bare host is a Service in Grafana's namespace", () => {
  const bare = collectDatasources([
    kpsConfigMap(aDatasource({ name: 'Loki', type: 'loki', url: 'http://loki:3100' })),
  ]).datasources
  const [check] = datasourceChecks(
    bare,
    { observability: aStackServices('observability') },
    {
      ...expectIn('observability'),
      backends: [],
    },
  )
  assert.is(check.ok, true, check.detail)
  assert.match(check.detail, /^→ service loki in namespace observability: port 3100/)
})

datasourceChecksTest('the stack moved, the datasources not: each fails, naming its Service and where to point', () => {
  const checks = datasourceChecks(
    provisioned('monitoring'),
    { observability: aStackServices('observability') },
    expectIn('observability'),
  )
  assert.equal(verdicts(checks), [
    ['datasource/prometheus', false],
    ['datasource/loki', false],
    ['datasource/tempo', false],
  ])
  assert.is(
    checks[1].detail,
    '→ service loki in namespace monitoring: not found; want service loki:3100 in namespace observability ' +
      `(http://loki.monitoring.svc.cluster.local:3100, ${kpsSource})`,
  )
  assert.match(checks[1].hint ?? '', /the stack's are in namespace observability/)
})

datasourceChecksTest(
  "a second datasource of a backend's type, elsewhere and serving: fine beside the stack's own",
  () => {
    const team = aDatasource({ name: 'Team Loki', type: 'loki', url: 'http://loki.team.svc:3100' })
    const datasources = collectDatasources([
      aStackDatasourceConfigMap([...stackDatasourceList('monitoring'), team]),
    ]).datasources
    const checks = datasourceChecks(
      datasources,
      { monitoring: aStackServices('monitoring'), team: aStackServices('team') },
      expectIn('monitoring'),
    )
    assert.ok(
      checks.every((c) => c.ok),
      JSON.stringify(checks),
    )
    assert.match(checks[3].detail, /^→ service loki in namespace team: port 3100, 1 ready endpoint/)
  },
)

datasourceChecksTest('a backend without any datasource of its type: a check says it is missing', () => {
  const checks = datasourceChecks(
    provisioned('monitoring').slice(0, 2),
    { monitoring: aStackServices() },
    expectIn('monitoring'),
  )
  assert.equal(checks.at(-1), {
    id: 'datasource/tempo',
    group: 'datasources',
    title: 'Tempo datasource',
    ok: false,
    detail: 'missing: no datasource of type tempo',
    hint: 'check grafana-values.yaml (grafana.additionalDataSources) and re-run scripts/02-lgtm.mts',
  })
})

datasourceChecksTest('outside the cluster, no URL: not checked; not a URL: failed', () => {
  const datasources = [
    aProvisioned({ name: 'Cloud', type: 'prometheus', url: 'https://prometheus-us-central1.grafana.net/api/prom' }),
    aProvisioned({ name: 'TestData', type: 'grafana-testdata-datasource', url: undefined }),
    aProvisioned({ name: 'Typo', type: 'jaeger', url: 'http//jaeger:16686' }),
  ]
  const checks = datasourceChecks(datasources, {}, { ...expectIn('monitoring'), backends: [] })
  assert.equal(
    checks.map((c) => [c.ok, c.detail.replace(/ \(.*$/, '')]),
    [
      [true, 'not a Service of the cluster: not checked'],
      [true, 'no URL: not checked'],
      [false, '"http//jaeger:16686" is not a URL'],
    ],
  )
})

datasourceChecksTest('two datasources of one name: each its own check, the second one numbered', () => {
  const datasources = collectDatasources([kpsConfigMap(prometheus, loki, tempo), lokiStackConfigMap]).datasources
  const checks = datasourceChecks(datasources, { monitoring: aStackServices() }, expectIn('monitoring'))
  assert.equal(
    checks.map((c) => c.id),
    ['datasource/prometheus', 'datasource/loki', 'datasource/tempo', 'datasource/loki-2'],
  )
  assert.match(
    checks[3].detail,
    new RegExp(`^→ service loki in namespace monitoring: .*${lokiStackSource.replace(/[()]/g, '\\$&')}`),
  )
})

datasourceChecksTest('in Korean: the same facts, in Korean words; names, URLs and sources as they are', () => {
  const [moved] = checksOf(
    collect([kpsConfigMap(loki)]).datasources,
    { observability: aStackServices('observability') },
    { ...expectIn('observability'), backends: stackDatasources.filter((b) => b.type === 'loki') },
  )
  assert.is(moved.title.ko, 'Loki 데이터소스')
  assert.is(
    moved.detail.ko,
    '→ monitoring 네임스페이스의 서비스 loki: 없음; ' +
      '필요한 것: observability 네임스페이스의 서비스 loki:3100 ' +
      `(http://loki.monitoring.svc.cluster.local:3100, ${kpsSource})`,
  )
  assert.match(moved.hint?.ko ?? '', /스택의 Service는 observability 네임스페이스에 있습니다$/)
  const { unique, oneDefault } = setChecks(collect([kpsConfigMap(prometheus, loki), lokiStackConfigMap]).datasources)
  assert.is(unique.detail.ko, `"Loki" 2개 (${kpsSource}, ${lokiStackSource})`)
  assert.match(oneDefault.detail.ko, /^기본값 2개: .*Grafana는 둘 이상을 거부합니다$/)
})

datasourceChecksTest.run()
