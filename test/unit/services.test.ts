import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { YAML } from 'zx'
import { buildConfig, releaseNamed, settingDefs } from '../../lib/core/config.ts'
import { moveToNamespace, parseUrl, serviceOfUrl } from '../../lib/core/services.ts'
import { planFor } from '../../lib/core/plan.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { namespaceSet, projectRoot, setToValues } from '../../lib/core/values.ts'
import { renderScript } from '../../lib/run/script.ts'

// serviceOfUrl

const serviceOfUrlTest = suite('serviceOfUrl')

const service = (text: string, podNamespace = 'observability') => serviceOfUrl(new URL(text), podNamespace)

for (const [text, want] of [
  ['http://loki.monitoring.svc.cluster.local:3100', { service: 'loki', namespace: 'monitoring', port: 3100 }],
  ['http://loki.monitoring.svc:3100/loki/api/v1/push', { service: 'loki', namespace: 'monitoring', port: 3100 }],
  [
    'http://kube-prometheus-stack-prometheus.monitoring:9090/',
    { service: 'kube-prometheus-stack-prometheus', namespace: 'monitoring', port: 9090 },
  ],
  ['http://loki:3100', { service: 'loki', namespace: 'observability', port: 3100 }],
  ['http://grafana', { service: 'grafana', namespace: 'observability', port: 80 }],
  ['https://tempo.tracing.svc', { service: 'tempo', namespace: 'tracing', port: 443 }],
] as const)
  serviceOfUrlTest(`${text}: service ${want.service} in ${want.namespace}, port ${want.port}`, () => {
    assert.equal(service(text), want)
  })

for (const text of [
  'https://prometheus-us-central1.grafana.net/api/prom',
  'http://10.96.0.12:3100',
  'http://[fd00::12]:3100',
  'http://localhost:3100',
  'http://loki.monitoring.svc.example.org:3100',
  'grpc://tempo.monitoring.svc',
])
  serviceOfUrlTest(`${text}: no Service of the cluster (or no port to tell)`, () => {
    assert.is(service(text), undefined)
  })

serviceOfUrlTest.run()

// moveToNamespace

const moveToNamespaceTest = suite('moveToNamespace')

moveToNamespaceTest('works: the namespace in the host is replaced, the rest left as written', () => {
  assert.is(
    moveToNamespace('http://loki.monitoring.svc.cluster.local:3100', 'monitoring', 'observability'),
    'http://loki.observability.svc.cluster.local:3100',
  )
  assert.is(
    moveToNamespace('http://user:pw@Tempo.Monitoring.svc:3200/api?x=monitoring', 'monitoring', 'obs'),
    'http://user:pw@tempo.obs.svc:3200/api?x=monitoring',
  )
})

for (const [name, text] of [
  ['another namespace', 'http://loki.team.svc.cluster.local:3100'],
  ['a bare name (it follows Grafana anyway)', 'http://loki:3100'],
  ['outside the cluster', 'https://monitoring.example.com/loki'],
  ['not a URL', 'loki.monitoring.svc.cluster.local'],
  ['no URL at all', 'Loki'],
])
  moveToNamespaceTest(`${name}: left alone`, () => {
    assert.is(moveToNamespace(text, 'monitoring', 'observability'), undefined)
  })

moveToNamespaceTest('the same namespace: nothing to move', () => {
  assert.is(moveToNamespace('http://loki.monitoring.svc:3100', 'monitoring', 'monitoring'), undefined)
})

moveToNamespaceTest.run()

// namespaceSet

const namespaceSetTest = suite('namespaceSet')

const grafanaValues = YAML.parse(fs.readFileSync(path.join(projectRoot, 'values', 'grafana-values.yaml'), 'utf8'))

namespaceSetTest("works: grafana-values.yaml's Loki and Tempo URLs, keyed as helm reads --set-string", () => {
  assert.equal(namespaceSet(grafanaValues, 'monitoring', 'observability'), {
    'grafana.additionalDataSources[0].url': 'http://loki.observability.svc.cluster.local:3100',
    'grafana.additionalDataSources[1].url': 'http://tempo.observability.svc.cluster.local:3200',
  })
})

namespaceSetTest("the seed's namespace itself: nothing to set", () => {
  assert.equal(namespaceSet(grafanaValues, 'monitoring', 'monitoring'), {})
})

