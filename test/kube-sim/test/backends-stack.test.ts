// The stack's backends behind the real charts' Services (kube-prometheus-stack 88.5.3, loki-stack
// 2.10.3, tempo 1.24.4 in `monitoring`), reached through the API server's service proxy with the
// real kubectl: the real Prometheus answers `up` for its operator-generated jobs, a line pushed to
// Loki and a span sent to Tempo come back, promtail ships the pods' lines, Grafana signs in with
// its chart's Secret and finds each provisioned datasource healthy; and each fails as it would.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, type ProcessPromise } from 'zx'
import { kubectl, kubectlIn, kubectlJson, startWorld, type World } from '../world.ts'
import { eventually, installChart, toolBin } from './api-harness.ts'

const ns = 'monitoring'
const svc = (name: string, rest: string) => `/api/v1/namespaces/${ns}/services/${name}/proxy${rest}`

const kpsValues = `
grafana:
  additionalDataSources:
    - {name: Loki, type: loki, url: "http://loki.monitoring.svc.cluster.local:3100", access: proxy}
    - {name: Tempo, type: tempo, url: "http://tempo.monitoring.svc.cluster.local:3200", access: proxy}
`
const lokiValues = `
grafana: {enabled: false, sidecar: {datasources: {enabled: false}}}
prometheus: {enabled: false}
`

const test = suite<{ world: World; proxy: ProcessPromise; url: string }>('backends behind the real charts')

test.before(async (ctx) => {
  ctx.world = await startWorld({ bin: await toolBin('v35'), helmMajor: 4 })
  const created = await kubectl(ctx.world, 'create', 'namespace', ns)
  assert.is(created.exitCode, 0, created.stderr)
  const install = (name: string, chart: string, values?: string) => installChart(ctx.world, ns, name, chart, values)
  await Promise.all([
    install('kube-prometheus-stack', 'prometheus-community/kube-prometheus-stack-88.5.3.tgz', kpsValues),
    install('loki', 'grafana/loki-stack-2.10.3.tgz', lokiValues),
    install('tempo', 'grafana/tempo-1.24.4.tgz'),
  ])
  ctx.proxy = $({ env: ctx.world.env, quiet: true, nothrow: true })`kubectl proxy --port=0`
  ctx.url = await new Promise<string>((resolve, reject) => {
    let said = ''
    ctx.proxy.stdout.on('data', (chunk: Buffer) => {
      said += chunk
      const m = /Starting to serve on ([\d.]+:\d+)/.exec(said)
      if (m) resolve(`http://${m[1]}`)
    })
    void ctx.proxy.then((out) => reject(new Error(`kubectl proxy ended: ${out.stderr}`)))
  })
})

test.after(async (ctx) => {
  ctx.proxy?.kill('SIGTERM')
  await ctx.proxy?.nothrow()
  await ctx.world?.stop()
})

/** `up` per job: '1' or '0' for each target. */
async function up(world: World): Promise<Record<string, string[]>> {
  const out = await kubectl(
    world,
    'get',
    '--raw',
    svc('kube-prometheus-stack-prometheus:9090', '/api/v1/query?query=up'),
  )
  assert.is(out.exitCode, 0, out.stderr)
  const result: { metric: Record<string, string>; value: [number, string] }[] = JSON.parse(out.stdout).data.result
  const jobs: Record<string, string[]> = {}
  for (const r of result) (jobs[r.metric.job] ??= []).push(r.value[1])
  return jobs
}

const JOBS = ['kube-prometheus-stack-prometheus', 'kube-state-metrics', 'node-exporter']

test('the real Prometheus: up for itself, kube-state-metrics and node-exporter, labelled as the operator does', async ({
  world,
}) => {
  await eventually(
    'every target of the three jobs up',
    async () => {
      const jobs = await up(world)
      return JOBS.every((j) => jobs[j]?.length && jobs[j].every((v) => v === '1'))
    },
    60_000,
  )
  const out = await kubectl(
    world,
    'get',
    '--raw',
    svc('kube-prometheus-stack-prometheus:9090', '/api/v1/query?query=up{job="kube-state-metrics"}'),
  )
  const metric = JSON.parse(out.stdout).data.result[0].metric
  assert.is(metric.namespace, ns)
  assert.is(metric.service, 'kube-prometheus-stack-kube-state-metrics')
  assert.match(metric.pod, /^kube-prometheus-stack-kube-state-metrics-/)
  assert.match(metric.instance, /^10\.\d+\.\d+\.\d+:8080$/)
})

