// cert-manager, as a simulated cluster runs it once its manifest (or chart) is applied: each of its
// three components acts only while its own Deployment in the cert-manager namespace has a ready
// pod, as the real ones act only while running —
//   cert-manager-webhook    creates its serving CA Secret `cert-manager-webhook-ca` (the real
//                           webhook does so itself, --dynamic-serving-ca-secret-name)
//   cert-manager-cainjector fills caBundle into annotated webhook configurations and CRDs
//   cert-manager            makes selfSigned/ca issuers Ready and issues Certificates into Secrets
// It reads the store and writes through the HTTP API, so its writes meet admission like any
// client's: cert-manager.io writes fail until cert-manager's own webhook answers (ready endpoint,
// caBundle injected), and are retried — the same start-up order a real cluster goes through.
import type { Sim } from '../index.ts'
import type { StoreEvent } from '../store.ts'
import { b64, pem } from './cert-manager-pem.ts'
import { reconcileInjection } from './cert-manager-cainjector.ts'
import { reconcileIssuing } from './cert-manager-issuing.ts'
import { reconcileLoop, write } from './client.ts'

export interface CertManagerOptions {
  /** where cert-manager's Deployments run, and ClusterIssuers' Secrets live (default `cert-manager`) */
  namespace?: string
}

/** The Deployments of a standard install (static manifest or chart with release name cert-manager). */
export const CERT_MANAGER_DEPLOYMENTS = {
  controller: 'cert-manager',
  cainjector: 'cert-manager-cainjector',
  webhook: 'cert-manager-webhook',
}
const WEBHOOK_CA_SECRET = 'cert-manager-webhook-ca'

/** What cert-manager reacts to: its resources, Secrets, its Deployments, injection targets. */
const watched = new Set(['cert-manager.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io'])
const relevant = (e: StoreEvent) =>
  watched.has(e.res.group) ||
  (e.res.group === '' && e.res.resource === 'secrets') ||
  (e.res.group === 'apps' && e.res.resource === 'deployments') ||
  (e.res.group === '' && e.res.resource === 'endpoints')

/** Starts the simulated cert-manager on a simulator; returns its stop function. */
export function startCertManager(sim: Sim, opts: CertManagerOptions = {}): () => void {
  const namespace = opts.namespace ?? 'cert-manager'
  const loop = reconcileLoop(() => reconcile(sim, namespace))
  const unsubscribe = sim.store.onAny((e) => relevant(e) && loop.trigger())
  loop.trigger()
  return () => {
    unsubscribe()
    loop.stop()
  }
}

async function reconcile(sim: Sim, namespace: string): Promise<void> {
  const running = (name: string) => {
    const d = sim.store.get({ group: 'apps', resource: 'deployments' }, namespace, name)
    return !!d && !d.metadata.deletionTimestamp && (d.status?.readyReplicas ?? 0) > 0
  }
  const failures: unknown[] = []
  const attempt = (work: () => Promise<void>) => work().catch((err) => void failures.push(err))
  if (running(CERT_MANAGER_DEPLOYMENTS.webhook)) await attempt(() => ensureWebhookCA(sim, namespace))
  if (running(CERT_MANAGER_DEPLOYMENTS.cainjector)) await attempt(() => reconcileInjection(sim))
  if (running(CERT_MANAGER_DEPLOYMENTS.controller)) await attempt(() => reconcileIssuing(sim, namespace))
  if (failures.length) throw failures[0]
}

/** The webhook's self-signed serving CA, which the cainjector then puts into its own configurations. */
async function ensureWebhookCA(sim: Sim, namespace: string): Promise<void> {
  if (sim.store.get({ group: '', resource: 'secrets' }, namespace, WEBHOOK_CA_SECRET)) return
  const ca = pem('CERTIFICATE', `${namespace}/${WEBHOOK_CA_SECRET}/${Date.now()}`)
  const key = pem('PRIVATE KEY', `${namespace}/${WEBHOOK_CA_SECRET}/${Date.now()}/key`, 120)
  await write(sim, 'cert-manager-webhook', 'POST', `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: WEBHOOK_CA_SECRET, namespace, annotations: { 'cert-manager.io/allow-direct-injection': 'true' } },
    data: { 'tls.crt': b64(ca), 'tls.key': b64(key), 'ca.crt': b64(ca) },
  })
}
