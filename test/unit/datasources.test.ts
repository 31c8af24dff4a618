import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { expectedDatasources } from '../../lib/core/stack.ts'
import { checkDatasources, collectDatasources } from '../../lib/steps/datasources.ts'
import { aDatasource, aDatasourceConfigMap, aDatasourceFile, aDatasourceSecret, aProvisioned } from './builders.ts'

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

// checkDatasources

const checkDatasourcesTest = suite('checkDatasources')

const check = (...objects: Parameters<typeof collectDatasources>[0]) =>
  checkDatasources(collectDatasources(objects).datasources, expectedDatasources)

checkDatasourcesTest("works: kube-prometheus-stack's Prometheus default, Loki and Tempo at the seed URLs", () => {
  const result = check(kpsConfigMap(prometheus, alertmanager, loki, tempo))
  assert.equal(result.present, [
    { name: 'Loki', ok: true, detail: `http://loki.monitoring.svc.cluster.local:3100 (${kpsSource})` },
    { name: 'Tempo', ok: true, detail: `http://tempo.monitoring.svc.cluster.local:3200 (${kpsSource})` },
  ])
  assert.equal(result.unique, { ok: true, detail: '4 datasources: Prometheus, Alertmanager, Loki, Tempo' })
  assert.equal(result.oneDefault, { ok: true, detail: `Prometheus (${kpsSource})` })
})

checkDatasourcesTest('Loki missing: not ok, says what is wanted and what to check', () => {
  const [lokiCheck, tempoCheck] = check(kpsConfigMap(prometheus, tempo)).present
  assert.is(lokiCheck.ok, false)
  assert.is(
    lokiCheck.detail,
    'missing; want http://loki.monitoring.svc.cluster.local:3100: ' +
      'check grafana-values.yaml (grafana.additionalDataSources) and re-run scripts/02-lgtm.mts',
  )
  assert.is(tempoCheck.ok, true)
})

checkDatasourcesTest('Tempo at a wrong URL: the detail says what was found and what is wanted', () => {
  const wrong = aDatasource({ name: 'Tempo', type: 'tempo', url: 'http://tempo:3100' })
  const tempoCheck = check(kpsConfigMap(prometheus, loki, wrong)).present[1]
  assert.is(tempoCheck.ok, false)
  assert.is(
    tempoCheck.detail,
    `found at http://tempo:3100 type tempo (${kpsSource}), ` +
      'want http://tempo.monitoring.svc.cluster.local:3200 type tempo',
  )
})

checkDatasourcesTest('Loki with the wrong type: not ok', () => {
  const wrong = aDatasource({ name: 'Loki', type: 'prometheus', url: 'http://loki.monitoring.svc.cluster.local:3100' })
  const lokiCheck = check(kpsConfigMap(prometheus, wrong, tempo)).present[0]
  assert.is(lokiCheck.ok, false)
  assert.match(lokiCheck.detail, /type prometheus .*want .* type loki$/)
})

checkDatasourcesTest("loki-stack's own ConfigMap (the real gotcha): a duplicate Loki and a second default", () => {
  const result = check(kpsConfigMap(prometheus, alertmanager, loki, tempo), lokiStackConfigMap)
  assert.is(result.present[0].ok, true, "the seed's Loki is there")
  assert.is(result.unique.ok, false)
  assert.is(result.unique.detail, `"Loki" 2× (${kpsSource}, ${lokiStackSource})`)
  assert.is(result.oneDefault.ok, false)
  assert.is(
    result.oneDefault.detail,
    `2 defaults: Prometheus (${kpsSource}), Loki (${lokiStackSource}); Grafana refuses more than one`,
  )
})

checkDatasourcesTest('two defaults, names unique', () => {
  const result = check(kpsConfigMap(prometheus, aDatasource({ ...loki, isDefault: true }), tempo))
  assert.is(result.unique.ok, true)
  assert.is(result.oneDefault.ok, false)
  assert.match(result.oneDefault.detail, /^2 defaults: Prometheus .*, Loki /)
})

checkDatasourcesTest('no default', () => {
  const result = check(kpsConfigMap(aDatasource({ ...prometheus, isDefault: false }), loki, tempo))
  assert.equal(result.oneDefault, { ok: false, detail: 'none is marked isDefault' })
})

checkDatasourcesTest('nothing provisioned at all: every check fails', () => {
  const result = checkDatasources([], expectedDatasources)
  assert.equal(
    result.present.map((p) => p.ok),
    [false, false],
  )
  assert.is(result.unique.ok, true)
  assert.is(result.oneDefault.ok, false)
})

checkDatasourcesTest("the expected list is the seed's", () => {
  assert.equal(expectedDatasources, [
    { name: 'Loki', type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' },
    { name: 'Tempo', type: 'tempo', url: 'http://tempo.monitoring.svc.cluster.local:3200' },
  ])
})

checkDatasourcesTest('works from provisioned datasources directly', () => {
  const result = checkDatasources(
    [aProvisioned({ name: 'Prometheus', type: 'prometheus', url: 'http://p:9090', isDefault: true }), aProvisioned()],
    [{ name: 'Loki', type: 'loki', url: 'http://loki.monitoring.svc.cluster.local:3100' }],
  )
  assert.equal([result.present[0].ok, result.unique.ok, result.oneDefault.ok], [true, true, true])
})

checkDatasourcesTest.run()
