// The data-path checks' pure side: the requests sent to Prometheus, Loki, Tempo and Grafana through
// the API server's service proxy, what their answers mean, section 06's dry run, and the same
// checks as bash in a dry run.
import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { planFor } from '../../lib/core/plan.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { projectRoot } from '../../lib/core/values.ts'
import { renderScript } from '../../lib/run/script.ts'
import { dataPathCommands, judgeAdmitted, logShipper, section06DryRunCmd } from '../../lib/steps/datapath.ts'
import { buildReport } from '../../lib/steps/verify.ts'
import {
  adminCredentials,
  datasourcesOf,
  grafanaLogin,
  httpReason,
  judgeDatasource,
  judgeHealth,
  judgeReadBack,
  judgeReady,
  judgeShipper,
  judgeSignIn,
  judgeTrace,
  judgeUp,
  judgeWritten,
  lokiPush,
  lokiQuery,
  otlpSpan,
  sessionCookie,
  traceById,
  withoutSecrets,
} from '../../lib/tools/backends.ts'
import { proxyCmd, servicePath, type HttpResponse } from '../../lib/tools/proxy.ts'
import { aCheck, aConfig, aSnapshot, english } from './builders.ts'

const configOf = (...argv: string[]) => buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({}))

/** An answer as the proxy gives it: a status, a body (JSON unless a string), headers. */
function anAnswer(status: number, body: unknown = '', headers: HttpResponse['headers'] = {}): HttpResponse {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }
}

// the proxy's paths

const proxyTest = suite('servicePath and proxyCmd')

proxyTest("works: a Service's port by number under the API server's proxy path", () => {
  assert.is(
    servicePath({ namespace: 'observability', name: 'loki', port: 3100 }, '/ready'),
    '/api/v1/namespaces/observability/services/loki:3100/proxy/ready',
  )
})

proxyTest('kubectl proxy serves a Unix socket, in the pinned context', () => {
  assert.equal(proxyCmd({ context: 'kind-kind' }, '/tmp/x/api.sock').argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'proxy',
    '--unix-socket=/tmp/x/api.sock',
  ])
})

proxyTest.run()

// httpReason, judgeReady, judgeWritten

const reasonTest = suite('httpReason')

const reasons: [string, HttpResponse, string][] = [
  ['a JSON message', anAnswer(400, { message: 'entry out of order' }), 'HTTP 400: entry out of order'],
  [
    "the API server's Status for a Service without endpoints",
    anAnswer(503, { kind: 'Status', message: 'no endpoints available for service "loki"' }),
    'HTTP 503: no endpoints available for service "loki"',
  ],
  ['a JSON error', anAnswer(500, { status: 'error', error: 'bad_data' }), 'HTTP 500: bad_data'],
  ['text: its first line', anAnswer(503, 'Ingester not ready: waiting\nmore'), 'HTTP 503: Ingester not ready: waiting'],
  ['nothing said', anAnswer(502), 'HTTP 502'],
  ['no answer at all', { ...anAnswer(0, 'no answer within 10s'), timedOut: true }, 'no answer: no answer within 10s'],
]
for (const [name, res, want] of reasons) reasonTest(name, () => assert.is(httpReason(res).en, want))

reasonTest("in Korean, what the server said follows ' — ' as it is; a timeout is said in Korean", () => {
  assert.is(httpReason(anAnswer(400, { message: 'entry out of order' })).ko, 'HTTP 400 — entry out of order')
  assert.is(httpReason(anAnswer(502)).ko, 'HTTP 502')
  assert.is(httpReason({ ...anAnswer(0, 'no answer within 10s'), timedOut: true }).ko, '10초 안에 응답 없음')
  const gone = 'connect ENOENT /tmp/x/api.sock'
  assert.is(httpReason(anAnswer(0, gone)).ko, `응답 없음 — ${gone}`)
})

reasonTest('judgeReady: 200 is ready, anything else is the reason', () => {
  assert.equal(english(judgeReady(anAnswer(200, 'ready'))), { ok: true, detail: 'ready' })
  assert.equal(english(judgeReady(anAnswer(503, 'Ingester not ready: waiting for 15s after being ready'))), {
    ok: false,
    detail: 'HTTP 503: Ingester not ready: waiting for 15s after being ready',
  })
})

