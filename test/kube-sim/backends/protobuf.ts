// The wire formats of the clients that push protobuf: protobuf's fields (read, not schema-checked)
// and snappy's block format, which Loki's push API takes compressed protobuf in.

export interface Field {
  no: number
  /** varint and fixed values */
  value?: bigint
  /** length-delimited payload */
  bytes(): Buffer
}

/** The top-level fields of a protobuf message; throws on a truncated or malformed one. */
export function fields(buf: Buffer): Field[] {
  const out: Field[] = []
  let at = 0
  const varint = (): bigint => {
    let v = 0n
    for (let shift = 0n; ; shift += 7n) {
      if (at >= buf.length) throw new Error('proto: unexpected EOF')
      const b = buf[at++]
      v |= BigInt(b & 0x7f) << shift
      if (b < 0x80) return v
    }
  }
  while (at < buf.length) {
    const key = Number(varint())
    const no = key >>> 3
    const wire = key & 7
    const empty = () => Buffer.alloc(0)
    if (wire === 0) out.push({ no, value: varint(), bytes: empty })
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4
      if (at + size > buf.length) throw new Error('proto: unexpected EOF')
      const value = wire === 1 ? buf.readBigUInt64LE(at) : BigInt(buf.readUInt32LE(at))
      at += size
      out.push({ no, value, bytes: empty })
    } else if (wire === 2) {
      const size = Number(varint())
      if (at + size > buf.length) throw new Error('proto: unexpected EOF')
      const payload = buf.subarray(at, at + size)
      at += size
      out.push({ no, bytes: () => payload })
    } else throw new Error(`proto: illegal wireType ${wire}`)
  }
  return out
}

/** A snappy block (no framing), as Loki's push API takes it; throws on a corrupt one as Loki does. */
export function unsnappy(buf: Buffer): Buffer {
  let at = 0
  let size = 0
  for (let shift = 0; ; shift += 7) {
    if (at >= buf.length || shift > 28) throw new Error('snappy: corrupt input')
    const b = buf[at++]
    size |= (b & 0x7f) << shift
    if (b < 0x80) break
  }
  const out = Buffer.alloc(size)
  let o = 0
  while (at < buf.length) {
    const tag = buf[at++]
    let length: number
    let offset = 0
    if ((tag & 3) === 0) {
      // a literal: its length in the tag, or in the 1-4 bytes after it
      length = tag >> 2
      if (length >= 60) {
        const bytes = length - 59
        length = buf.readUIntLE(at, bytes)
        at += bytes
      }
      length += 1
      if (at + length > buf.length || o + length > size) throw new Error('snappy: corrupt input')
      buf.copy(out, o, at, at + length)
      at += length
      o += length
      continue
    }
    if ((tag & 3) === 1) {
      length = ((tag >> 2) & 7) + 4
      offset = ((tag >> 5) << 8) | buf[at++]
    } else {
      length = (tag >> 2) + 1
      offset = (tag & 3) === 2 ? buf.readUInt16LE(at) : buf.readUInt32LE(at)
      at += (tag & 3) === 2 ? 2 : 4
    }
    if (offset === 0 || offset > o || o + length > size) throw new Error('snappy: corrupt input')
    // a copy may overlap what it writes: byte by byte
    for (let i = 0; i < length; i++) out[o + i] = out[o - offset + i]
    o += length
  }
  if (o !== size) throw new Error('snappy: corrupt input')
  return out
}
