// Decodes the Kubernetes protobuf envelope that kubectl's typed clients send (Content-Type
// application/vnd.kubernetes.protobuf: "k8s\0" + runtime.Unknown{typeMeta, raw}) into the JSON
// object the apiserver would have decoded, using the field tables in schema.gen.ts. Answers stay
// JSON: client-go decodes a response by its Content-Type, so only request bodies need this.
import { ApiError } from '../../store.ts'
import { badRequest } from '../status.ts'
import { MESSAGES, ROOTS } from './schema.gen.ts'

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

export const isProtobuf = (contentType: string) => contentType.startsWith('application/vnd.kubernetes.protobuf')

export function decodeProtobuf(body: Buffer): Record<string, any> {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]')
  const unknown = fields(body.subarray(4))
  const typeMeta = fields(bytesOf(unknown, 1) ?? Buffer.alloc(0))
  const apiVersion = stringOf(typeMeta, 1) ?? ''
  const kind = stringOf(typeMeta, 2) ?? ''
  const root = ROOTS[`${apiVersion}/${kind}`]
  if (!root) {
    const known = Object.keys(ROOTS).join(', ')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `kube-sim decodes protobuf request bodies only for ${known}, not ${apiVersion}/${kind}: send JSON`,
    )
  }
  return { apiVersion, kind, ...(message(bytesOf(unknown, 2) ?? Buffer.alloc(0), root) as object) }
}

type Raw = { field: number; wire: number; value: bigint | Buffer }

/** Splits a message into its (field, wire type, value) records. */
function fields(buf: Buffer): Raw[] {
  const out: Raw[] = []
  let pos = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[pos++]
      result |= BigInt(b & 0x7f) << shift
      if (!(b & 0x80)) return result
      shift += 7n
    }
  }
  while (pos < buf.length) {
    const key = Number(varint())
    const wire = key & 7
    const field = key >>> 3
    if (wire === 0) out.push({ field, wire, value: varint() })
    else if (wire === 1) out.push({ field, wire, value: buf.subarray(pos, (pos += 8)) })
    else if (wire === 5) out.push({ field, wire, value: buf.subarray(pos, (pos += 4)) })
    else if (wire === 2) {
      const len = Number(varint())
      out.push({ field, wire, value: buf.subarray(pos, (pos += len)) })
    } else throw badRequest(`unsupported protobuf wire type ${wire}`)
  }
  return out
}

const bytesOf = (raw: Raw[], n: number) => raw.find((r) => r.field === n && r.wire === 2)?.value as Buffer | undefined
const stringOf = (raw: Raw[], n: number) => bytesOf(raw, n)?.toString('utf8')
const intOf = (raw: Raw[], n: number) => {
  const r = raw.find((x) => x.field === n && x.wire === 0)
  return r ? toInt(r.value as bigint) : undefined
}
const toInt = (v: bigint) => Number(BigInt.asIntN(64, v))

/** Zero values a client sets on purpose (pointer fields), kept where others are dropped. */
const KEEP_ZERO = new Set([
  'replicas',
  'value',
  'completions',
  'parallelism',
  'backoffLimit',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'startingDeadlineSeconds',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'gracePeriodSeconds',
  'expirationSeconds',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'automountServiceAccountToken',
  'suspend',
  'minReplicas',
])

function message(buf: Buffer, name: string): unknown {
  const special = decodeSpecial(buf, name)
  if (special !== NOT_SPECIAL) return special
  const table = MESSAGES[name]
  if (!table) return undefined
  const raw = fields(buf)
  const out: Record<string, unknown> = {}
  for (const [num, jsonName, type, repeated] of table) {
    const values = raw
      .filter((r) => r.field === num)
      .flatMap((r) => scalarOrPacked(r, type))
      .map((v) => value(v, type))
    if (!values.length) continue
    if (type.startsWith('M:')) out[jsonName] = Object.fromEntries(values as [string, unknown][])
    else if (repeated) out[jsonName] = values
    else if (!isEmpty(values[values.length - 1]) || KEEP_ZERO.has(jsonName)) out[jsonName] = values[values.length - 1]
  }
  return out
}

/** Repeated scalars may arrive packed (one length-delimited record of varints). */
function scalarOrPacked(r: Raw, type: string): (bigint | Buffer)[] {
  if (r.wire !== 2 || !['i', 'b'].includes(type)) return [r.value]
  return unpack(r.value as Buffer)
}

function unpack(buf: Buffer): bigint[] {
  const out: bigint[] = []
  let pos = 0
  while (pos < buf.length) {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[pos++]
      result |= BigInt(b & 0x7f) << shift
      shift += 7n
      if (!(b & 0x80)) break
    }
    out.push(result)
  }
  return out
}

function value(v: bigint | Buffer, type: string): unknown {
  switch (type[0]) {
    case 's':
      return (v as Buffer).toString('utf8')
    case 'y':
      return (v as Buffer).toString('base64')
    case 'b':
      return v !== 0n
    case 'i':
      return toInt(v as bigint)
    case 'd':
      return (v as Buffer).readDoubleLE(0)
    case 'f':
      return (v as Buffer).readFloatLE(0)
    case 'm':
      return message(v as Buffer, type.slice(2))
    case 'M': {
      const entry = fields(v as Buffer)
      const valueType = type.slice(2)
      const inner = entry.find((r) => r.field === 2)
      return [stringOf(entry, 1) ?? '', inner ? value(inner.value, valueType) : valueType === 's' ? '' : undefined]
    }
    default:
      return undefined
  }
}

const NOT_SPECIAL = Symbol('not special')

/** The types whose JSON form is not their protobuf shape. */
function decodeSpecial(buf: Buffer, name: string): unknown {
  const raw = () => fields(buf)
  switch (name) {
    case 'apis.meta.v1.Time':
    case 'apis.meta.v1.MicroTime': {
      const r = raw()
      const seconds = intOf(r, 1) ?? 0
      if (seconds <= 0) return undefined // Go's zero time: unset
      const iso = new Date(seconds * 1000 + Math.floor((intOf(r, 2) ?? 0) / 1e6)).toISOString()
      return name.endsWith('MicroTime') ? iso.replace(/\.(\d{3})Z$/, '.$1000Z') : iso.replace(/\.\d{3}Z$/, 'Z')
    }
    case 'apis.meta.v1.Duration':
      return goDuration(intOf(raw(), 1) ?? 0)
    case 'apis.meta.v1.FieldsV1':
    case 'runtime.RawExtension': {
      const bytes = bytesOf(raw(), 1)
      return bytes?.length ? JSON.parse(bytes.toString('utf8')) : undefined
    }
    case 'api.resource.Quantity':
      return stringOf(raw(), 1)
    case 'util.intstr.IntOrString': {
      const r = raw()
      return intOf(r, 1) === 1 ? (stringOf(r, 3) ?? '') : (intOf(r, 2) ?? 0)
    }
    default:
      return NOT_SPECIAL
  }
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true
  return typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0
}

/** Go's time.Duration String(): 1h2m3s, 1.5s, 300ms. */
function goDuration(ns: number): string {
  if (ns === 0) return '0s'
  const s = ns / 1e9
  if (s < 1) return ns % 1e6 === 0 ? `${ns / 1e6}ms` : `${ns / 1e3}µs`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = +(s % 60).toFixed(9)
  return h ? `${h}h${m}m${rest}s` : m ? `${m}m${rest}s` : `${rest}s`
}
