// cert-manager's controller (the `cert-manager` Deployment), for the issuers charts use for their
// webhooks: selfSigned and ca Issuers/ClusterIssuers become Ready; a Certificate whose issuer is
// Ready gets a CertificateRequest `<cert>-<revision>` and its Secret (kubernetes.io/tls with
// tls.crt, tls.key and ca.crt), then Ready=True; one whose issuer is missing or not Ready waits,
// not Ready, saying why — on the Certificate and on its CertificateRequest, as `kubectl describe`
// shows them. ACME, Vault and the other issuer types are not simulated: they stay without status.
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { canonicalJson, findCondition, now, setCondition } from '../controllers/objects.ts'
import type { Condition, ConditionInput } from '../controllers/objects.ts'
import { pem, tlsData } from './cert-manager-pem.ts'
import { write } from './client.ts'

const GROUP = 'cert-manager.io'
const R = {
  issuers: { group: GROUP, resource: 'issuers' },
  clusterIssuers: { group: GROUP, resource: 'clusterissuers' },
  certificates: { group: GROUP, resource: 'certificates' },
  requests: { group: GROUP, resource: 'certificaterequests' },
  secrets: { group: '', resource: 'secrets' },
}
const API = `/apis/${GROUP}/v1`
const MANAGER = 'cert-manager-controller'
const DAY_MS = 24 * 3600 * 1000

type Ready = { ok: true } | { ok: false; reason: string; message: string }

/** One pass over every Issuer, ClusterIssuer and Certificate; throws if any write failed. */
export async function reconcileIssuing(sim: Sim, clusterResourceNamespace: string): Promise<void> {
  const failures: unknown[] = []
  const attempt = async (work: () => Promise<void>) => work().catch((err) => void failures.push(err))
  for (const issuer of sim.store.list(R.issuers).items) {
    await attempt(() => markIssuer(sim, issuer, issuer.metadata.namespace!))
  }
  for (const issuer of sim.store.list(R.clusterIssuers).items) {
    await attempt(() => markIssuer(sim, issuer, clusterResourceNamespace))
  }
  for (const cert of sim.store.list(R.certificates).items) {
    await attempt(() => issue(sim, cert, clusterResourceNamespace))
  }
  if (failures.length) throw failures[0]
}

/** selfSigned: always Ready. ca: Ready once its key pair Secret exists (in the resource namespace). */
function issuerReadiness(sim: Sim, issuer: KObject, secretNamespace: string): Ready | undefined {
  const spec = issuer.spec ?? {}
  if (spec.selfSigned) return { ok: true }
  if (!spec.ca) return undefined
  const secret = sim.store.get(R.secrets, secretNamespace, spec.ca.secretName)
  if (secret?.data?.['tls.crt'] && secret.data['tls.key']) return { ok: true }
  const why = secret ? 'secret does not contain tls.crt and tls.key' : `secrets "${spec.ca.secretName}" not found`
  return { ok: false, reason: 'ErrGetKeyPair', message: `Error getting keypair for CA issuer: ${why}` }
}

async function markIssuer(sim: Sim, issuer: KObject, secretNamespace: string): Promise<void> {
  const readiness = issuerReadiness(sim, issuer, secretNamespace)
  if (!readiness || issuer.metadata.deletionTimestamp) return
  const selfSigned = !!issuer.spec.selfSigned
  const ready: ConditionInput = readiness.ok
    ? selfSigned
      ? { type: 'Ready', status: 'True', reason: 'IsReady', message: '' }
      : { type: 'Ready', status: 'True', reason: 'KeyPairVerified', message: 'Signing CA verified' }
    : { type: 'Ready', status: 'False', reason: readiness.reason, message: readiness.message }
  await writeConditions(sim, issuer, [ready])
}

interface Resolved {
  issuer?: KObject
  kind: string
  resource: string
  external: boolean
}

function resolveIssuer(sim: Sim, cert: KObject): Resolved {
  const ref = cert.spec?.issuerRef ?? {}
  const kind = ref.kind || 'Issuer'
  const external = !!ref.group && ref.group !== GROUP
  const issuer =
    kind === 'ClusterIssuer'
      ? sim.store.get(R.clusterIssuers, undefined, ref.name)
      : sim.store.get(R.issuers, cert.metadata.namespace, ref.name)
  return { issuer, kind, resource: kind === 'ClusterIssuer' ? 'clusterissuer' : 'issuer', external }
}