test('a target made down shows as down in up', async ({ world }) => {
  world.backends.faults.prometheus.scrapeDown = '^kube-prometheus-stack-kube-state-metrics-'
  try {
    await eventually(
      'kube-state-metrics down',
      async () => (await up(world))['kube-state-metrics']?.[0] === '0',
      30_000,
    )
  } finally {
    delete world.backends.faults.prometheus.scrapeDown
  }
  await eventually(
    'kube-state-metrics up again',
    async () => (await up(world))['kube-state-metrics']?.[0] === '1',
    30_000,
  )
})

/** A POST through the local kubectl proxy, as the project sends its probes. */
async function post(url: string, path: string, type: string, body: string | Buffer) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: new Uint8Array(Buffer.from(body)),
  })
  return { status: res.status, text: await res.text() }
}

const lokiPush = (labels: Record<string, string>, line: string) =>
  JSON.stringify({ streams: [{ stream: labels, values: [[`${Date.now()}000000`, line]] }] })

test('Loki: ready; a line pushed comes back from query_range (kubectl get --raw)', async ({ world, url }) => {
  const ready = await kubectl(world, 'get', '--raw', svc('loki:3100', '/ready'))
  assert.is(ready.stdout.trim(), 'ready', ready.stderr)
  const line = `probe ${Date.now()}`
  const pushed = await post(
    url,
    svc('loki:3100', '/loki/api/v1/push'),
    'application/json',
    lokiPush({ source: 'kube-sim-test' }, line),
  )
  assert.is(pushed.status, 204, pushed.text)
  const query = new URLSearchParams({ query: '{source="kube-sim-test"} |= "probe"', limit: '10' })
  const read = await kubectl(world, 'get', '--raw', svc('loki:3100', `/loki/api/v1/query_range?${query}`))
  assert.is(read.exitCode, 0, read.stderr)
  const result = JSON.parse(read.stdout).data.result
  assert.equal(result[0].values[0][1], line)
})

test('Loki and Tempo refuse kubectl create --raw: it sends no Content-Type', async ({ world }) => {
  const push = lokiPush({ a: 'b' }, 'x')
  const loki = await kubectlIn(world, push, 'create', '--raw', svc('loki:3100', '/loki/api/v1/push'), '-f', '-')
  assert.match(loki.stderr, /BadRequest/)
  const span = JSON.stringify(otlpJson('a9'.repeat(16), 'b9'.repeat(8), 'x'))
  const tempo = await kubectlIn(world, span, 'create', '--raw', svc('tempo:4318', '/v1/traces'), '-f', '-')
  assert.match(tempo.stderr, /UnsupportedMediaType/)
})

test('promtail ships the lines of the pods on its node, labelled as its pipeline does', async ({ url }) => {
  const query = new URLSearchParams({ query: `{namespace="${ns}", container="grafana"}`, limit: '5' })
  const stream = await eventually(
    'a line of the Grafana pod',
    async () => {
      const res = await fetch(`${url}${svc('loki:3100', `/loki/api/v1/query_range?${query}`)}`)
      return (await res.json()).data.result[0]?.stream
    },
    20_000,
  )
  assert.match(stream.pod, /^kube-prometheus-stack-grafana-/)
  assert.is(stream.job, `${ns}/grafana`)
})

test('Loki refuses a push, and is not ready, as a fault says', async ({ world, url }) => {
  world.backends.faults.loki.pushRefused = { status: 429, message: 'Ingestion rate limit exceeded for user fake' }
  world.backends.faults.loki.notReady = 'Ingester not ready: waiting for 15s after being ready'
  try {
    const pushed = await post(url, svc('loki:3100', '/loki/api/v1/push'), 'application/json', lokiPush({ a: 'b' }, 'x'))
    assert.is(pushed.status, 429)
    assert.match(pushed.text, /Ingestion rate limit exceeded/)
    const ready = await fetch(`${url}${svc('loki:3100', '/ready')}`)
    assert.is(ready.status, 503)
    assert.match(await ready.text(), /Ingester not ready/)
  } finally {
    world.backends.faults.loki = {}
  }
})

