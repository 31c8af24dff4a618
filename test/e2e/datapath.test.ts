// Data in, data out, on a simulated cluster whose Services have backends behind them (the real
// Prometheus server; protocol fakes of Loki, Tempo and Grafana: kube-sim/backends): every
// data-path check green on a good install, leaving nothing behind; and each failure a backend can
// have makes its own checkpoint ❌ with the backend's words, while the others stay green.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  kubectl,
  kubectlIn,
  kubectlJson,
  knownSecrets,
  layers,
  leakedChildren,
  leakedSecrets,
  outputs,
  runScript,
  startCluster,
  startScript,
  until,
  startSuite,
  suiteLayers,
  suiteProfiles,
  writesBesidesTheLock,
  type Cluster,
  type Suite,
} from './harness.ts'

interface Check {
  id: string
  group: string
  ok: boolean
  detail: string
  hint?: string
}

const dataPathIds = (checks: Record<string, Check>) =>
  Object.keys(checks).filter((id) => /^(data|grafana|operator)\//.test(id))

for (const [layer, profile] of suiteLayers.flatMap((l) => suiteProfiles.map((p) => [l, p] as const))) {
  const test = suite(`data in, data out, --profile ${profile}, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster
  const firstOutput = outputs.length

  /** 05-verify --json: its exit code, and its checks by id. */
  async function report(args: string[] = []): Promise<{ exitCode: number | null; checks: Record<string, Check> }> {
    const run = await runScript(c, '05-verify.mts', ['--json', ...args])
    const parsed = JSON.parse(run.stdout)
    return { exitCode: run.exitCode, checks: Object.fromEntries(parsed.checks.map((k: Check) => [k.id, k])) }
  }

  /**
   * The report with one thing broken: that check ❌, and every other data-path check still ✅ but
   * those named in `alsoFailing` (Grafana's health check of the same backend).
   */
  async function onlyFails(id: string, alsoFailing: string[] = []): Promise<Check> {
    const { exitCode, checks } = await report()
    assert.is(exitCode, 1)
    assert.ok(checks[id], `no check ${id} among ${Object.keys(checks).join(', ')}`)
    assert.is(checks[id].ok, false, checks[id].detail)
    assert.equal(
      dataPathIds(checks).filter((k) => !checks[k].ok),
      [id, ...alsoFailing],
    )
    return checks[id]
  }

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s, { stackProfile: profile })
    await kubectl(c, 'create', 'namespace', 'ticketing')
    const run = await runScript(c, 'all.mts')
    assert.is(run.exitCode, 0, run.output)
    const secret = await kubectlJson(
      c,
      'get',
      'secret',
      'kube-prometheus-stack-grafana',
      '-n',
      'monitoring',
      '-o',
      'json',
    )
    // Grafana's admin password: no output of these runs may show it
    knownSecrets.push(Buffer.from(secret.data['admin-password'], 'base64').toString('utf8'))
  })
  test.after.each(() => {
    const { faults } = c.backends
    for (const backend of Object.values(faults)) for (const key of Object.keys(backend)) delete backend[key as never]
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('a good install: each data-path check green, in its group; nothing written, nothing left running', async () => {
    const { result, writes } = await writesBesidesTheLock(c, () => report())
    const { exitCode, checks } = result
    assert.is(exitCode, 0, JSON.stringify(checks, null, 1))
    assert.equal(dataPathIds(checks), [
      'data/prometheus-ready',
      'data/up/kube-prometheus-stack-prometheus',
      'data/up/kube-state-metrics',
      'data/up/node-exporter',
      'data/loki-ready',
      'data/loki-roundtrip',
      'data/log-shipper',
      'data/tempo-ready',
      'data/tempo-roundtrip',
      'grafana/health',
      'grafana/sign-in',
      ...['prometheus', 'alertmanager', 'loki', 'tempo'].map((d) => `grafana/datasource/${d}`),
      'operator/section-06',
    ])
    assert.equal([...new Set(dataPathIds(checks).map((id) => checks[id].group))], ['data', 'grafana', 'section-06'])
    assert.match(checks['data/log-shipper'].detail, /lines of the pods arrive/)
    assert.match(checks['operator/section-06'].detail, /admitted in ticketing/)
    // a server-side dry run stores nothing; the line and the span live in Loki and Tempo only
    assert.equal(writes, [])
    assert.equal(leakedChildren(c), [])
  })

  test('the table: the three groups, their Korean headings and rows under a Korean locale', async () => {
    const run = await runScript(c, '05-verify.mts', [], { env: { LANG: 'ko_KR.UTF-8' } })
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stdout, /✅ Prometheus, Loki, Tempo가 데이터를 받아 돌려준다/)
    assert.match(run.stdout, /✅ Grafana가 정상이고/)
    assert.match(run.stdout, /✅ OpenTelemetry Operator가 06장에서 만들/)
    assert.match(run.stdout, /✅ Loki: 로그 한 줄 넣고 읽기 +한 줄을 푸시하고 \{.*\}로 다시 읽었습니다/)
  })

  test("kubectl proxy's socket folder is gone once the report is out", async () => {
    const run = await runScript(c, '05-verify.mts', ['--verbose'])
    const socket = /kubectl proxy --unix-socket=(\S+)/.exec(run.output)?.[1]
    assert.ok(socket, run.output)
    assert.not.ok(fs.existsSync(path.dirname(socket)), `${path.dirname(socket)} is left`)
  })

  test("Loki refuses the push: ❌ for the round trip, in Loki's words", async () => {
    c.backends.faults.loki.pushRefused = { status: 429, message: 'Ingestion rate limit exceeded for user fake' }
    const check = await onlyFails('data/loki-roundtrip')
    assert.match(check.detail, /^the push was refused: HTTP 429: Ingestion rate limit exceeded for user fake$/)
    assert.match(check.hint ?? '', /kubectl logs -n monitoring statefulset\/loki/)
  })

  test("Loki's ingester not ready: ❌ Loki ready, with Loki's reason, and Grafana's Loki datasource", async () => {
    c.backends.faults.loki.notReady = 'Ingester not ready: waiting for 15s after being ready'
    // Grafana's own health check of Loki asks the same /ready
    const check = await onlyFails('data/loki-ready', ['grafana/datasource/loki'])
    assert.is(check.detail, 'HTTP 503: Ingester not ready: waiting for 15s after being ready')
  })

  test('a scrape target down: ❌ for its job, naming the target', async () => {
    c.backends.faults.prometheus.scrapeDown = '^kube-prometheus-stack-kube-state-metrics-'
    await untilUp(c, 'kube-state-metrics', '0')
    const check = await onlyFails('data/up/kube-state-metrics')
    assert.match(check.detail, /^1 of 1 down: \S+$/)
    assert.match(check.hint ?? '', /proxy\/api\/v1\/targets\?state=active/)
    delete c.backends.faults.prometheus.scrapeDown
    await untilUp(c, 'kube-state-metrics', '1')
  })

  test("Tempo's receiver refuses the span: ❌ for Tempo's round trip, naming the port", async () => {
    c.backends.faults.tempo.receiverRefused = { status: 503, message: 'server is not ready' }
    const check = await onlyFails('data/tempo-roundtrip')
    assert.match(check.detail, /^the span \(OTLP\/HTTP, port 4318\) was refused: HTTP 503: server is not ready$/)
  })

  test('a datasource that reaches nothing: ❌ for that datasource with what Grafana says', async () => {
    const datasources =
      'datasources:\n- name: Elsewhere\n  type: loki\n  url: http://loki.elsewhere.svc.cluster.local:3100\n'
    const configMap = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: elsewhere-datasource, namespace: monitoring, labels: {grafana_datasource: "1"}}',
      `data: {elsewhere.yaml: ${JSON.stringify(datasources)}}`,
    ].join('\n')
    await kubectlIn(c, configMap, 'apply', '-f', '-')
    try {
      const { exitCode, checks } = await report()
      assert.is(exitCode, 1)
      const check = checks['grafana/datasource/elsewhere']
      assert.is(check?.ok, false, JSON.stringify(check))
      assert.match(
        check.detail,
        /^ERROR: Unable to connect with Loki .*loki\.elsewhere\.svc\.cluster\.local.*no such host/,
      )
      assert.is(checks['grafana/datasource/loki'].ok, true)
    } finally {
      await kubectl(c, 'delete', 'configmap', 'elsewhere-datasource', '-n', 'monitoring')
    }
  })

  test("Grafana's admin password changed in Grafana: ❌ sign-in naming the Secret, never the password", async () => {
    c.backends.faults.grafana.passwordChanged = 'changed-in-the-ui'
    const { exitCode, checks } = await report()
    assert.is(exitCode, 1)
    const check = checks['grafana/sign-in']
    assert.is(check.ok, false)
    assert.match(
      check.detail,
      /^Grafana refused the credentials of Secret monitoring\/kube-prometheus-stack-grafana: HTTP 401/,
    )
    assert.match(check.hint ?? '', /reset-admin-password/)
    assert.equal(
      dataPathIds(checks).filter((id) => id.startsWith('grafana/datasource/')),
      [],
    )
    assert.is(checks['grafana/health'].ok, true)
  })

  test('Grafana unhealthy: ❌ Grafana healthy, with its database state', async () => {
    c.backends.faults.grafana.unhealthy = true
    const check = await onlyFails('grafana/health')
    assert.is(check.detail, 'database failing')
  })

  test("the operator's webhook does not answer: ❌ for section 06's objects with kubectl's reason", async () => {
    const configurations = await kubectlJson(c, 'get', 'mutatingwebhookconfigurations', '-o', 'json')
    const names: string[] = configurations.items
      .map((w: { metadata: { name: string } }) => w.metadata.name)
      .filter((n: string) => n.startsWith('opentelemetry-operator'))
    assert.ok(names.length, 'the operator has a webhook configuration')
    for (const name of names) c.sim.faults.webhooks.neverReady(name)
    try {
      const { checks } = await report()
      const check = checks['operator/section-06']
      assert.is(check.ok, false)
      assert.match(check.detail, /failed calling webhook/)
      assert.match(check.hint ?? '', /04-otel-operator/)
    } finally {
      c.sim.faults.webhooks.clear()
    }
  })

  test('--skip-data-checks: none of them, and no kubectl proxy started', async () => {
    const run = await runScript(c, '05-verify.mts', ['--json', '--verbose', '--skip-data-checks'])
    assert.is(run.exitCode, 0, run.output)
    const ids = JSON.parse(run.stdout).checks.map((k: Check) => k.id)
    assert.equal(dataPathIds(Object.fromEntries(ids.map((id: string) => [id, {}]))), [])
    assert.not.match(run.output, /kubectl proxy/)
  })

  test('interrupted while a check waits: kubectl proxy ends with the run, its folder too', async () => {
    // without node-exporter's ServiceMonitor its job leaves `up`, and the report waits for it to come back
    const monitor = await kubectlJson(c, 'get', 'servicemonitor', '-n', 'monitoring', '-o', 'json')
    const nodeExporter = monitor.items.find((m: { spec: { jobLabel?: string }; metadata: { name: string } }) =>
      /node-exporter/.test(m.metadata.name),
    )
    await kubectl(c, 'delete', 'servicemonitor', nodeExporter.metadata.name, '-n', 'monitoring')
    try {
      await untilUp(c, 'node-exporter', 'absent')
      const run = startScript(c, '05-verify.mts', ['--verbose'])
      await until('the report to start kubectl proxy', () => /kubectl proxy --unix-socket=/.test(run.output()))
      const socket = /kubectl proxy --unix-socket=(\S+)/.exec(run.output())![1]
      run.signal('SIGINT')
      const done = await run.done
      assert.is(done.exitCode, 130, done.output)
      assert.equal(leakedChildren(c), [])
      assert.not.ok(fs.existsSync(path.dirname(socket)), `${path.dirname(socket)} is left`)
    } finally {
      const { uid, resourceVersion, creationTimestamp, managedFields, ...metadata } = nodeExporter.metadata
      await kubectlIn(c, JSON.stringify({ ...nodeExporter, metadata }), 'create', '-f', '-')
      await untilUp(c, 'node-exporter', '1')
    }
  })

  test("no output of these runs shows Grafana's password or the kubeconfig's token", () => {
    assert.equal(leakedSecrets(outputs.slice(firstOutput)), [])
  })

  test.run()
}

/**
 * Waits until Prometheus' `up` for every target of the job is `value`, or until the job has no
 * target at all (`absent`); it scrapes every 2 s here.
 */
async function untilUp(c: Cluster, job: string, value: '0' | '1' | 'absent'): Promise<void> {
  const query =
    '/api/v1/namespaces/monitoring/services/kube-prometheus-stack-prometheus:9090/proxy/api/v1/query?query=' +
    encodeURIComponent(`up{job="${job}"}`)
  for (let i = 0; ; i++) {
    const answer = JSON.parse((await kubectl(c, 'get', '--raw', query)).stdout)
    const values: string[] = answer.data.result.map((r: { value: [number, string] }) => r.value[1])
    if (value === 'absent' ? !values.length : values.length && values.every((v) => v === value)) return
    if (i >= 60) throw new Error(`up{job="${job}"} is ${values.join(',') || 'empty'}, not ${value}, after 60 tries`)
    await new Promise((r) => setTimeout(r, 500))
  }
}
