// cert-manager's cainjector (the `cert-manager-cainjector` Deployment): webhook configurations
// and CRDs (conversion webhooks) annotated `cert-manager.io/inject-ca-from: <ns>/<certificate>`
// get the ca.crt of that Certificate's Secret as every clientConfig's caBundle; annotated
// `cert-manager.io/inject-ca-from-secret: <ns>/<secret>`, the ca.crt of that Secret, which the real
// cainjector only reads from a Secret marked `cert-manager.io/allow-direct-injection: "true"`
// (cert-manager's own webhook CA is). Without a caBundle the apiserver cannot call the webhook.
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { write } from './client.ts'

const FROM_CERTIFICATE = 'cert-manager.io/inject-ca-from'
const FROM_SECRET = 'cert-manager.io/inject-ca-from-secret'
const ALLOW_DIRECT = 'cert-manager.io/allow-direct-injection'
const MANAGER = 'cert-manager-cainjector'

const target = (group: string, resource: string) => ({
  res: { group, resource },
  path: `/apis/${group}/v1/${resource}`,
})
const targets = [
  target('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
  target('admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
  target('apiextensions.k8s.io', 'customresourcedefinitions'),
]

/** One pass over every injectable object; throws if any write failed. */
export async function reconcileInjection(sim: Sim): Promise<void> {
  const failures: unknown[] = []
  for (const { res, path } of targets) {
    for (const obj of sim.store.list(res, undefined, annotated).items) {
      const ca = caFor(sim, obj)
      if (!ca || obj.metadata.deletionTimestamp) continue
      const patch = res.resource === 'customresourcedefinitions' ? crdPatch(obj, ca) : webhooksPatch(obj, ca)
      if (!patch) continue
      await write(sim, MANAGER, 'PATCH', `${path}/${obj.metadata.name}`, patch).catch((err) => failures.push(err))
    }
  }
  if (failures.length) throw failures[0]
}

/** Whether an object asks for injection: few do, and CRDs are large to copy. */
const annotated = (obj: KObject) =>
  Boolean(obj.metadata.annotations?.[FROM_CERTIFICATE] || obj.metadata.annotations?.[FROM_SECRET])

/** The CA (base64, as caBundle holds it) the object's annotation points at, once it exists. */
function caFor(sim: Sim, obj: KObject): string | undefined {
  const a = obj.metadata.annotations ?? {}
  const secretOf = (ref: string) => {
    const [namespace, name] = ref.split('/')
    return name ? sim.store.get({ group: '', resource: 'secrets' }, namespace, name) : undefined
  }
  if (a[FROM_CERTIFICATE]) {
    const [namespace, name] = a[FROM_CERTIFICATE].split('/')
    const certificates = { group: 'cert-manager.io', resource: 'certificates' }
    const cert = name ? sim.store.get(certificates, namespace, name) : undefined
    const secret = cert?.spec?.secretName ? secretOf(`${namespace}/${cert.spec.secretName}`) : undefined
    // only a Secret cert-manager issued for that Certificate, not a same-named stranger
    if (secret?.metadata.annotations?.['cert-manager.io/certificate-name'] !== name) return undefined
    return secret.data?.['ca.crt'] || undefined
  }
  if (a[FROM_SECRET]) {
    const secret = secretOf(a[FROM_SECRET])
    if (secret?.metadata.annotations?.[ALLOW_DIRECT] !== 'true') return undefined
    return secret.data?.['ca.crt'] || undefined
  }
  return undefined
}

/** Every webhook's caBundle (the list is replaced whole; resourceVersion guards against concurrent edits). */
function webhooksPatch(config: KObject, ca: string): unknown {
  const webhooks: any[] = config.webhooks ?? []
  if (!webhooks.length || webhooks.every((w) => w.clientConfig?.caBundle === ca)) return undefined
  return {
    metadata: { resourceVersion: config.metadata.resourceVersion },
    webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle: ca } })),
  }
}

/** The conversion webhook's caBundle, for a CRD whose conversion goes through a webhook. */
function crdPatch(crd: KObject, ca: string): unknown {
  const clientConfig = crd.spec?.conversion?.webhook?.clientConfig
  if (!clientConfig || clientConfig.caBundle === ca) return undefined
  return { spec: { conversion: { webhook: { clientConfig: { caBundle: ca } } } } }
}