test('Tempo: a span sent over OTLP/HTTP (JSON, protobuf) on 4318 is read back by trace id on 3200', async ({
  world,
  url,
}) => {
  const ready = await kubectl(world, 'get', '--raw', svc('tempo:3200', '/ready'))
  assert.is(ready.stdout.trim(), 'ready', ready.stderr)
  const traceId = 'a1'.repeat(16)
  const body = JSON.stringify(otlpJson(traceId, 'b2'.repeat(8), 'json-span'))
  const sent = await post(url, svc('tempo:4318', '/v1/traces'), 'application/json', body)
  assert.is(sent.status, 200, sent.text)
  const protoTrace = 'c3'.repeat(16)
  const proto = otlpProtobuf(protoTrace, 'd4'.repeat(8), 'proto-span')
  const res = await post(url, svc('tempo:4318', '/v1/traces'), 'application/x-protobuf', proto)
  assert.is(res.status, 200, res.text)
  for (const [id, name] of [
    [traceId, 'json-span'],
    [protoTrace, 'proto-span'],
  ]) {
    const out = await kubectl(world, 'get', '--raw', svc('tempo:3200', `/api/traces/${id}`))
    assert.is(out.exitCode, 0, out.stderr)
    assert.is(JSON.parse(out.stdout).batches[0].scopeSpans[0].spans[0].name, name)
  }
  const unknown = await kubectl(world, 'get', '--raw', svc('tempo:3200', `/api/traces/${'e5'.repeat(16)}`))
  assert.is.not(unknown.exitCode, 0)
  assert.match(unknown.stderr, /NotFound|not found/)
})

test('Tempo refuses spans, and is not ready, as a fault says', async ({ world, url }) => {
  world.backends.faults.tempo = {
    receiverRefused: { status: 503, message: 'server is not ready' },
    notReady: 'Ingester not ready',
  }
  try {
    const body = JSON.stringify(otlpJson('f6'.repeat(16), 'a7'.repeat(8), 'x'))
    const sent = await post(url, svc('tempo:4318', '/v1/traces'), 'application/json', body)
    assert.is(sent.status, 503)
    assert.match(sent.text, /server is not ready/)
    const ready = await fetch(`${url}${svc('tempo:3200', '/ready')}`)
    assert.is(ready.status, 503)
    assert.match(await ready.text(), /Ingester not ready/)
  } finally {
    world.backends.faults.tempo = {}
  }
})

/** Grafana through kubectl proxy: signed in with the chart's Secret. */
async function grafana(world: World, url: string, password?: string) {
  const secret = await kubectlJson(world, 'get', 'secret', 'kube-prometheus-stack-grafana', '-n', ns)
  const decode = (k: string) => Buffer.from(secret.data[k], 'base64').toString()
  const base = `${url}${svc('kube-prometheus-stack-grafana:80', '')}`
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: decode('admin-user'), password: password ?? decode('admin-password') }),
  })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const get = async (p: string) => {
    const res = await fetch(`${base}${p}`, { headers: { cookie } })
    return { status: res.status, body: await res.json() }
  }
  return { login, cookie, get, base }
}

test('Grafana: healthy; signs in with its Secret; every provisioned datasource healthy', async ({ world, url }) => {
  const g = await grafana(world, url)
  assert.is((await g.get('/api/health')).body.database, 'ok')
  assert.is(g.login.status, 200)
  assert.match(g.cookie, /^grafana_session=\w+/)
  const list = await g.get('/api/datasources')
  assert.equal(list.body.map((d: { name: string }) => d.name).sort(), ['Alertmanager', 'Loki', 'Prometheus', 'Tempo'])
  for (const ds of list.body) {
    const health = await g.get(`/api/datasources/uid/${ds.uid}/health`)
    assert.is(health.body.status, 'OK', `${ds.name}: ${health.body.message}`)
  }
})