reasonTest('judgeWritten: 2xx goes on (undefined), a refusal is a ❌ naming what was refused', () => {
  const push = { en: 'the push', ko: '푸시' }
  assert.is(judgeWritten(anAnswer(204), push), undefined)
  assert.equal(english(judgeWritten(anAnswer(429, 'Ingestion rate limit exceeded'), push)!), {
    ok: false,
    detail: 'the push was refused: HTTP 429: Ingestion rate limit exceeded',
  })
})

reasonTest.run()

// judgeUp

const upTest = suite('judgeUp')
const jobs = ['kube-prometheus-stack-prometheus', 'kube-state-metrics', 'node-exporter']
const sample = (job: string, instance: string, up: '0' | '1') => ({ metric: { job, instance }, value: [1, up] })
const upAnswer = (...result: unknown[]) => anAnswer(200, { status: 'success', data: { resultType: 'vector', result } })

upTest('works: every target of every job up', () => {
  const verdicts = judgeUp(
    upAnswer(
      sample(jobs[0], '10.0.0.1:9090', '1'),
      sample(jobs[1], '10.0.0.2:8080', '1'),
      sample(jobs[2], '10.0.0.3:9100', '1'),
      sample(jobs[2], '10.0.0.4:9100', '1'),
    ),
    jobs,
  )
  assert.equal(english(verdicts['node-exporter']), { ok: true, detail: '2 of 2 up' })
  assert.ok(Object.values(verdicts).every((v) => v.ok))
})

upTest('a target down: ❌ for its job, naming the instance; final, not retried', () => {
  const verdicts = judgeUp(
    upAnswer(
      sample(jobs[0], 'a', '1'),
      sample(jobs[1], 'b', '1'),
      sample(jobs[2], '10.0.0.3:9100', '1'),
      sample(jobs[2], '10.0.0.4:9100', '0'),
    ),
    jobs,
  )
  assert.equal(english(verdicts['node-exporter']), { ok: false, detail: '1 of 2 down: 10.0.0.4:9100' })
  assert.is(verdicts['kube-state-metrics'].ok, true)
})

upTest('a job not scraped yet: pending (retry), saying which', () => {
  const verdicts = judgeUp(upAnswer(sample(jobs[0], 'a', '1')), jobs)
  assert.equal(english(verdicts['kube-state-metrics']), {
    ok: false,
    retry: true,
    detail: 'no target of job "kube-state-metrics" in up',
  })
})

upTest('the query itself failed: every job ❌ with the reason', () => {
  const verdicts = judgeUp(anAnswer(503, { kind: 'Status', message: 'no endpoints available' }), jobs)
  for (const job of jobs)
    assert.equal(english(verdicts[job]), {
      ok: false,
      detail: 'the query for up failed: HTTP 503: no endpoints available',
    })
})

upTest.run()

// Loki

const lokiTest = suite('Loki: push, query, read back, shipper')

lokiTest('works: the push is one stream with its labels and a nanosecond timestamp as a string', () => {
  const req = lokiPush({ source: 'verify', check_id: 'abc' }, 'hello', 1_700_000_000_123)
  assert.is(req.method, 'POST')
  assert.is(req.path, '/loki/api/v1/push')
  assert.is(req.headers?.['content-type'], 'application/json')
  assert.equal(JSON.parse(req.body ?? ''), {
    streams: [{ stream: { source: 'verify', check_id: 'abc' }, values: [['1700000000123000000', 'hello']] }],
  })
})

lokiTest('the query: LogQL, start and end in nanoseconds, the newest first', () => {
  const req = lokiQuery('{check_id="abc"}', 1000, 2000, 10)
  const [path, query] = req.path.split('?')
  assert.is(path, '/loki/api/v1/query_range')
  assert.equal(Object.fromEntries(new URLSearchParams(query)), {
    query: '{check_id="abc"}',
    start: '1000000000',
    end: '2000000000',
    limit: '10',
    direction: 'backward',
  })
})

const streams = (...result: unknown[]) => anAnswer(200, { status: 'success', data: { resultType: 'streams', result } })

