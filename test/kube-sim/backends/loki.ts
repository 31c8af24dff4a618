// Loki, a protocol fake written from its published HTTP API: /ready, POST /loki/api/v1/push (JSON,
// or snappy-compressed protobuf as promtail and Alloy send it; no Content-Type at all is Loki's
// 400, as `kubectl create --raw` gets), GET
// /loki/api/v1/query_range and /query over log streams kept by their labels. A LogQL query is a
// stream selector (`=`, `!=`, `=~`, `!~`) with line filters (`|=`, `!=`, `|~`, `!~`); anything
// else is a 400 parse error as Loki words it. It fails the way Loki does when a fault says so.
import type http from 'node:http'
import { json, text, type Handler } from './http.ts'
import { fields, unsnappy } from './protobuf.ts'

export interface LokiFaults {
  /** /ready answers 503 with this ("Ingester not ready: …") */
  notReady?: string
  /** every push is refused with this status and text (400, 429, 500, as Loki words them) */
  pushRefused?: { status: number; message: string }
}

interface Stream {
  labels: Record<string, string>
  /** [nanoseconds, line], oldest first */
  entries: [bigint, string][]
}

/** Lines kept per stream: enough for any query a check makes, bounded for a long-lived world. */
const KEPT = 1000

export function loki(faults: () => LokiFaults): Handler {
  const streams = new Map<string, Stream>()
  return (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://loki')
    const f = faults()
    if (url.pathname === '/ready') return f.notReady ? text(res, 503, `${f.notReady}\n`) : text(res, 200, 'ready\n')
    if (url.pathname === '/loki/api/v1/push' && req.method === 'POST') {
      if (f.pushRefused) return text(res, f.pushRefused.status, `${f.pushRefused.message}\n`)
      return push(req, body, res, streams)
    }
    if (url.pathname === '/loki/api/v1/query_range' || url.pathname === '/loki/api/v1/query')
      return query(url, res, streams)
    text(res, 404, '404 page not found\n')
  }
}

type Pushed = { stream?: Record<string, string>; values?: [string, string][] }[]

function push(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, streams: Map<string, Stream>) {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
  // Loki reads anything but JSON as snappy-compressed protobuf; with no type at all it stops first
  if (!type) return text(res, 400, 'mime: no media type\n')
  let pushed: Pushed
  try {
    pushed = type === 'application/json' ? (JSON.parse(body.toString('utf8')).streams ?? []) : fromProtobuf(body)
  } catch (e) {
    return text(res, 400, `${(e as Error).message}\n`)
  }
  for (const s of pushed) {
    if (!s.stream || !Object.keys(s.stream).length)
      return text(res, 400, 'error at least one label pair is required per stream\n')
    const key = JSON.stringify(Object.entries(s.stream).sort())
    const stream = streams.get(key) ?? { labels: s.stream, entries: [] }
    streams.set(key, stream)
    for (const [ns, line] of s.values ?? []) stream.entries.push([BigInt(ns), line])
    stream.entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    stream.entries.splice(0, Math.max(0, stream.entries.length - KEPT))
  }
  res.writeHead(204)
  res.end()
}

/** logproto.PushRequest, snappy-compressed: streams (1) of labels (1, `{a="b"}`) and entries (2: time 1, line 2). */
function fromProtobuf(body: Buffer): Pushed {
  return fields(unsnappy(body))
    .filter((f) => f.no === 1)
    .map((s) => {
      const parts = fields(s.bytes())
      const labels =
        parts
          .find((f) => f.no === 1)
          ?.bytes()
          .toString('utf8') ?? ''
      const matchers =
        /^\{(.*)\}$/s
          .exec(labels.trim())?.[1]
          .split(',')
          .filter((m) => m.trim()) ?? []
      const pairs = matchers.map((m) => MATCHER.exec(m))
      if (pairs.some((p) => p?.[2] !== '=')) throw new Error(`1:2: parse error: unexpected ${JSON.stringify(labels)}`)
      const stream = Object.fromEntries(pairs.map((p) => [p![1], JSON.parse(`"${p![3]}"`)]))
      const values = parts
        .filter((f) => f.no === 2)
        .map((e): [string, string] => {
          const entry = fields(e.bytes())
          const time = fields(entry.find((f) => f.no === 1)?.bytes() ?? Buffer.alloc(0))
          const seconds = time.find((f) => f.no === 1)?.value ?? 0n
          const nanos = time.find((f) => f.no === 2)?.value ?? 0n
          return [
            String(seconds * 1_000_000_000n + nanos),
            entry
              .find((f) => f.no === 2)
              ?.bytes()
              .toString('utf8') ?? '',
          ]
        })
      return { stream, values }
    })
}

