// The simulated cert-manager (startCertManager) on the real v1.14.5 release manifest: each
// component acts only once its own Deployment has a ready pod (webhook → its CA Secret, cainjector
// → caBundles, controller → issuers and certificates); Certificates are issued into kubernetes.io/tls
// Secrets by selfSigned and ca issuers and wait, not Ready, for a missing one; the cainjector fills
// webhook configurations and conversion webhooks from a Certificate or a directly-injectable Secret.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCertManager } from '../operators/index.ts'
import type { KObject } from '../store.ts'
import { chartsDir, eventually, json, kubectl, ok, startEnv, stopEnv, yaml, type Env } from './api-harness.ts'
import path from 'node:path'

/** the real charts and manifests (CHARTS_DIR: api-harness.ts) */
const charts = chartsDir()

const MANIFEST = path.join(charts, 'cert-manager/v1.14.5/cert-manager.yaml')
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]'
/** pod-name patterns of the three components (the controller's pods are `cert-manager-<hash>-<suffix>`) */
const PODS = {
  controller: `^cert-manager-${SAFE}+-${SAFE}{5}$`,
  cainjector: '^cert-manager-cainjector-',
  webhook: '^cert-manager-webhook-',
}
const WEBHOOK_X509 =
  'failed calling webhook "webhook.cert-manager.io": failed to call webhook: ' +
  'Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": ' +
  'tls: failed to verify certificate: x509: certificate signed by unknown authority'
