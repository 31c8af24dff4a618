// The backends on small pods of a test's own, for what the real charts do not show by default: a
// Prometheus binary that is missing, Grafana datasources that point where nothing is (another
// namespace, an undeclared port), a Tempo whose OTLP/HTTP receiver is off or bound to loopback, and
// a LogQL query Loki cannot parse.
import net from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startBackends } from '../backends/index.ts'
import { freePort } from '../backends/prometheus.ts'
import { kubectl, kubectlIn, startWorld, type World } from '../world.ts'
import { eventually, toolBin, yaml } from './api-harness.ts'

const deployment = (name: string, containers: string, volumes = '[]') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: ${containers}, volumes: ${volumes}}`

const service = (name: string, ports: string) => `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec: {selector: {app: ${name}}, ports: ${ports}}`

const manifests = yaml(
  deployment('loki', '[{name: loki, image: "grafana/loki:3.5.0", ports: [{containerPort: 3100}]}]'),
  service('loki', '[{name: http, port: 3100}]'),
  deployment(
    'prom',
    '[{name: prometheus, image: "quay.io/prometheus/prometheus:v3.1.0", ports: [{containerPort: 9090}]}]',
  ),
  service('prom', '[{name: web, port: 9090}]'),
  deployment(
    'grafana',
    `[{name: grafana, image: "grafana/grafana:12.0.0", ports: [{containerPort: 3000}],
      env: [{name: GF_SECURITY_ADMIN_USER, value: admin}, {name: GF_SECURITY_ADMIN_PASSWORD, value: pw}]},
     {name: sc, image: "quay.io/kiwigrid/k8s-sidecar:1.30.0",
      env: [{name: LABEL, value: grafana_datasource}, {name: LABEL_VALUE, value: "1"},
            {name: FOLDER, value: /etc/grafana/provisioning/datasources}]}]`,
  ),
  service('grafana', '[{name: http, port: 80, targetPort: 3000}]'),
  `
apiVersion: v1
kind: ConfigMap
metadata: {name: datasources, namespace: default, labels: {grafana_datasource: "1"}}
data:
  ds.yaml: |
    datasources:
      - {name: Here, type: loki, uid: here, url: "http://loki.default.svc.cluster.local:3100"}
      - {name: Elsewhere, type: loki, uid: elsewhere, url: "http://loki.observability.svc.cluster.local:3100"}
      - {name: OtherPort, type: loki, uid: other-port, url: "http://loki:3101"}`,
  `
apiVersion: v1
kind: ConfigMap
metadata: {name: unlabelled, namespace: default}
data:
  ds.yaml: |
    datasources: [{name: Ignored, type: loki, url: "http://loki:3100"}]`,
  deployment(
    'tempo-off',
    '[{name: tempo, image: "grafana/tempo:2.9.0", ports: [{containerPort: 3200}, {containerPort: 4318}]}]',
    '[{name: conf, configMap: {name: tempo-off}}]',
  ),
  service('tempo-off', '[{name: http, port: 3200}, {name: otlp-http, port: 4318}]'),
  `
apiVersion: v1
kind: ConfigMap
metadata: {name: tempo-off, namespace: default}
data:
  tempo.yaml: |
    server: {http_listen_port: 3200}
    distributor: {receivers: {otlp: {protocols: {grpc: {endpoint: "0.0.0.0:4317"}}}}}`,
  deployment(
    'tempo-local',
    '[{name: tempo, image: "grafana/tempo:2.9.0", ports: [{containerPort: 3200}, {containerPort: 4318}]}]',
    '[{name: conf, configMap: {name: tempo-local}}]',
  ),
  service('tempo-local', '[{name: http, port: 3200}, {name: otlp-http, port: 4318}]'),
  `
