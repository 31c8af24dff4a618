// --namespace reaches everything: `npm run all -- --namespace=observability` installs the stack there
// with every datasource (and, in `current`, Alloy's push URL) pointing there, its report is green and
// names that namespace; a datasource that points at the seed's namespace (nothing there) or anywhere
// else without a serving Service is ❌, naming the datasource and the Service.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  kubectl,
  kubectlIn,
  kubectlJson,
  layers,
  releases,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  suiteProfiles,
  type Cluster,
  type Suite,
} from './harness.ts'

interface Check {
  id: string
  title: string
  ok: boolean
  detail: string
}

interface Report {
  ok: boolean
  namespace: string
  checks: Check[]
  next?: { namespace: string; collector: { traces: string; logs: string }; instrumentation: { endpoint: string } }
}

const NS = ['--namespace=observability']

for (const [layer, profile] of suiteLayers.flatMap((l) => suiteProfiles.map((p) => [l, p] as const))) {
  const test = suite(`--namespace=observability, --profile ${profile}, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster

  /** 05-verify --json in observability (the data path left out: these cases are about the datasources). */
  async function verify(env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number | null; report: Report }> {
    const run = await runScript(c, '05-verify.mts', [...NS, '--json', '--skip-data-checks'], { env })
    return { exitCode: run.exitCode, report: JSON.parse(run.stdout) }
  }
  const datasourceChecks = (report: Report) => report.checks.filter((k) => k.id.startsWith('datasource/'))
  const failed = (report: Report) => report.checks.filter((k) => !k.ok)

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s, { stackProfile: profile })
    await kubectl(c, 'create', 'namespace', 'ticketing')
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('works: `all --namespace=observability` is green, every datasource at a Service there', async () => {
    const run = await runScript(c, 'all.mts', NS)
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stdout, /✅ Prometheus, Grafana, Loki and Tempo pods are running in namespace observability\n/)
    // (its probe's label, monitoring-stack-verify, is no namespace)
    assert.not.match(run.stdout, /namespace monitoring|\.monitoring[.:/]|-n monitoring/, run.stdout)
    assert.match(run.stdout, /Next: section 06 creates, in namespace ticketing:/)
    assert.match(run.stdout, /traces to tempo\.observability\.svc\.cluster\.local:4317/)
    // what Grafana loads, as the cluster holds it
    const configMap = await kubectlJson(
      c,
      'get',
      'configmap',
      'kube-prometheus-stack-grafana-datasource',
      '-n',
      'observability',
    )
    const file = configMap.data['datasource.yaml'] as string
    assert.match(file, /url: http:\/\/loki\.observability\.svc\.cluster\.local:3100/)
    assert.match(file, /url: http:\/\/tempo\.observability\.svc\.cluster\.local:3200/)
    assert.not.match(file, /\.monitoring[.:]/)
    if (profile === 'current') {
      const alloy = await kubectlJson(c, 'get', 'configmap', 'alloy', '-n', 'observability')
      assert.match(
        alloy.data['config.alloy'],
        /"http:\/\/loki\.observability\.svc\.cluster\.local:3100\/loki\/api\/v1\/push"/,
      )
    }
    const { exitCode, report } = await verify()
    assert.is(exitCode, 0, JSON.stringify(failed(report)))
    assert.is(report.namespace, 'observability')
    assert.equal(report.next?.collector.logs, 'http://loki.observability.svc.cluster.local:3100/loki/api/v1/push')
    assert.equal(
      report.next?.instrumentation.endpoint,
      'http://otel-collector-collector.ticketing.svc.cluster.local:4317',
    )
    const stack = datasourceChecks(report).filter((k) => /^datasource\/(prometheus|loki|tempo)$/.test(k.id))
    assert.is(stack.length, 3, JSON.stringify(datasourceChecks(report)))
    for (const k of stack)
      assert.match(k.detail, /^→ service \S+ in namespace observability: port \d+, \d+ ready endpoints?/)
  })

  test('run again: the values on top of the files are those helm holds, nothing to do', async () => {
    const before = (await releases(c, 'observability')).map((r) => [r.name, r.revision])
    const run = await runScript(c, 'all.mts', [...NS, '--skip-data-checks'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /nothing to do/)
    assert.equal(
      (await releases(c, 'observability')).map((r) => [r.name, r.revision]),
      before,
    )
  })

  test('an extra labelled ConfigMap pointing at monitoring: ❌ naming the datasource and the Service', async () => {
    const configMap =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old-datasources\n  namespace: observability\n' +
      '  labels:\n    grafana_datasource: "1"\ndata:\n  old.yaml: |\n    apiVersion: 1\n    datasources:\n' +
      '    - name: Old Loki\n      type: loki\n      url: http://loki.monitoring.svc.cluster.local:3100\n'
    assert.is((await kubectlIn(c, configMap, 'apply', '-f', '-')).exitCode, 0)
    const { exitCode, report } = await verify()
    assert.is(exitCode, 1)
    assert.equal(
      failed(report).map((k) => [k.id, k.title, k.detail.replace(/ \(.*$/, '')]),
      [['datasource/old loki', 'Old Loki datasource', '→ service loki in namespace monitoring: not found']],
    )
    await kubectl(c, 'delete', 'configmap', 'old-datasources', '-n', 'observability')
    assert.is((await verify()).exitCode, 0)
  })

  test("a user's values pointing Tempo elsewhere: ❌ naming it, its Service, and the stack's own", async () => {
    const valuesDir = path.join(c.dir, 'my-values')
    fs.cpSync(path.join(root, 'values'), valuesDir, { recursive: true })
    const file = path.join(valuesDir, 'grafana-values.yaml')
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('http://tempo.monitoring.svc', 'http://tempo.tracing.svc'),
    )
    const env = { STACK_VALUES_DIR: valuesDir }
    const lgtm = await runScript(c, '02-lgtm.mts', NS, { env })
    assert.is(lgtm.exitCode, 0, lgtm.output)
    const { exitCode, report } = await verify(env)
    assert.is(exitCode, 1)
    const tempo = report.checks.find((k) => k.id === 'datasource/tempo')
    assert.match(
      tempo?.detail ?? '',
      /^→ service tempo in namespace tracing: not found; want service tempo:3200 in namespace observability /,
    )
    assert.equal(
      failed(report).map((k) => k.id),
      ['datasource/tempo'],
      'Loki, moved from monitoring with the stack, is fine',
    )
    const mend = await runScript(c, '02-lgtm.mts', NS)
    assert.is(mend.exitCode, 0, mend.output)
    assert.is((await verify()).exitCode, 0)
  })

  test.run()
}
