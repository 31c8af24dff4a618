// The HTTP APIs of the stack's backends (Prometheus, Loki, Tempo, Grafana), as the data-path checks
// use them: pure builders of the requests they send and judges of the answers they get. Each judge
// says what it saw, in words that explain a ❌; `retry` marks an answer that may still change
// (a line or a span not yet queryable, a target not yet scraped). A failed query is final: asking
// again would only make the report wait.
import type { HttpRequest, HttpResponse } from './proxy.ts'

/** What a check found: ok, or why not. */
export interface Verdict {
  ok: boolean
  detail: string
  /** not yet: the same question may get another answer in a moment */
  retry?: boolean
}

/** An answer's status and what it says: a JSON `message`/`error` (a Kubernetes Status too), else its first line. */
export function httpReason(res: HttpResponse): string {
  if (res.status === 0) return `no answer: ${res.body}`
  const text = res.body.trim()
  const json = parseJson(text) as { message?: unknown; error?: unknown } | undefined
  const said = typeof json?.message === 'string' ? json.message : typeof json?.error === 'string' ? json.error : text
  const line = said.split('\n')[0].trim().slice(0, 200)
  return `HTTP ${res.status}${line ? `: ${line}` : ''}`
}

/** `/ready`, `/-/ready`: 200 is ready; anything else is why not (Loki: "Ingester not ready: …"). */
export function judgeReady(res: HttpResponse): Verdict {
  return res.status === 200 ? { ok: true, detail: 'ready' } : { ok: false, detail: httpReason(res) }
}

/** A write (a push, a span) that was taken: undefined; refused: why. */
export function judgeWritten(res: HttpResponse, what: string): Verdict | undefined {
  return res.status >= 200 && res.status < 300
    ? undefined
    : { ok: false, detail: `${what} was refused: ${httpReason(res)}` }
}

// Prometheus

export const prometheusUp: HttpRequest = { path: '/api/v1/query?query=up' }

interface PromSample {
  metric: Record<string, string>
  value: [number, string]
}

/** Per job: every target up, some down (named), or none yet (not scraped since Prometheus started). */
export function judgeUp(res: HttpResponse, jobs: readonly string[]): Record<string, Verdict> {
  const samples = (parseJson(res.body) as { data?: { result?: PromSample[] } } | undefined)?.data?.result
  return Object.fromEntries(
    jobs.map((job): [string, Verdict] => {
      if (res.status !== 200 || !Array.isArray(samples))
        return [job, { ok: false, detail: `the query for up failed: ${httpReason(res)}` }]
      const targets = samples.filter((s) => s.metric?.job === job)
      const down = targets.filter((s) => s.value?.[1] !== '1').map((s) => s.metric.instance ?? '?')
      if (!targets.length) return [job, { ok: false, retry: true, detail: `no target of job "${job}" in up` }]
      if (down.length)
        return [job, { ok: false, detail: `${down.length} of ${targets.length} down: ${down.join(', ')}` }]
      return [job, { ok: true, detail: `${targets.length} of ${targets.length} up` }]
    }),
  )
}

// Loki

/** One line under labels of its own, timestamped now (Loki wants nanoseconds, as a string). */
export function lokiPush(labels: Record<string, string>, line: string, nowMs: number): HttpRequest {
  return {
    method: 'POST',
    path: '/loki/api/v1/push',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: labels, values: [[nanoseconds(nowMs), line]] }] }),
  }
}

/** A LogQL query over [fromMs, toMs], the newest lines first. */
export function lokiQuery(query: string, fromMs: number, toMs: number, limit: number): HttpRequest {
  const params = new URLSearchParams({
    query,
    start: nanoseconds(fromMs),
    end: nanoseconds(toMs),
    limit: String(limit),
    direction: 'backward',
  })
  return { path: `/loki/api/v1/query_range?${params}` }
}

interface LokiStream {
  stream: Record<string, string>
  values: [string, string][]
}

/** Whether `line` came back. */
export function judgeReadBack(res: HttpResponse, line: string, query: string): Verdict {
  const streams = lokiStreams(res)
  if (!streams) return { ok: false, detail: `pushed, but the query failed: ${httpReason(res)}` }
  return streams.some((s) => s.values?.some((v) => v[1] === line))
    ? { ok: true, detail: `a line pushed and read back by ${query}` }
    : { ok: false, retry: true, detail: `pushed, but ${query} does not find it` }
}

/** Whether lines of the cluster's pods arrive: streams labelled with a namespace and a pod. */
export function judgeShipper(res: HttpResponse, window: string): Verdict {
  const streams = lokiStreams(res)
  if (!streams) return { ok: false, detail: `the query failed: ${httpReason(res)}` }
  const pod = streams.map((s) => s.stream).find((labels) => labels?.namespace && labels.pod)
  return pod
    ? { ok: true, detail: `lines of the pods arrive (the latest from ${pod.namespace}/${pod.pod})` }
    : { ok: false, retry: true, detail: `no line of any pod in the last ${window}` }
}

function lokiStreams(res: HttpResponse): LokiStream[] | undefined {
  if (res.status !== 200) return undefined
  const result = (parseJson(res.body) as { data?: { result?: unknown } } | undefined)?.data?.result
  return Array.isArray(result) ? (result as LokiStream[]) : undefined
}

// Tempo (OTLP/HTTP in, trace by id out)

export interface SpanProbe {
  /** 32 hex digits */
  traceId: string
  /** 16 hex digits */
  spanId: string
  name: string
  service: string
  nowMs: number
}