lokiTest('read back: the very line found; another line or none is pending', () => {
  const q = '{check_id="abc"}'
  const found = streams({ stream: { check_id: 'abc' }, values: [['1', 'data-path check abc']] })
  assert.equal(english(judgeReadBack(found, 'data-path check abc', q)), {
    ok: true,
    detail: 'a line pushed and read back by {check_id="abc"}',
  })
  const other = streams({ stream: { check_id: 'abc' }, values: [['1', 'something else']] })
  assert.is(judgeReadBack(other, 'data-path check abc', q).retry, true)
  assert.is(judgeReadBack(streams(), 'data-path check abc', q).ok, false)
  // a failed query is final: waiting would not change it
  assert.equal(english(judgeReadBack(anAnswer(404, { message: 'services "loki:3100" not found' }), 'x', q)), {
    ok: false,
    detail: 'pushed, but the query failed: HTTP 404: services "loki:3100" not found',
  })
})

const hour = { en: 'hour', ko: '1시간' }

lokiTest("the shipper: a stream of a pod (namespace and pod labels) counts; our own probe line doesn't", () => {
  const pod = streams({ stream: { namespace: 'monitoring', pod: 'loki-0', container: 'loki' }, values: [] })
  assert.equal(english(judgeShipper(pod, hour)), {
    ok: true,
    detail: 'lines of the pods arrive (the latest from monitoring/loki-0)',
  })
  const ours = streams({ stream: { source: 'monitoring-stack-verify', check_id: 'abc' }, values: [] })
  assert.equal(english(judgeShipper(ours, hour)), {
    ok: false,
    retry: true,
    detail: 'no line of any pod in the last hour',
  })
  assert.equal(english(judgeShipper(anAnswer(503, 'no endpoints'), hour)), {
    ok: false,
    detail: 'the query failed: HTTP 503: no endpoints',
  })
})

lokiTest.run()

// Tempo

const tempoTest = suite('Tempo: an OTLP/HTTP span, read back by trace id')
const span = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'data-path check x', service: 'verify' }

tempoTest('works: OTLP/HTTP JSON, hex ids as the spec wants, to /v1/traces', () => {
  const req = otlpSpan({ ...span, nowMs: 1000 })
  assert.is(req.path, '/v1/traces')
  assert.is(req.headers?.['content-type'], 'application/json')
  const body = JSON.parse(req.body ?? '')
  const sent = body.resourceSpans[0].scopeSpans[0].spans[0]
  assert.equal(body.resourceSpans[0].resource.attributes, [{ key: 'service.name', value: { stringValue: 'verify' } }])
  assert.is(sent.traceId, span.traceId)
  assert.is(sent.spanId, span.spanId)
  assert.is(sent.endTimeUnixNano, '1000000000')
  assert.ok(BigInt(sent.startTimeUnixNano) < BigInt(sent.endTimeUnixNano))
})

tempoTest('the trace by id asks for JSON', () => {
  assert.equal(traceById(span.traceId), {
    path: `/api/traces/${span.traceId}`,
    headers: { accept: 'application/json' },
  })
})

const traces: [string, unknown][] = [
  ['batches with scopeSpans (Tempo 2)', { batches: [{ scopeSpans: [{ spans: [{ name: span.name }] }] }] }],
  [
    'batches with instrumentationLibrarySpans (Tempo 1)',
    { batches: [{ instrumentationLibrarySpans: [{ spans: [{ name: span.name }] }] }] },
  ],
  ['resourceSpans', { resourceSpans: [{ scopeSpans: [{ spans: [{ name: span.name }] }] }] }],
  ['the v2 form', { trace: { resourceSpans: [{ scopeSpans: [{ spans: [{ name: span.name }] }] }] } }],
]
for (const [name, trace] of traces)
  tempoTest(`found in ${name}`, () => assert.is(judgeTrace(anAnswer(200, trace), span).ok, true))

tempoTest('404 is pending (not there yet); a trace without the span is not it', () => {
  assert.equal(english(judgeTrace(anAnswer(404, 'trace not found'), span)), {
    ok: false,
    retry: true,
    detail: `sent, but trace ${span.traceId} is not found by id`,
  })
  const other = { batches: [{ scopeSpans: [{ spans: [{ name: 'another' }] }] }] }
  assert.is(judgeTrace(anAnswer(200, other), span).ok, false)
  assert.equal(english(judgeTrace(anAnswer(500, 'boom'), span)), {
    ok: false,
    detail: 'sent, but reading it back failed: HTTP 500: boom',
  })
})

tempoTest.run()

// Grafana

const grafanaTest = suite('Grafana: credentials, sign-in, health, datasources')
const b64 = (s: string) => Buffer.from(s).toString('base64')