namespaceSetTest('a key with a dot or a bracket is escaped as helm wants it', () => {
  const values = { podAnnotations: { 'push.url': 'http://loki.monitoring:3100', 'a[0]': 'http://x.monitoring' } }
  assert.equal(namespaceSet(values, 'monitoring', 'obs'), {
    'podAnnotations.push\\.url': 'http://loki.obs:3100',
    'podAnnotations.a\\[0]': 'http://x.obs',
  })
})

namespaceSetTest('set into the values, the result is the values with the URLs moved and nothing else changed', () => {
  const set = namespaceSet(grafanaValues, 'monitoring', 'observability')
  const moved = JSON.stringify(grafanaValues).replaceAll('.monitoring.', '.observability.')
  assert.equal(setToValues(set, grafanaValues), JSON.parse(moved))
})

namespaceSetTest.run()

// setToValues into values already there

const setIntoTest = suite('setToValues into values')

setIntoTest("works: a list entry's key is set in place, its other keys kept (as helm does)", () => {
  const base = {
    list: [
      { name: 'Loki', url: 'a' },
      { name: 'Tempo', url: 'b' },
    ],
  }
  assert.equal(setToValues({ 'list[1].url': 'c' }, base), {
    list: [
      { name: 'Loki', url: 'a' },
      { name: 'Tempo', url: 'c' },
    ],
  })
  assert.equal(base.list[1].url, 'b', 'the base is left as it was')
})

setIntoTest('an escaped dot is part of the key', () => {
  assert.equal(setToValues({ 'a\\.b.c': 'v' }, { x: 1 }), { x: 1, 'a.b': { c: 'v' } })
})

setIntoTest('a list where there was none, and a map where a list was', () => {
  assert.equal(setToValues({ 'a[1]': 'v', 'b.c': 'w' }, { b: [1] }), { a: [undefined, 'v'], b: { c: 'w' } })
})

setIntoTest.run()

// the config of --namespace

const configTest = suite('buildConfig --namespace')

const configFor = (argv: string[]) => buildConfig(parseSettings(settingDefs, argv, {}).values)

configTest("works: kube-prometheus-stack gets grafana-values.yaml and the datasources' URLs moved on top", () => {
  const release = releaseNamed(configFor(['--namespace=observability']), 'kube-prometheus-stack')
  assert.equal(release.set, {
    'grafana.additionalDataSources[0].url': 'http://loki.observability.svc.cluster.local:3100',
    'grafana.additionalDataSources[1].url': 'http://tempo.observability.svc.cluster.local:3200',
  })
  const urls = (release.values as any).grafana.additionalDataSources.map((d: { url: string }) => d.url)
  assert.equal(urls, [
    'http://loki.observability.svc.cluster.local:3100',
    'http://tempo.observability.svc.cluster.local:3200',
  ])
})

configTest('the default namespace: nothing set on top of the files', () => {
  const config = configFor([])
  assert.equal(releaseNamed(config, 'kube-prometheus-stack').set, {})
})

configTest("the current profile's Alloy pushes to the Loki of its own release's namespace", () => {
  const alloy = releaseNamed(configFor(['--profile=current', '--namespace=observability']), 'alloy')
  assert.equal(alloy.set, {}, 'helm fills the namespace in itself (the chart passes the config through tpl)')
  assert.match(
    (alloy.values as any).alloy.configMap.content,
    /url = "http:\/\/loki\.\{\{ \.Release\.Namespace \}\}\.svc/,
  )
})

configTest('the dry-run script carries it: the step a person copies moves the URLs as the run does', () => {
  const config = configFor(['--namespace=observability'])
  const script = renderScript(config, {}, planFor(config, ['lgtm']), { printedBy: 'test', cwd: projectRoot })
  const install = script.split('\n').find((l) => l.startsWith('helm upgrade --install kube-prometheus-stack '))
  assert.ok(install?.includes(' -f values/grafana-values.yaml '), install)
  assert.ok(
    install?.endsWith(
      " --set-string 'grafana.additionalDataSources[0].url=http://loki.observability.svc.cluster.local:3100'" +
        " --set-string 'grafana.additionalDataSources[1].url=http://tempo.observability.svc.cluster.local:3200'",
    ),
    install,
  )
})

configTest.run()

// parseUrl

const parseUrlTest = suite('parseUrl')

parseUrlTest('works: a URL, or undefined', () => {
  assert.is(parseUrl('http://loki:3100')?.port, '3100')
  assert.is(parseUrl('http//loki:3100'), undefined)
})

parseUrlTest.run()