apiVersion: v1
kind: ConfigMap
metadata: {name: tempo-local, namespace: default}
data:
  tempo.yaml: |
    distributor: {receivers: {otlp: {protocols: {http: {endpoint: "localhost:4318"}}}}}`,
)

const raw = (world: World, path: string) =>
  kubectl(world, 'get', '--raw', `/api/v1/namespaces/default/services/${path}`)

const test = suite<{ world: World }>('backends on small pods')

test.before(async (ctx) => {
  // this world's own backends run a Prometheus binary that is not there
  process.env.KUBE_SIM_PROMETHEUS = '/nonexistent/prometheus'
  try {
    ctx.world = await startWorld({ bin: await toolBin('v35'), helmMajor: 4 })
  } finally {
    delete process.env.KUBE_SIM_PROMETHEUS
  }
  const out = await kubectlIn(ctx.world, manifests, 'apply', '-f', '-')
  assert.is(out.exitCode, 0, out.stderr)
  const services = ['loki', 'prom', 'grafana', 'tempo-off', 'tempo-local']
  await eventually(
    'every Service with a ready endpoint',
    () =>
      services.every((s) =>
        ctx.world.sim.store
          .list({ group: 'discovery.k8s.io', resource: 'endpointslices' }, 'default')
          .items.some(
            (e) => e.metadata.labels?.['kubernetes.io/service-name'] === s && e.endpoints?.[0]?.conditions?.ready,
          ),
      ),
    30_000,
  )
})

test.after(async (ctx) => {
  await ctx.world?.stop()
})

test('a missing Prometheus binary: a 503 through the proxy naming the package, and a clear rejection', async ({
  world,
}) => {
  const out = await raw(world, 'prom:9090/proxy/-/ready')
  assert.is.not(out.exitCode, 0)
  assert.match(out.stderr, /Debian package `prometheus`/)
  const backends = startBackends(world.sim, { prometheus: '/nonexistent/prometheus' })
  try {
    await backends.startPrometheus().then(
      () => assert.unreachable('started'),
      (e: Error) => assert.match(e.message, /"\/nonexistent\/prometheus" is not installed: install the Debian package/),
    )
  } finally {
    await backends.stop()
  }
})

test('a port taken between its pick and the bind: Prometheus starts on another', async ({ world }) => {
  const held = net.createServer()
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve))
  const taken = (held.address() as net.AddressInfo).port
  const picks: number[] = []
  const pick = async () => {
    const port = picks.length ? await freePort() : taken
    picks.push(port)
    return port
  }
  const backends = startBackends(world.sim, { prometheusPort: pick })
  try {
    const port = await backends.startPrometheus()
    assert.is(picks[0], taken)
    assert.is(picks.length, 2, `ports tried: ${picks.join(', ')}`)
    assert.is(port, picks[1])
    assert.ok((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok)
  } finally {
    await backends.stop()
    held.close()
  }
})

test('Grafana sees only the sidecar-labelled datasources, and each is healthy only where a Service answers', async ({
  world,
}) => {
  const base = `${world.sim.url}/api/v1/namespaces/default/services/grafana:80/proxy`
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'admin', password: 'pw' }),
  })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
  const get = async (p: string) => (await fetch(`${base}${p}`, { headers: { cookie } })).json()
  const names = (await get('/api/datasources')).map((d: { name: string }) => d.name)
  assert.equal(names, ['Here', 'Elsewhere', 'OtherPort'])
  const health = async (uid: string) => get(`/api/datasources/uid/${uid}/health`)
  assert.is((await health('here')).status, 'OK')
  const elsewhere = await health('elsewhere')
  assert.is(elsewhere.status, 'ERROR')
  assert.match(elsewhere.message, /lookup loki\.observability\.svc\.cluster\.local on [\d.]+:53: no such host/)
  assert.match((await health('other-port')).message, /dial tcp [\d.]+:3101: i\/o timeout/)
})

test("Tempo's OTLP/HTTP receiver off, or bound to the pod's loopback: nothing listens on 4318", async ({ world }) => {
  for (const name of ['tempo-off', 'tempo-local']) {
    assert.is((await raw(world, `${name}:3200/proxy/ready`)).stdout.trim(), 'ready')
    const out = await raw(world, `${name}:4318/proxy/v1/traces`)
    assert.match(out.stderr, /error trying to reach service: dial tcp [\d.]+:4318: connect: connection refused/, name)
  }
})

test('Loki answers a query it cannot parse with its 400', async ({ world }) => {
  const res = await fetch(
    `${world.sim.url}/api/v1/namespaces/default/services/loki:3100/proxy/loki/api/v1/query_range?query=up`,
  )
  assert.is(res.status, 400)
  assert.match(await res.text(), /^parse error at line 1, col 1: syntax error/)
})

test('Loki takes a push as promtail and Alloy send it: snappy-compressed protobuf', async ({ world }) => {
  const base = `${world.sim.url}/api/v1/namespaces/default/services/loki:3100/proxy/loki/api/v1`
  const line = 'proto line xyzxyzxyzxyz'
  const body = snappy(pushRequest('{job="proto", pod="p-0"}', 1_700_000_000n, 5n, line), 'xyzxyzxyzxyz')
  const res = await fetch(`${base}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: new Uint8Array(body),
  })
  assert.is(res.status, 204, await res.text())
  const query = new URLSearchParams({ query: '{job="proto"}', start: '0', end: `${Date.now()}000000` })
  const read = await (await fetch(`${base}/query_range?${query}`)).json()
  assert.equal(read.data.result, [{ stream: { job: 'proto', pod: 'p-0' }, values: [['1700000000000000005', line]] }])
  const corrupt = await fetch(`${base}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: new Uint8Array(Buffer.from([0x10, 0x00])),
  })
  assert.is(corrupt.status, 400)
  assert.match(await corrupt.text(), /snappy: corrupt input/)
})

test.run()

/** logproto.PushRequest with one stream of one entry, encoded by hand. */
function pushRequest(labels: string, seconds: bigint, nanos: bigint, line: string): Buffer {
  const varint = (n: bigint) => {
    const out: number[] = []
    do {
      out.push(Number(n & 0x7fn) | (n > 0x7fn ? 0x80 : 0))
      n >>= 7n
    } while (n > 0n)
    return Buffer.from(out)
  }
  const bytes = (no: number, b: Buffer) => Buffer.concat([varint(BigInt((no << 3) | 2)), varint(BigInt(b.length)), b])
  const number = (no: number, v: bigint) => Buffer.concat([varint(BigInt(no << 3)), varint(v)])
  const entry = Buffer.concat([
    bytes(1, Buffer.concat([number(1, seconds), number(2, nanos)])),
    bytes(2, Buffer.from(line)),
  ])
  return bytes(1, Buffer.concat([bytes(1, Buffer.from(labels)), bytes(2, entry)]))
}

/** A snappy block: literals, and `repeat` (three bytes said four times) as one literal and a copy. */
function snappy(data: Buffer, repeat: string): Buffer {
  // a literal's length in its tag up to 60, else in the byte after tag 60 << 2
  const literal = (b: Buffer) =>
    b.length ? Buffer.concat([Buffer.from(b.length <= 60 ? [(b.length - 1) << 2] : [60 << 2, b.length - 1]), b]) : b
  const at = data.indexOf(repeat) + 3
  // a copy with a 1-byte offset: length 4..11, offset 3
  const copy = Buffer.from([((repeat.length - 3 - 4) << 2) | 1, 3])
  const end = at + repeat.length - 3
  assert.ok(data.length < 128, 'a one-byte length preamble')
  return Buffer.concat([Buffer.from([data.length]), literal(data.subarray(0, at)), copy, literal(data.subarray(end))])
}