grafanaTest('works: the credentials decoded from the Secret', () => {
  const secret = { data: { 'admin-user': b64('admin'), 'admin-password': b64('s3cret pw') } }
  assert.equal(adminCredentials(secret, 'monitoring/g'), { user: 'admin', password: 's3cret pw' })
})

grafanaTest('no Secret, or one without the keys: the reason', () => {
  assert.equal(adminCredentials(undefined, 'monitoring/g'), {
    en: 'Secret monitoring/g not found',
    ko: 'Secret을 찾을 수 없습니다: monitoring/g',
  })
  const keys = adminCredentials({ data: { 'admin-user': b64('admin') } }, 'monitoring/g')
  assert.is('en' in keys && keys.en, 'Secret monitoring/g has no admin-user and admin-password')
})

grafanaTest('the sign-in is a JSON POST to /login with no Authorization header (the API server drops it)', () => {
  const req = grafanaLogin({ user: 'admin', password: 'pw' })
  assert.is(req.method, 'POST')
  assert.is(req.path, '/login')
  assert.equal(JSON.parse(req.body ?? ''), { user: 'admin', password: 'pw' })
  assert.not.ok(Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'authorization'))
})

grafanaTest('the session cookie among those set; a sign-in without one is not signed in', () => {
  const res = anAnswer(
    200,
    { message: 'Logged in' },
    {
      'set-cookie': ['redirect_to=%2F; Path=/', 'grafana_session=abc123; Path=/; HttpOnly; SameSite=Lax'],
    },
  )
  assert.is(sessionCookie(res), 'grafana_session=abc123')
  assert.is(judgeSignIn(res, 'Secret monitoring/g').ok, true)
  assert.is(judgeSignIn(anAnswer(200, { message: 'Logged in' }), 'Secret monitoring/g').ok, false)
  // Grafana clears the cookie with an empty value: no session
  assert.is(sessionCookie(anAnswer(200, '', { 'set-cookie': ['grafana_session=; Path=/; Max-Age=0'] })), undefined)
})

grafanaTest('wrong credentials: ❌ saying whose were refused', () => {
  assert.equal(
    english(judgeSignIn(anAnswer(401, { message: 'Invalid username or password' }), 'Secret monitoring/g')),
    {
      ok: false,
      detail: 'Grafana refused the credentials of Secret monitoring/g: HTTP 401: Invalid username or password',
    },
  )
})

grafanaTest('health: the database ok, or what it says', () => {
  assert.equal(english(judgeHealth(anAnswer(200, { database: 'ok', version: '12.1.0' }))), {
    ok: true,
    detail: 'database ok, Grafana 12.1.0',
  })
  assert.equal(english(judgeHealth(anAnswer(503, { database: 'failing' }))), { ok: false, detail: 'database failing' })
})

grafanaTest("datasources: Grafana's list; each one's health check, OK or its message", () => {
  const list = [{ uid: 'p1', name: 'Prometheus', type: 'prometheus', url: 'http://x' }, { name: 'no uid' }]
  assert.equal(datasourcesOf(anAnswer(200, list)), [list[0]])
  assert.is(datasourcesOf(anAnswer(401, { message: 'Unauthorized' })), undefined)
  assert.equal(english(judgeDatasource(anAnswer(200, { status: 'OK', message: 'Data source is working' }))), {
    ok: true,
    detail: 'Data source is working',
  })
  const unreachable = { status: 'ERROR', message: 'Get "http://loki.monitoring:3100/ready": dial tcp: no such host' }
  assert.equal(english(judgeDatasource(anAnswer(400, unreachable))), {
    ok: false,
    detail: 'ERROR: Get "http://loki.monitoring:3100/ready": dial tcp: no such host',
  })
})

grafanaTest('secrets never shown: each replaced by ***', () => {
  const said = { en: 'password pw1 and cookie c2; pw1', ko: '비밀번호 pw1, 쿠키 c2' }
  assert.equal(withoutSecrets(said, ['pw1', 'c2', '']), {
    en: 'password *** and cookie ***; ***',
    ko: '비밀번호 ***, 쿠키 ***',
  })
})

grafanaTest.run()

// the operator's dry run, the log shipper

const operatorTest = suite("section 06's objects, admitted in a server-side dry run")