/** One span as OTLP/HTTP JSON, the encoding every OTLP/HTTP receiver takes besides protobuf. */
export function otlpSpan(span: SpanProbe): HttpRequest {
  const start = nanoseconds(span.nowMs - 1)
  const resourceSpans = [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: span.service } }] },
      scopeSpans: [
        {
          scope: { name: span.service },
          spans: [
            {
              traceId: span.traceId,
              spanId: span.spanId,
              name: span.name,
              kind: 1,
              startTimeUnixNano: start,
              endTimeUnixNano: nanoseconds(span.nowMs),
            },
          ],
        },
      ],
    },
  ]
  return {
    method: 'POST',
    path: '/v1/traces',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans }),
  }
}

/** Tempo's trace by id, as JSON (it answers protobuf when asked for it). */
export function traceById(traceId: string): HttpRequest {
  return { path: `/api/traces/${traceId}`, headers: { accept: 'application/json' } }
}

/** Whether the trace came back holding the span: 404 until Tempo has it. */
export function judgeTrace(res: HttpResponse, span: Pick<SpanProbe, 'traceId' | 'name'>): Verdict {
  if (res.status === 404)
    return { ok: false, retry: true, detail: `sent, but trace ${span.traceId} is not found by id` }
  if (res.status !== 200) return { ok: false, detail: `sent, but reading it back failed: ${httpReason(res)}` }
  return spanNames(parseJson(res.body)).includes(span.name)
    ? { ok: true, detail: `a span sent and read back by its trace id ${span.traceId}` }
    : { ok: false, retry: true, detail: `trace ${span.traceId} came back without the span sent` }
}

/** The names of a trace's spans: Tempo answers `batches` (OTLP's resourceSpans by an older name) or `resourceSpans`. */
function spanNames(trace: unknown): string[] {
  type Scope = { spans?: { name?: string }[] }
  type Batch = { scopeSpans?: Scope[]; instrumentationLibrarySpans?: Scope[] }
  const t = trace as { batches?: Batch[]; resourceSpans?: Batch[]; trace?: { resourceSpans?: Batch[] } } | undefined
  const batches = t?.batches ?? t?.resourceSpans ?? t?.trace?.resourceSpans ?? []
  return batches.flatMap((b) =>
    (b.scopeSpans ?? b.instrumentationLibrarySpans ?? []).flatMap((s) => (s.spans ?? []).map((x) => x.name ?? '')),
  )
}

// Grafana

export interface Credentials {
  user: string
  password: string
}

/** The admin credentials in the chart's Secret (base64, as the API gives them), or what is missing. */
export function adminCredentials(
  secret: { data?: Record<string, string> } | undefined,
  name: string,
): Credentials | string {
  if (!secret) return `Secret ${name} not found`
  const user = secret.data?.['admin-user']
  const password = secret.data?.['admin-password']
  if (!user || !password) return `Secret ${name} has no admin-user and admin-password`
  return {
    user: Buffer.from(user, 'base64').toString('utf8'),
    password: Buffer.from(password, 'base64').toString('utf8'),
  }
}

/** Grafana's health: 200 with `database: ok`. */
export function judgeHealth(res: HttpResponse): Verdict {
  const health = parseJson(res.body) as { database?: string; version?: string } | undefined
  if (res.status === 200 && health?.database === 'ok')
    return { ok: true, detail: `database ok${health.version ? `, Grafana ${health.version}` : ''}` }
  return { ok: false, detail: health?.database ? `database ${health.database}` : httpReason(res) }
}

/**
 * Signing in as a browser does: the API server drops an Authorization header from what it proxies,
 * so basic auth never reaches Grafana; the session cookie does.
 */
export function grafanaLogin(credentials: Credentials): HttpRequest {
  return {
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: credentials.user, password: credentials.password }),
  }
}

/** The session cookie (`grafana_session=…`) a sign-in set, as a Cookie header value. */
export function sessionCookie(res: HttpResponse): string | undefined {
  const cookies = res.headers['set-cookie'] ?? []
  return cookies.map((c) => c.split(';')[0].trim()).find((c) => /^grafana_session=./.test(c))
}

/** The sign-in's answer: a session, or why not (401: the Secret's credentials are not Grafana's). */
export function judgeSignIn(res: HttpResponse, secret: string): Verdict {
  if (res.status === 200 && sessionCookie(res))
    return { ok: true, detail: `signed in with the credentials of ${secret}` }
  if (res.status === 401)
    return { ok: false, detail: `Grafana refused the credentials of ${secret}: ${httpReason(res)}` }
  return { ok: false, detail: `sign-in failed: ${httpReason(res)}` }
}

export interface GrafanaDatasource {
  uid: string
  name: string
  type: string
}

/** The datasources Grafana lists (GET /api/datasources), or undefined when the answer is not that list. */
export function datasourcesOf(res: HttpResponse): GrafanaDatasource[] | undefined {
  const list = parseJson(res.body)
  if (res.status !== 200 || !Array.isArray(list)) return undefined
  return list.filter((d): d is GrafanaDatasource => typeof d?.uid === 'string' && typeof d?.name === 'string')
}

/** A datasource's own health check (GET /api/datasources/uid/UID/health): status OK, or its message. */
export function judgeDatasource(res: HttpResponse): Verdict {
  const health = parseJson(res.body) as { status?: string; message?: string } | undefined
  if (res.status === 200 && health?.status === 'OK') return { ok: true, detail: health.message || 'OK' }
  return { ok: false, detail: health?.message ? `${health.status ?? 'ERROR'}: ${health.message}` : httpReason(res) }
}

/** The text with each secret (a password, a session cookie) replaced by `***`: what Grafana says may echo them. */
export function withoutSecrets(text: string, secrets: string[]): string {
  return secrets.filter(Boolean).reduce((t, s) => t.split(s).join('***'), text)
}

function nanoseconds(ms: number): string {
  return `${BigInt(Math.floor(ms)) * 1_000_000n}`
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