async function issue(sim: Sim, cert: KObject, clusterResourceNamespace: string): Promise<void> {
  if (cert.metadata.deletionTimestamp || !cert.spec?.secretName) return
  const ns = cert.metadata.namespace!
  const { issuer, kind, resource, external } = resolveIssuer(sim, cert)
  if (external) return // another project's issuer: its controller, not cert-manager's, signs
  const issuerName = cert.spec.issuerRef?.name
  const secret = sim.store.get(R.secrets, ns, cert.spec.secretName)
  if (isIssuedFor(secret, cert)) return markIssued(sim, cert)
  const pending = (message: string) => waitForIssuer(sim, cert, message)
  if (!issuer) return pending(`Referenced "${kind}" not found: ${resource}.${GROUP} "${issuerName}" not found`)
  if (findCondition(issuer.status?.conditions, 'Ready')?.status !== 'True') {
    return pending(`Referenced issuer does not have a Ready status condition`)
  }
  const caSecretNs = kind === 'ClusterIssuer' ? clusterResourceNamespace : ns
  const caSecret = issuer.spec?.ca ? sim.store.get(R.secrets, caSecretNs, issuer.spec.ca.secretName) : undefined
  const caPem = decode(caSecret?.data?.['tls.crt'])
  const revision = (cert.status?.revision ?? 0) + 1
  const data = tlsData(`${ns}/${cert.metadata.name}/${cert.metadata.uid}/${revision}`, caPem)
  await ensureRequest(sim, cert, revision, { ok: true, ca: data['ca.crt'], crt: data['tls.crt'] })
  const body = issuedSecret(cert, data, kind)
  if (!secret) await write(sim, MANAGER, 'POST', `/api/v1/namespaces/${ns}/secrets`, body)
  else
    await write(sim, MANAGER, 'PUT', `/api/v1/namespaces/${ns}/secrets/${secret.metadata.name}`, takeOver(secret, body))
  // a new key pair: a new validity period
  const fresh = { notBefore: undefined, notAfter: undefined, renewalTime: undefined }
  await markIssued(sim, { ...cert, status: { ...cert.status, ...fresh, revision } })
}

/** The Secret holds a key pair issued for this Certificate (cert-manager's own annotations say so). */
function isIssuedFor(secret: KObject | undefined, cert: KObject): boolean {
  const a = secret?.metadata.annotations ?? {}
  return (
    !!secret?.data?.['tls.crt'] &&
    a['cert-manager.io/certificate-name'] === cert.metadata.name &&
    a['cert-manager.io/issuer-name'] === cert.spec.issuerRef?.name
  )
}

async function markIssued(sim: Sim, cert: KObject): Promise<void> {
  const notBefore = cert.status?.notBefore ?? now()
  const from = Date.parse(notBefore)
  const status = {
    notBefore,
    notAfter: cert.status?.notAfter ?? stamp(from + 90 * DAY_MS),
    renewalTime: cert.status?.renewalTime ?? stamp(from + 60 * DAY_MS),
    revision: cert.status?.revision ?? 1,
  }
  await writeConditions(
    sim,
    cert,
    [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }],
    status,
    ['Issuing'],
  )
}

/** Not issued yet, and why: the Certificate says it is issuing, its request says what it waits for. */
async function waitForIssuer(sim: Sim, cert: KObject, message: string): Promise<void> {
  const revision = (cert.status?.revision ?? 0) + 1
  await ensureRequest(sim, cert, revision, { ok: false, message })
  const why = 'Issuing certificate as Secret does not exist'
  await writeConditions(sim, cert, [
    { type: 'Ready', status: 'False', reason: 'DoesNotExist', message: why },
    { type: 'Issuing', status: 'True', reason: 'DoesNotExist', message: why },
  ])
}

type Outcome = { ok: true; ca: string; crt: string } | { ok: false; message: string }

/** The CertificateRequest of this revision, created once, its status following the outcome. */
async function ensureRequest(sim: Sim, cert: KObject, revision: number, outcome: Outcome): Promise<void> {
  const ns = cert.metadata.namespace!
  const name = `${cert.metadata.name}-${revision}`
  let request = sim.store.get(R.requests, ns, name)
  if (!request) {
    const body = certificateRequest(cert, name, revision)
    await write(sim, MANAGER, 'POST', `${API}/namespaces/${ns}/certificaterequests`, body)
    request = sim.store.get(R.requests, ns, name)
    if (!request) return
  }
  const approved: ConditionInput = {
    type: 'Approved',
    status: 'True',
    reason: 'cert-manager.io',
    message: 'Certificate request has been approved by cert-manager.io',
  }
  const ready: ConditionInput = outcome.ok
    ? { type: 'Ready', status: 'True', reason: 'Issued', message: 'Certificate fetched from issuer successfully' }
    : { type: 'Ready', status: 'False', reason: 'Pending', message: outcome.message }
  await writeConditions(sim, request, [approved, ready], outcome.ok ? { certificate: outcome.crt, ca: outcome.ca } : {})
}

