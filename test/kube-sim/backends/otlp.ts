// OTLP/HTTP trace requests (ExportTraceServiceRequest) as JSON or protobuf, read into one shape.
// The protobuf reader is hand-written for the fields a trace-by-id answer shows: resource
// attributes, the scope's name, and each span's ids, parent, name, kind and times (field numbers from
// opentelemetry-proto's trace.proto, common.proto and resource.proto); other fields are skipped.
import { fields } from './protobuf.ts'

export interface OtlpSpan {
  /** 32 hex digits */
  traceId: string
  /** 16 hex digits */
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
}

export interface OtlpResourceSpans {
  resource: { attributes: { key: string; value: { stringValue?: string } }[] }
  scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[]
}

/** The JSON encoding (ids as hex, as OTLP/HTTP JSON has them). */
export function fromJson(text: string): OtlpResourceSpans[] {
  const request = JSON.parse(text) as { resourceSpans?: OtlpResourceSpans[] }
  if (!Array.isArray(request.resourceSpans)) throw new Error('proto: no resourceSpans')
  return request.resourceSpans.map((rs) => ({
    resource: { attributes: rs.resource?.attributes ?? [] },
    scopeSpans: (rs.scopeSpans ?? []).map((ss) => ({
      scope: { name: ss.scope?.name ?? '' },
      spans: (ss.spans ?? []).map((s) => ({ ...s, traceId: s.traceId.toLowerCase(), spanId: s.spanId.toLowerCase() })),
    })),
  }))
}

/** The protobuf encoding. */
export function fromProtobuf(bytes: Buffer): OtlpResourceSpans[] {
  return fields(bytes)
    .filter((f) => f.no === 1)
    .map((rs) => {
      const parts = fields(rs.bytes())
      const resource = parts.find((f) => f.no === 1)
      return {
        resource: {
          attributes: resource
            ? fields(resource.bytes())
                .filter((f) => f.no === 1)
                .map((kv) => keyValue(kv.bytes()))
            : [],
        },
        scopeSpans: parts.filter((f) => f.no === 2).map((ss) => scopeSpans(ss.bytes())),
      }
    })
}

function scopeSpans(bytes: Buffer): OtlpResourceSpans['scopeSpans'][number] {
  const parts = fields(bytes)
  const scope = parts.find((f) => f.no === 1)
  const name = scope
    ? (fields(scope.bytes())
        .find((f) => f.no === 1)
        ?.bytes()
        .toString('utf8') ?? '')
    : ''
  return { scope: { name }, spans: parts.filter((f) => f.no === 2).map((s) => span(s.bytes())) }
}

function span(bytes: Buffer): OtlpSpan {
  const parts = fields(bytes)
  const get = (no: number) => parts.find((f) => f.no === no)
  const parent = get(4)?.bytes().toString('hex')
  return {
    traceId: get(1)?.bytes().toString('hex') ?? '',
    spanId: get(2)?.bytes().toString('hex') ?? '',
    ...(parent ? { parentSpanId: parent } : {}),
    name: get(5)?.bytes().toString('utf8') ?? '',
    kind: Number(get(6)?.value ?? 0n),
    startTimeUnixNano: String(get(7)?.value ?? 0n),
    endTimeUnixNano: String(get(8)?.value ?? 0n),
  }
}

function keyValue(bytes: Buffer): { key: string; value: { stringValue?: string } } {
  const parts = fields(bytes)
  const key =
    parts
      .find((f) => f.no === 1)
      ?.bytes()
      .toString('utf8') ?? ''
  const any = parts.find((f) => f.no === 2)
  const str = any && fields(any.bytes()).find((f) => f.no === 1)
  return { key, value: str ? { stringValue: str.bytes().toString('utf8') } : {} }
}
