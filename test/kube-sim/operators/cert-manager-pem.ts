// Key material that looks like cert-manager's: PEM blocks of deterministic bytes (no real
// crypto: nothing in the sim verifies a signature, and a stable value per seed keeps a
// re-reconcile from rewriting a Secret that is already right).
import { createHash } from 'node:crypto'

/** `-----BEGIN <label>-----`, 64-column base64 of `size` bytes derived from `seed`, `-----END …`. */
export function pem(label: string, seed: string, size = 720): string {
  const chunks: Buffer[] = []
  for (let i = 0; chunks.length * 32 < size; i++) chunks.push(createHash('sha256').update(`${seed}#${i}`).digest())
  const body = Buffer.concat(chunks).subarray(0, size).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
}

export const b64 = (text: string) => Buffer.from(text).toString('base64')

/** A key pair as cert-manager stores it: tls.crt, tls.key (RSA, PKCS#1) and the CA that signed it. */
export function tlsData(seed: string, caPem?: string): Record<string, string> {
  const crt = pem('CERTIFICATE', `${seed}/crt`)
  const key = pem('RSA PRIVATE KEY', `${seed}/key`, 1190)
  return { 'tls.crt': b64(crt), 'tls.key': b64(key), 'ca.crt': b64(caPem ?? crt) }
}
