// The HTTP APIs of the stack's backends (Prometheus, Loki, Tempo, Grafana), as the data-path checks
// use them: pure builders of the requests they send and judges of the answers they get. Each judge
// says what it saw, in words that explain a ❌; `retry` marks an answer that may still change
// (a line or a span not yet queryable, a target not yet scraped). A failed query is final: asking
// again would only make the report wait. In Korean, what a backend said itself follows ` — `.
import { inBoth, type Text } from '../core/text.ts'
import { REQUEST_MS, type HttpRequest, type HttpResponse } from './proxy.ts'

/** What a check found: ok, or why not (in both languages: the report's JSON carries the English). */
export interface Verdict {
  ok: boolean
  detail: Text
  /** not yet: the same question may get another answer in a moment */
  retry?: boolean
}

/** An answer's status and what it says: a JSON `message`/`error` (a Kubernetes Status too), else its first line. */
export function httpReason(res: HttpResponse): Text {
  if (res.status === 0)
    return {
      en: `no answer: ${res.body}`,
      ko: res.timedOut ? `${REQUEST_MS / 1000}초 안에 응답 없음` : `응답 없음 — ${res.body}`,
    }
  const text = res.body.trim()
  const json = parseJson(text) as { message?: unknown; error?: unknown } | undefined
  const said = typeof json?.message === 'string' ? json.message : typeof json?.error === 'string' ? json.error : text
  const line = said.split('\n')[0].trim().slice(0, 200)
  return { en: `HTTP ${res.status}${line ? `: ${line}` : ''}`, ko: `HTTP ${res.status}${line ? ` — ${line}` : ''}` }
}

/** `/ready`, `/-/ready`: 200 is ready; anything else is why not (Loki: "Ingester not ready: …"). */
export function judgeReady(res: HttpResponse): Verdict {
  return res.status === 200
    ? { ok: true, detail: { en: 'ready', ko: '준비됨' } }
    : { ok: false, detail: httpReason(res) }
}

/** A write (a push, a span) that was taken: undefined; refused: why. */
export function judgeWritten(res: HttpResponse, what: Text): Verdict | undefined {
  if (res.status >= 200 && res.status < 300) return undefined
  const reason = httpReason(res)
  return { ok: false, detail: { en: `${what.en} was refused: ${reason.en}`, ko: `${what.ko} 거부됨: ${reason.ko}` } }
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
      if (res.status !== 200 || !Array.isArray(samples)) {
        const reason = httpReason(res)
        return [
          job,
          { ok: false, detail: { en: `the query for up failed: ${reason.en}`, ko: `up 쿼리 실패: ${reason.ko}` } },
        ]
      }
      const targets = samples.filter((s) => s.metric?.job === job)
      const down = targets.filter((s) => s.value?.[1] !== '1').map((s) => s.metric.instance ?? '?')
      const [n, list] = [targets.length, down.join(', ')]
      if (!n) {
        const detail = { en: `no target of job "${job}" in up`, ko: `up에 job "${job}"의 타깃이 없습니다` }
        return [job, { ok: false, retry: true, detail }]
      }
      if (down.length)
        return [
          job,
          {
            ok: false,
            detail: { en: `${down.length} of ${n} down: ${list}`, ko: `${n}개 중 ${down.length}개 다운: ${list}` },
          },
        ]
      return [job, { ok: true, detail: { en: `${n} of ${n} up`, ko: `${n}개 모두 정상` } }]
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
  if (!streams) {
    const reason = httpReason(res)
    return {
      ok: false,
      detail: { en: `pushed, but the query failed: ${reason.en}`, ko: `푸시했지만 쿼리 실패: ${reason.ko}` },
    }
  }
  return streams.some((s) => s.values?.some((v) => v[1] === line))
    ? {
        ok: true,
        detail: {
          en: `a line pushed and read back by ${query}`,
          ko: `한 줄을 푸시하고 ${query}로 다시 읽었습니다`,
        },
      }
    : {
        ok: false,
        retry: true,
        detail: {
          en: `pushed, but ${query} does not find it`,
          ko: `푸시했지만 ${query}로 찾지 못했습니다`,
        },
      }
}