test('Grafana: wrong credentials, a password changed in Grafana, basic auth dropped by the proxy: 401', async ({
  world,
  url,
}) => {
  assert.is((await grafana(world, url, 'wrong')).login.status, 401)
  world.backends.faults.grafana.passwordChanged = 'changed-in-the-ui'
  try {
    const g = await grafana(world, url)
    assert.is(g.login.status, 401)
    assert.is((await g.get('/api/datasources')).status, 401)
  } finally {
    world.backends.faults.grafana = {}
  }
  // basic auth would sign in, but the API server removes the Authorization header
  const secret = await kubectlJson(world, 'get', 'secret', 'kube-prometheus-stack-grafana', '-n', ns)
  const basic = Buffer.from(
    `${Buffer.from(secret.data['admin-user'], 'base64')}:${Buffer.from(secret.data['admin-password'], 'base64')}`,
  ).toString('base64')
  const res = await fetch(`${url}${svc('kube-prometheus-stack-grafana:80', '/api/datasources')}`, {
    headers: { authorization: `Basic ${basic}` },
  })
  assert.is(res.status, 401)
})

test('Grafana: unhealthy; a datasource whose pod is not ready is unreachable', async ({ world, url }) => {
  world.backends.faults.grafana.unhealthy = true
  try {
    const g = await grafana(world, url)
    const health = await g.get('/api/health')
    assert.is(health.status, 503)
    assert.is(health.body.database, 'failing')
  } finally {
    world.backends.faults.grafana = {}
  }
  world.sim.faults.pods.set('^loki-0$', { kind: 'neverReady' })
  try {
    const g = await grafana(world, url)
    const loki = (await g.get('/api/datasources')).body.find((d: { name: string }) => d.name === 'Loki')
    const health = await eventually(
      'the Loki datasource failing',
      async () => {
        const h = await g.get(`/api/datasources/uid/${loki.uid}/health`)
        return h.body.status === 'ERROR' && h
      },
      30_000,
    )
    assert.match(health.body.message, /loki\.monitoring\.svc\.cluster\.local.*connection refused/)
  } finally {
    world.sim.faults.pods.clear('^loki-0$')
  }
})

test.run()

function otlpJson(traceId: string, spanId: string, name: string) {
  const now = BigInt(Date.now()) * 1_000_000n
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kube-sim-test' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [{ traceId, spanId, name, kind: 1, startTimeUnixNano: `${now - 1000n}`, endTimeUnixNano: `${now}` }],
          },
        ],
      },
    ],
  }
}

/** ExportTraceServiceRequest with one span, encoded by hand (field numbers of opentelemetry-proto). */
function otlpProtobuf(traceId: string, spanId: string, name: string): Buffer {
  const varint = (n: bigint) => {
    const out: number[] = []
    do {
      out.push(Number(n & 0x7fn) | (n > 0x7fn ? 0x80 : 0))
      n >>= 7n
    } while (n > 0n)
    return Buffer.from(out)
  }
  const bytes = (no: number, b: Buffer) => Buffer.concat([varint(BigInt((no << 3) | 2)), varint(BigInt(b.length)), b])
  const fixed64 = (no: number, v: bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(v)
    return Buffer.concat([varint(BigInt((no << 3) | 1)), b])
  }
  const now = BigInt(Date.now()) * 1_000_000n
  const span = Buffer.concat([
    bytes(1, Buffer.from(traceId, 'hex')),
    bytes(2, Buffer.from(spanId, 'hex')),
    bytes(5, Buffer.from(name)),
    varint(BigInt((6 << 3) | 0)),
    varint(2n),
    fixed64(7, now - 1000n),
    fixed64(8, now),
  ])
  const scopeSpans = Buffer.concat([bytes(1, bytes(1, Buffer.from('test'))), bytes(2, span)])
  const resource = bytes(
    1,
    Buffer.concat([bytes(1, Buffer.from('service.name')), bytes(2, bytes(1, Buffer.from('t')))]),
  )
  return bytes(1, Buffer.concat([bytes(1, resource), bytes(2, scopeSpans)]))
}