function certificateRequest(cert: KObject, name: string, revision: number): KObject {
  const { name: certName, namespace, uid } = cert.metadata
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'CertificateRequest',
    metadata: {
      name,
      namespace,
      annotations: {
        'cert-manager.io/certificate-name': certName,
        'cert-manager.io/certificate-revision': String(revision),
        'cert-manager.io/private-key-secret-name': `${certName}-${revision}-key`,
      },
      ownerReferences: [
        {
          apiVersion: `${GROUP}/v1`,
          kind: 'Certificate',
          name: certName,
          uid: uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      issuerRef: cert.spec.issuerRef,
      request: Buffer.from(pem('CERTIFICATE REQUEST', `${namespace}/${certName}/${revision}`, 300)).toString('base64'),
      usages: cert.spec.usages ?? ['digital signature', 'key encipherment'],
      ...(cert.spec.duration ? { duration: cert.spec.duration } : {}),
    },
  }
}

/** The Secret cert-manager writes: the key pair, annotations tying it to the Certificate, spec.secretTemplate. */
function issuedSecret(cert: KObject, data: Record<string, string>, issuerKind: string): KObject {
  const template = cert.spec.secretTemplate ?? {}
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: cert.spec.secretName,
      namespace: cert.metadata.namespace,
      labels: { ...template.labels, 'controller.cert-manager.io/fao': 'true' },
      annotations: {
        ...template.annotations,
        'cert-manager.io/alt-names': (cert.spec.dnsNames ?? []).join(','),
        'cert-manager.io/certificate-name': cert.metadata.name,
        'cert-manager.io/common-name': cert.spec.commonName ?? '',
        'cert-manager.io/ip-sans': (cert.spec.ipAddresses ?? []).join(','),
        'cert-manager.io/issuer-group': cert.spec.issuerRef?.group ?? '',
        'cert-manager.io/issuer-kind': issuerKind,
        'cert-manager.io/issuer-name': cert.spec.issuerRef?.name,
        'cert-manager.io/uri-sans': (cert.spec.uris ?? []).join(','),
      },
    },
    data,
  }
}

/** A Secret that was there before (someone else's, a stale key pair) is taken over, as cert-manager does. */
function takeOver(existing: KObject, issued: KObject): KObject {
  return {
    ...existing,
    type: existing.type ?? issued.type,
    data: issued.data,
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata.labels, ...issued.metadata.labels },
      annotations: { ...existing.metadata.annotations, ...issued.metadata.annotations },
    },
  }
}

/**
 * Sets conditions (lastTransitionTime moving only on a flip; `drop` removes some) and other status
 * fields through the status subresource; writes nothing when nothing changed.
 */
async function writeConditions(
  sim: Sim,
  obj: KObject,
  want: ConditionInput[],
  extra: Record<string, unknown> = {},
  drop: string[] = [],
): Promise<void> {
  const observedGeneration = obj.metadata.generation
  let conditions: Condition[] = (obj.status?.conditions ?? []).filter((c: Condition) => !drop.includes(c.type))
  for (const c of want) {
    conditions = setCondition(conditions, c).map((x) => (x.type === c.type ? { ...x, observedGeneration } : x))
  }
  const status = { ...obj.status, ...extra, conditions }
  if (canonicalJson(status) === canonicalJson(obj.status)) return
  const { namespace, name } = obj.metadata
  const plural = pluralOf(obj.kind)
  const path = namespace ? `${API}/namespaces/${namespace}/${plural}/${name}/status` : `${API}/${plural}/${name}/status`
  // the whole status, so conditions dropped here go in the store too (a merge patch replaces lists)
  await write(sim, MANAGER, 'PATCH', path, { status })
}

const PLURALS: Record<string, string> = {
  Issuer: 'issuers',
  ClusterIssuer: 'clusterissuers',
  Certificate: 'certificates',
  CertificateRequest: 'certificaterequests',
}
const pluralOf = (kind: string) => PLURALS[kind]
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
const decode = (b64?: string) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined)