/** Whether lines of the cluster's pods arrive: streams labelled with a namespace and a pod. */
export function judgeShipper(res: HttpResponse, window: Text): Verdict {
  const streams = lokiStreams(res)
  if (!streams) {
    const reason = httpReason(res)
    return { ok: false, detail: { en: `the query failed: ${reason.en}`, ko: `쿼리 실패: ${reason.ko}` } }
  }
  const pod = streams.map((s) => s.stream).find((labels) => labels?.namespace && labels.pod)
  if (!pod)
    return {
      ok: false,
      retry: true,
      detail: {
        en: `no line of any pod in the last ${window.en}`,
        ko: `최근 ${window.ko} 동안 파드의 로그가 한 줄도 없습니다`,
      },
    }
  const latest = `${pod.namespace}/${pod.pod}`
  return {
    ok: true,
    detail: {
      en: `lines of the pods arrive (the latest from ${latest})`,
      ko: `파드의 로그가 들어옵니다 (최근: ${latest})`,
    },
  }
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
  const id = span.traceId
  if (res.status === 404)
    return {
      ok: false,
      retry: true,
      detail: {
        en: `sent, but trace ${id} is not found by id`,
        ko: `보냈지만 트레이스 ID로 찾지 못했습니다: ${id}`,
      },
    }
  if (res.status !== 200) {
    const reason = httpReason(res)
    return {
      ok: false,
      detail: {
        en: `sent, but reading it back failed: ${reason.en}`,
        ko: `보냈지만 다시 읽지 못했습니다: ${reason.ko}`,
      },
    }
  }
  return spanNames(parseJson(res.body)).includes(span.name)
    ? {
        ok: true,
        detail: {
          en: `a span sent and read back by its trace id ${id}`,
          ko: `스팬을 보내고 트레이스 ID ${id}로 다시 읽었습니다`,
        },
      }
    : {
        ok: false,
        retry: true,
        detail: {
          en: `trace ${id} came back without the span sent`,
          ko: `트레이스 ${id}에 보낸 스팬이 없습니다`,
        },
      }
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
): Credentials | Text {
  if (!secret) return { en: `Secret ${name} not found`, ko: `Secret을 찾을 수 없습니다: ${name}` }
  const user = secret.data?.['admin-user']
  const password = secret.data?.['admin-password']
  if (!user || !password)
    return {
      en: `Secret ${name} has no admin-user and admin-password`,
      ko: `Secret ${name}에 admin-user와 admin-password가 없습니다`,
    }
  return {
    user: Buffer.from(user, 'base64').toString('utf8'),
    password: Buffer.from(password, 'base64').toString('utf8'),
  }
}

/** Grafana's health: 200 with `database: ok`. */
export function judgeHealth(res: HttpResponse): Verdict {
  const health = parseJson(res.body) as { database?: string; version?: string } | undefined
  if (res.status === 200 && health?.database === 'ok') {
    const version = health.version ? `, Grafana ${health.version}` : ''
    return { ok: true, detail: { en: `database ok${version}`, ko: `데이터베이스 정상${version}` } }
  }
  const database = health?.database
  return {
    ok: false,
    detail: database ? { en: `database ${database}`, ko: `데이터베이스 상태: ${database}` } : httpReason(res),
  }
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
    return {
      ok: true,
      detail: {
        en: `signed in with the credentials of ${secret}`,
        ko: `${secret}의 자격 증명으로 로그인했습니다`,
      },
    }
  const reason = httpReason(res)
  if (res.status === 401)
    return {
      ok: false,
      detail: {
        en: `Grafana refused the credentials of ${secret}: ${reason.en}`,
        ko: `Grafana가 ${secret}의 자격 증명을 거부했습니다: ${reason.ko}`,
      },
    }
  return { ok: false, detail: { en: `sign-in failed: ${reason.en}`, ko: `로그인 실패: ${reason.ko}` } }
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
  // Grafana's own words (a plugin's message) are quoted as they are
  const said = health?.message
  if (res.status === 200 && health?.status === 'OK')
    return { ok: true, detail: { en: said || 'OK', ko: said ? `정상 — ${said}` : '정상' } }
  if (!said) return { ok: false, detail: httpReason(res) }
  const status = health?.status ?? 'ERROR'
  return { ok: false, detail: { en: `${status}: ${said}`, ko: `${status} — ${said}` } }
}

/** The text with each secret (a password, a session cookie) replaced by `***`: what Grafana says may echo them. */
export function withoutSecrets(text: Text, secrets: string[]): Text {
  return inBoth((language) => secrets.filter(Boolean).reduce((t, s) => t.split(s).join('***'), text[language]))
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
