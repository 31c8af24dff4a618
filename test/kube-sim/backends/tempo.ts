// Tempo, a protocol fake written from its published APIs: the OTLP/HTTP receiver (POST /v1/traces,
// JSON or protobuf, on 4318) and the query API on 3200 (/ready, GET /api/traces/<id> answering
// JSON with `batches` as Tempo 2 does, 404 for a trace it does not have, /api/echo as Grafana's
// health check calls it). It fails the way Tempo does when a fault says so.
import { YAML } from 'zx'
import { fromJson, fromProtobuf, type OtlpResourceSpans } from './otlp.ts'
import { json, text, type Handler } from './http.ts'

export interface TempoFaults {
  /** /ready answers 503 with this ("Ingester not ready: …") */
  notReady?: string
  /** the receiver refuses every export with this status and message (503 Unavailable, 429 …) */
  receiverRefused?: { status: number; message: string }
}

/**
 * The port Tempo's OTLP/HTTP receiver listens on for other pods, as its config (tempo.yaml among the
 * pod's mounted files) sets it: none when the receiver is off or bound to the loopback; 4318 for a
 * pod with no Tempo config at all (a test's bare pod).
 */
export function otlpHttpPort(files: string[]): number | undefined {
  const configs = files.map((f) => parseYaml(f)).filter((c) => c?.distributor !== undefined || c?.server !== undefined)
  if (!configs.length) return 4318
  const http = configs.map((c) => c.distributor?.receivers?.otlp?.protocols).find((p) => p && 'http' in p)?.http
  if (http === undefined) return undefined
  const endpoint: string = http?.endpoint ?? '0.0.0.0:4318'
  if (/^(localhost|127\.)/.test(endpoint)) return undefined
  return Number(endpoint.split(':').pop())
}

function parseYaml(text: string): any {
  try {
    return YAML.parse(text)
  } catch {
    return undefined
  }
}

/** The receiver's and the query API's handlers, sharing one pod's traces. */
export function tempo(faults: () => TempoFaults): { query: Handler; receiver: Handler } {
  const traces = new Map<string, OtlpResourceSpans[]>()
  const receiver: Handler = (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://tempo')
    if (url.pathname !== '/v1/traces' || req.method !== 'POST') return text(res, 404, '404 page not found\n')
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
    if (type !== 'application/json' && type !== 'application/x-protobuf')
      return text(res, 415, `${type} unsupported media type, supported: [application/json, application/x-protobuf]`)
    const protobuf = type === 'application/x-protobuf'
    const refused = faults().receiverRefused
    // the receiver answers in the encoding it was sent, a google.rpc.Status on failure
    if (refused) return json(res, refused.status, { code: refused.status === 429 ? 8 : 14, message: refused.message })
    let batches: OtlpResourceSpans[]
    try {
      batches = protobuf ? fromProtobuf(body) : fromJson(body.toString('utf8'))
    } catch (e) {
      return json(res, 400, { code: 3, message: `unable to unmarshal request: ${(e as Error).message}` })
    }
    for (const batch of batches)
      for (const scope of batch.scopeSpans)
        for (const span of scope.spans) {
          const kept = traces.get(span.traceId) ?? []
          kept.push({ resource: batch.resource, scopeSpans: [{ scope: scope.scope, spans: [span] }] })
          traces.set(span.traceId, kept)
        }
    if (protobuf) {
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 })
      res.end()
      return
    }
    json(res, 200, { partialSuccess: {} })
  }
  const query: Handler = (req, _body, res) => {
    const url = new URL(req.url ?? '/', 'http://tempo')
    const notReady = faults().notReady
    if (url.pathname === '/ready') return notReady ? text(res, 503, `${notReady}\n`) : text(res, 200, 'ready\n')
    if (url.pathname === '/api/echo') return text(res, 200, 'echo')
    const id = /^\/api\/(?:v2\/)?traces\/([0-9a-fA-F]{1,32})$/.exec(url.pathname)?.[1]
    if (!id) return text(res, 404, '404 page not found\n')
    const batches = traces.get(id.toLowerCase().padStart(32, '0'))
    if (!batches) return text(res, 404, 'trace not found\n')
    // Tempo answers ids as protobuf's JSON mapping has bytes: base64
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')
    json(res, 200, {
      batches: batches.map((b) => ({
        ...b,
        scopeSpans: b.scopeSpans.map((s) => ({
          ...s,
          spans: s.spans.map((sp) => ({
            ...sp,
            traceId: b64(sp.traceId),
            spanId: b64(sp.spanId),
            ...(sp.parentSpanId ? { parentSpanId: b64(sp.parentSpanId) } : {}),
          })),
        })),
      })),
    })
  }
  return { query, receiver }
}