function query(url: URL, res: http.ServerResponse, streams: Map<string, Stream>) {
  const q = url.searchParams
  const parsed = parseLogQL(q.get('query') ?? '')
  if (typeof parsed === 'string') return text(res, 400, `${parsed}\n`)
  const now = BigInt(Date.now()) * 1_000_000n
  const instant = url.pathname.endsWith('/query')
  const end = instant ? time(q.get('time'), now) : time(q.get('end'), now)
  const start = instant ? end - 3_600_000_000_000n : time(q.get('start'), end - 3_600_000_000_000n)
  const limit = Number(q.get('limit') ?? 100)
  const backward = (q.get('direction') ?? 'backward') === 'backward'
  const matched = [...streams.values()].filter((s) => parsed.selects(s.labels))
  const entries = matched
    .flatMap((s) =>
      s.entries.filter(([t, line]) => t >= start && t <= end && parsed.keeps(line)).map((e) => ({ s, e })),
    )
    .sort((a, b) => (a.e[0] < b.e[0] ? -1 : a.e[0] > b.e[0] ? 1 : 0) * (backward ? -1 : 1))
    .slice(0, limit)
  const result = matched
    .map((s) => ({
      stream: s.labels,
      values: entries.filter((x) => x.s === s).map((x) => [String(x.e[0]), x.e[1]]),
    }))
    .filter((s) => s.values.length)
  json(res, 200, { status: 'success', data: { resultType: 'streams', result, stats: {} } })
}

/** A time as Loki takes it: nanoseconds, or RFC 3339. */
function time(value: string | null, fallback: bigint): bigint {
  if (!value) return fallback
  if (/^\d+$/.test(value)) return BigInt(value)
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? fallback : BigInt(ms) * 1_000_000n
}

interface LogQuery {
  selects(labels: Record<string, string>): boolean
  keeps(line: string): boolean
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/
const FILTER = /^\s*(\|=|!=|\|~|!~)\s*"((?:[^"\\]|\\.)*)"/

/** A stream selector and line filters, or Loki's parse error. */
export function parseLogQL(query: string): LogQuery | string {
  const m = /^\s*\{([^}]*)\}(.*)$/s.exec(query)
  const fail = `parse error at line 1, col 1: syntax error: unexpected ${JSON.stringify(query.slice(0, 20))}`
  if (!m) return fail
  const matchers = m[1].split(',').filter((s) => s.trim())
  const parsed = matchers.map((s) => MATCHER.exec(s))
  if (!parsed.length || parsed.some((p) => !p)) return fail
  const filters: [string, string][] = []
  let rest = m[2]
  while (rest.trim()) {
    const f = FILTER.exec(rest)
    if (!f) return fail
    filters.push([f[1], JSON.parse(`"${f[2]}"`)])
    rest = rest.slice(f[0].length)
  }
  const test = (op: string, value: string, pattern: string) =>
    op === '='
      ? value === pattern
      : op === '!='
        ? value !== pattern
        : (op === '=~') === new RegExp(`^(?:${pattern})$`).test(value)
  return {
    selects: (labels) => parsed.every((p) => test(p![2], labels[p![1]] ?? '', JSON.parse(`"${p![3]}"`))),
    keeps: (line) =>
      filters.every(([op, v]) =>
        op === '|=' ? line.includes(v) : op === '!=' ? !line.includes(v) : (op === '|~') === new RegExp(v).test(line),
      ),
  }
}