operatorTest('works: kubectl apply --dry-run=server of a collector and an Instrumentation in the namespace', () => {
  const cmd = section06DryRunCmd(configOf('--namespace=observability'), {}, 'shop')
  assert.equal(cmd.argv, ['kubectl', 'apply', '--dry-run=server', '--request-timeout=20s', '-f', '-'])
  const docs = (cmd.input ?? '').split(/^---$/m).map((d) => d.trim())
  assert.is(docs.length, 2)
  assert.match(docs[0], /^kind: OpenTelemetryCollector$/m)
  assert.match(docs[1], /^kind: Instrumentation$/m)
  for (const doc of docs) assert.match(doc, /^ {2}namespace: shop$/m)
  // the collector sends to the stack's Tempo in the configured namespace
  assert.match(docs[0], /endpoint: tempo\.observability\.svc\.cluster\.local:4317/)
  assert.match(docs[1], /\.shop\.svc\.cluster\.local:4318/)
})

operatorTest("judgeAdmitted: admitted, CRDs missing, or kubectl's last line", () => {
  assert.is(judgeAdmitted(0, '', 'shop').ok, true)
  assert.equal(english(judgeAdmitted(1, 'error: resource mapping not found for name: "x"', 'shop')), {
    ok: false,
    detail: 'not installed (its CRDs are missing)',
  })
  const noKind = 'error: no matches for kind "Instrumentation" in version "opentelemetry.io/v1alpha1"'
  assert.is(judgeAdmitted(1, noKind, 'shop').detail.en, 'not installed (its CRDs are missing)')
  const refused = 'Error from server (Forbidden): admission webhook "minstrumentation.kb.io" denied the request'
  assert.equal(english(judgeAdmitted(1, `warning\n${refused}\n`, 'shop')), { ok: false, detail: refused })
})

operatorTest("the log shipper is the profile's DaemonSet: promtail in seed, Alloy in current", () => {
  assert.equal(logShipper(configOf('--profile=seed')), { name: 'loki-promtail', title: 'Promtail' })
  assert.equal(logShipper(configOf('--profile=current')), { name: 'alloy', title: 'Alloy' })
})

operatorTest.run()

// the dry run's bash

const bashTest = suite('the data-path checks in a dry run')

const reportOf = (...argv: string[]) => {
  const config = configOf(...argv)
  return renderScript(config, {}, planFor(config, ['verify']), { printedBy: 'test', cwd: projectRoot })
}

bashTest(
  'works: the reads through the service proxy of the configured namespace, and the dry run; bash parses it',
  () => {
    const text = reportOf('--namespace=observability')
    assert.ok(
      text.includes('kubectl get --raw /api/v1/namespaces/observability/services/loki:3100/proxy/ready\n'),
      text,
    )
    assert.ok(
      text.includes(
        "kubectl get --raw '/api/v1/namespaces/observability/services/kube-prometheus-stack-prometheus:9090" +
          "/proxy/api/v1/query?query=up'\n",
      ),
    )
    assert.match(
      text,
      /^if kubectl get namespace ticketing >\/dev\/null 2>&1; then\n {2}kubectl apply --dry-run=server/m,
    )
    assert.match(text, /checks those\)$/m)
    const parsed = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' })
    assert.is(parsed.status, 0, parsed.stderr)
  },
)

bashTest('--skip-data-checks leaves them out', () => {
  assert.not.match(reportOf('--skip-data-checks'), /--raw|--dry-run=server/)
})

bashTest('every read is a GET of a Service of the stack table', () => {
  const { reads } = dataPathCommands(configOf(), {})
  for (const read of reads) assert.match(read.argv.join(' '), /^kubectl get --raw \/api\/v1\/namespaces\/monitoring\//)
})

bashTest.run()

// in the report

const reportTest = suite('the data-path checks in the report')

reportTest('works: after the checks of the seed, and one ❌ among them fails the report', () => {
  const refused = { en: 'the push was refused', ko: '푸시 거부됨' }
  const failed = aCheck({ id: 'data/loki-roundtrip', group: 'data', ok: false, detail: refused })
  const report = buildReport(aConfig(), {
    ...aSnapshot(),
    dataPath: [aCheck({ id: 'grafana/health', group: 'grafana' }), failed],
  })
  assert.equal(
    report.checks.slice(-2).map((c) => c.id),
    ['grafana/health', 'data/loki-roundtrip'],
  )
  assert.is(report.ok, false)
})

reportTest.run()
