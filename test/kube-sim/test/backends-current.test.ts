// The backends behind the `current` profile's real charts (grafana-community/loki 18.11.0 as one
// Monolithic pod, grafana-community/tempo 2.2.4, grafana/alloy 1.11.1 as the log shipper): each
// chart's pods get the backend their image stands for, and Alloy ships to the Loki its config names.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kubectl, startWorld, type World } from '../world.ts'
import { eventually, installChart, toolBin } from './api-harness.ts'

const ns = 'monitoring'
const svc = (name: string, rest: string) => `/api/v1/namespaces/${ns}/services/${name}/proxy${rest}`

// Loki as one pod on its own filesystem (what the profile's values turn off, off)
const lokiValues = JSON.stringify({
  deploymentMode: 'Monolithic',
  loki: {
    auth_enabled: false,
    commonConfig: { replication_factor: 1 },
    storage: { type: 'filesystem' },
    schemaConfig: {
      configs: [
        {
          from: '2024-04-01',
          store: 'tsdb',
          object_store: 'filesystem',
          schema: 'v13',
          index: { prefix: 'loki_index_', period: '24h' },
        },
      ],
    },
  },
  singleBinary: { replicas: 1, persistence: { enabled: false } },
  backend: { replicas: 0 },
  read: { replicas: 0 },
  write: { replicas: 0 },
  gateway: { enabled: false },
  lokiCanary: { enabled: false },
  test: { enabled: false },
  chunksCache: { enabled: false },
  resultsCache: { enabled: false },
  memcached: { enabled: false },
  minio: { enabled: false },
  sidecar: { rules: { enabled: false } },
})

const alloyValues = JSON.stringify({
  crds: { create: false },
  alloy: {
    configMap: {
      content: [
        'discovery.kubernetes "pods" { role = "pod" }',
        'discovery.relabel "pods" {',
        '  targets = discovery.kubernetes.pods.targets',
        '  rule {',
        '    source_labels = ["__meta_kubernetes_namespace"]',
        '    target_label  = "namespace"',
        '  }',
        '  // the pod by name, and the app by either of its usual labels',
        '  rule {',
        '    source_labels = ["__meta_kubernetes_pod_name"]',
        '    target_label  = "pod"',
        '  }',
        '  rule {',
        '    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app"]',
        '    separator     = ""',
        '    target_label  = "app"',
        '  }',
        '}',
        'loki.source.kubernetes "pods" {',
        '  targets    = discovery.relabel.pods.output',
        '  forward_to = [loki.write.loki.receiver]',
        '}',
        'loki.write "loki" {',
        '  endpoint { url = "http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push" }',
        '}',
      ].join('\n'),
    },
  },
})

const test = suite<{ world: World }>('backends behind the current profile charts')

test.before(async (ctx) => {
  ctx.world = await startWorld({ bin: await toolBin('v35'), helmMajor: 4 })
  const created = await kubectl(ctx.world, 'create', 'namespace', ns)
  assert.is(created.exitCode, 0, created.stderr)
  const install = (name: string, chart: string, values?: string) => installChart(ctx.world, ns, name, chart, values)
  await Promise.all([
    install('loki', 'grafana-community/loki-18.11.0.tgz', lokiValues),
    install('tempo', 'grafana-community/tempo-2.2.4.tgz', '{}'),
    install('alloy', 'grafana/alloy-1.11.1.tgz', alloyValues),
  ])
})

test.after(async (ctx) => {
  await ctx.world?.stop()
})

test('Loki and Tempo answer ready on their Services', async ({ world }) => {
  for (const [service, rest] of [
    ['loki:3100', '/ready'],
    ['tempo:3200', '/ready'],
  ]) {
    const out = await kubectl(world, 'get', '--raw', svc(service, rest))
    assert.is(out.stdout.trim(), 'ready', `${service}: ${out.stderr}`)
  }
})

test("Alloy ships the pods' lines to the Loki its config names, labelled by its relabel rules", async ({ world }) => {
  const query = new URLSearchParams({ query: `{namespace="${ns}", pod="loki-0"}`, limit: '5' })
  const stream = await eventually(
    'a line of the Loki pod shipped by Alloy',
    async () => {
      const out = await kubectl(world, 'get', '--raw', svc('loki:3100', `/loki/api/v1/query_range?${query}`))
      return out.exitCode === 0 && JSON.parse(out.stdout).data.result[0]?.stream
    },
    20_000,
  )
  // the labels its rules make, and the job and instance loki.source.kubernetes adds
  assert.equal(stream, {
    job: 'loki.source.kubernetes.pods',
    instance: `${ns}/loki-0:loki`,
    namespace: ns,
    pod: 'loki-0',
    app: 'loki',
  })
})

test("Tempo's OTLP/HTTP receiver takes a span on 4318 and answers it by id", async ({ world }) => {
  const traceId = '5e'.repeat(16)
  const span = {
    traceId,
    spanId: '6f'.repeat(8),
    name: 'current-span',
    kind: 1,
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
  }
  const body = JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }],
  })
  // the API server's address stands for the proxy a client runs: the sim has no authentication
  const res = await fetch(`${world.sim.url}${svc('tempo:4318', '/v1/traces')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  assert.is(res.status, 200, await res.text())
  const out = await kubectl(world, 'get', '--raw', svc('tempo:3200', `/api/traces/${traceId}`))
  assert.is(out.exitCode, 0, out.stderr)
  assert.is(JSON.parse(out.stdout).batches[0].scopeSpans[0].spans[0].name, 'current-span')
})

test.run()