const R = {
  secrets: { group: '', resource: 'secrets' },
  certificates: { group: 'cert-manager.io', resource: 'certificates' },
  requests: { group: 'cert-manager.io', resource: 'certificaterequests' },
  validating: { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
  mutating: { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
  crds: { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
}

const conditionOf = (o: KObject | undefined, type: string) => o?.status?.conditions?.find((c: any) => c.type === type)
/** the first webhook's caBundle of a webhook configuration */
const caBundleOf = (e: Env, res: typeof R.validating, name: string) =>
  e.sim.store.get(res, undefined, name)?.webhooks[0].clientConfig.caBundle
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const decoded = (b64: string) => Buffer.from(b64, 'base64').toString('utf8')

const selfSignedIssuer = (name: string, ns = 'apps') => `
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: ${name}, namespace: ${ns}}
spec: {selfSigned: {}}`
const certificate = (name: string, issuer: string, kind = 'Issuer', ns = 'apps') => `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: ${name}, namespace: ${ns}}
spec:
  secretName: ${name}-tls
  dnsNames: [${name}.${ns}.svc]
  issuerRef: {name: ${issuer}, kind: ${kind}}`

async function waitCertReady(e: Env, name: string, ns = 'apps', ms = 3000): Promise<KObject> {
  return eventually(
    `Certificate ${ns}/${name} Ready`,
    () => {
      const cert = e.sim.store.get(R.certificates, ns, name)
      return conditionOf(cert, 'Ready')?.status === 'True' && cert
    },
    ms,
  )
}

const test = suite<{ e: Env; stop: () => void }>('simulated cert-manager (v1.14.5 manifest)')
test.before(async (ctx) => {
  ctx.e = await startEnv('v35')
  ctx.stop = startCertManager(ctx.e.sim)
})
test.after(async (ctx) => {
  ctx.stop?.()
  await stopEnv(ctx.e)
})

test('each component acts only once its Deployment has a ready pod: webhook CA, caBundles, issuing', async ({ e }) => {
  for (const pattern of Object.values(PODS)) e.sim.faults.pods.set(pattern, { kind: 'neverReady' })
  await ok(e, ['apply', '--server-side', '-f', MANIFEST])
  await ok(e, ['create', 'namespace', 'apps'])
  await sleep(400)
  const webhookCA = () => e.sim.store.get(R.secrets, 'cert-manager', 'cert-manager-webhook-ca')
  assert.not.ok(webhookCA(), 'no webhook pod ready, no CA Secret')

  e.sim.faults.pods.clear(PODS.webhook)
  const ca = await eventually('the webhook CA Secret', webhookCA)
  assert.is(ca.type, 'kubernetes.io/tls')
  assert.is(ca.metadata.annotations?.['cert-manager.io/allow-direct-injection'], 'true')
  assert.equal(Object.keys(ca.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'])
  await sleep(300)
  assert.not.ok(caBundleOf(e, R.validating, 'cert-manager-webhook'), 'no cainjector, no caBundle')
  // the webhook Service is ready but the apiserver cannot verify it: cert-manager.io writes fail
  const refused = await kubectl(e, ['apply', '-f', '-'], yaml(selfSignedIssuer('selfsigned')))
  assert.is(refused.exitCode, 1)
  assert.match(refused.stderr, WEBHOOK_X509)

  e.sim.faults.pods.clear(PODS.cainjector)
  for (const res of [R.validating, R.mutating]) {
    const config = await eventually(`${res.resource} injected`, () => {
      const c = e.sim.store.get(res, undefined, 'cert-manager-webhook')
      return c?.webhooks.every((w: any) => w.clientConfig.caBundle) && c
    })
    assert.is(config.webhooks[0].clientConfig.caBundle, ca.data['ca.crt'], 'from cert-manager/cert-manager-webhook-ca')
  }
  await ok(e, ['apply', '-f', '-'], yaml(selfSignedIssuer('selfsigned'), certificate('web', 'selfsigned')))
  await sleep(300)
  assert.is(e.sim.store.get(R.certificates, 'apps', 'web')?.status, undefined, 'no controller, no issuing')
  assert.not.ok(e.sim.store.get(R.secrets, 'apps', 'web-tls'))

  e.sim.faults.pods.clear(PODS.controller)
  const cert = await waitCertReady(e, 'web')
  assert.is(conditionOf(cert, 'Ready')?.reason, 'Ready')
  assert.ok(cert.status.notAfter && cert.status.revision === 1)
  const issuer = await json(e, ['get', 'issuer', 'selfsigned', '-n', 'apps'])
  assert.is(conditionOf(issuer, 'Ready')?.status, 'True')
  const secret = await json(e, ['get', 'secret', 'web-tls', '-n', 'apps'])
  assert.is(secret.type, 'kubernetes.io/tls')
  assert.equal(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'])
  const PEM = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/
  assert.match(decoded(secret.data['tls.crt']), PEM)
  assert.match(decoded(secret.data['tls.key']), /^-----BEGIN RSA PRIVATE KEY-----\n/)
  assert.is(secret.data['ca.crt'], secret.data['tls.crt'], 'self-signed: the certificate is its own CA')
  assert.is(secret.metadata.annotations['cert-manager.io/certificate-name'], 'web')
  const request = e.sim.store.get(R.requests, 'apps', 'web-1')
  assert.is(conditionOf(request, 'Ready')?.reason, 'Issued')
  assert.is(request?.metadata.ownerReferences?.[0].name, 'web')
})

test('a Certificate whose issuer is missing waits, not Ready, saying why; then it is issued', async ({ e }) => {
  await ok(e, ['apply', '-f', '-'], yaml(certificate('orphan', 'nowhere')))
  const cert = await eventually('a Ready=False condition', () => {
    const c = e.sim.store.get(R.certificates, 'apps', 'orphan')
    return conditionOf(c, 'Ready')?.status === 'False' && c
  })
  assert.is(conditionOf(cert, 'Ready')?.reason, 'DoesNotExist')
  assert.is(conditionOf(cert, 'Issuing')?.status, 'True')
  const request = await eventually('its request pending', () =>
    conditionOf(e.sim.store.get(R.requests, 'apps', 'orphan-1'), 'Ready'),
  )
  assert.is(request.reason, 'Pending')
  assert.is(request.message, 'Referenced "Issuer" not found: issuer.cert-manager.io "nowhere" not found')
  await sleep(200)
  assert.not.ok(e.sim.store.get(R.secrets, 'apps', 'orphan-tls'))
  await ok(e, ['apply', '-f', '-'], yaml(selfSignedIssuer('nowhere')))
  const issued = await waitCertReady(e, 'orphan')
  assert.is(conditionOf(issued, 'Issuing'), undefined)
  assert.ok(e.sim.store.get(R.secrets, 'apps', 'orphan-tls'))
})

test('a ca ClusterIssuer: Ready once its key pair exists; its CA in ca.crt, lost Secrets re-issued', async ({ e }) => {
  await ok(
    e,
    ['apply', '-f', '-'],
    yaml(
      `
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: corp-ca}
spec: {ca: {secretName: corp-ca-key-pair}}`,
      certificate('api', 'corp-ca', 'ClusterIssuer'),
    ),
  )
  const issuer = await eventually('the ClusterIssuer not Ready', async () => {
    const i = await json(e, ['get', 'clusterissuer', 'corp-ca'])
    return conditionOf(i, 'Ready')?.status === 'False' && i
  })
  assert.is(conditionOf(issuer, 'Ready').reason, 'ErrGetKeyPair')
  assert.match(conditionOf(issuer, 'Ready').message, 'secrets "corp-ca-key-pair" not found')
  // a ClusterIssuer's Secret lives in the cluster resource namespace (cert-manager)
  const caPem = '-----BEGIN CERTIFICATE-----\nQ09SUCBDQQ==\n-----END CERTIFICATE-----\n'
  e.sim.store.create(R.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: 'corp-ca-key-pair', namespace: 'cert-manager' },
    data: { 'tls.crt': Buffer.from(caPem).toString('base64'), 'tls.key': Buffer.from('key').toString('base64') },
  })
  await waitCertReady(e, 'api')
  const secret = e.sim.store.get(R.secrets, 'apps', 'api-tls')!
  assert.is(decoded(secret.data['ca.crt']), caPem)
  assert.is.not(secret.data['tls.crt'], secret.data['ca.crt'])
  await ok(e, ['delete', 'secret', 'api-tls', '-n', 'apps'])
  const again = await eventually('the Secret re-issued', () => e.sim.store.get(R.secrets, 'apps', 'api-tls'))
  assert.is(decoded(again.data['ca.crt']), caPem)
})

test("cainjector: a Certificate's CA into webhooks and conversion; a Secret's if it allows it", async ({ e }) => {
  await ok(
    e,
    ['apply', '-f', '-'],
    yaml(
      `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: apps-guard, annotations: {cert-manager.io/inject-ca-from: apps/guard}}
webhooks:
- name: one.apps.example.io
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: guard, namespace: apps, path: /one}}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [limitranges]}]
- name: two.apps.example.io
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: guard, namespace: apps, path: /two}}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [resourcequotas]}]`,
      `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.apps.example.io, annotations: {cert-manager.io/inject-ca-from: apps/guard}}
spec:
  group: apps.example.io
  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}
  scope: Namespaced
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig: {service: {name: guard, namespace: apps, path: /convert}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}`,
      `
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: from-secret, annotations: {cert-manager.io/inject-ca-from-secret: apps/plain-ca}}
webhooks:
- name: m.apps.example.io
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: guard, namespace: apps, path: /m}}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [limitranges]}]`,
      `
apiVersion: v1
kind: Secret
metadata: {name: plain-ca, namespace: apps}
data: {ca.crt: ${Buffer.from('plain').toString('base64')}}`,
    ),
  )
  await sleep(300)
  assert.not.ok(caBundleOf(e, R.validating, 'apps-guard'), 'no Certificate yet')
  await ok(e, ['apply', '-f', '-'], yaml(selfSignedIssuer('guard-issuer'), certificate('guard', 'guard-issuer')))
  await waitCertReady(e, 'guard')
  const ca = e.sim.store.get(R.secrets, 'apps', 'guard-tls')!.data['ca.crt']
  const config = await eventually('the webhooks injected', () => {
    const c = e.sim.store.get(R.validating, undefined, 'apps-guard')
    return c?.webhooks.every((w: any) => w.clientConfig.caBundle === ca) && c
  })
  assert.is(config.webhooks.length, 2)
  const crd = await eventually(
    'the conversion webhook injected',
    () => e.sim.store.get(R.crds, undefined, 'gadgets.apps.example.io')?.spec.conversion.webhook.clientConfig.caBundle,
  )
  assert.is(crd, ca)
  // without cert-manager.io/allow-direct-injection the cainjector leaves a Secret's CA alone
  assert.not.ok(caBundleOf(e, R.mutating, 'from-secret'))
  await ok(e, ['annotate', 'secret', 'plain-ca', '-n', 'apps', 'cert-manager.io/allow-direct-injection=true'])
  const injected = await eventually('injected from the Secret', () => caBundleOf(e, R.mutating, 'from-secret'))
  assert.is(decoded(injected), 'plain')
})

test('stop() stops it: a new Certificate is left alone', async ({ e, stop }) => {
  stop()
  await ok(e, ['apply', '-f', '-'], yaml(certificate('late', 'selfsigned')))
  await sleep(300)
  assert.is(e.sim.store.get(R.certificates, 'apps', 'late')?.status, undefined)
})

test.run()
