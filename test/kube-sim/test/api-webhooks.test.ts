// Admission webhooks as a real apiserver reports a backend that is not there: server-side dry
// runs (and real writes) fail with "failed calling webhook" until the Service has a ready
// endpoint, and with an x509 error while the configuration has no caBundle; failurePolicy Ignore,
// selectors, and the TLS-lag / never-ready faults.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually, json, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

/** a PEM-looking CA, base64: what a cainjector or a certgen Job would have written */
const CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n').toString('base64')

const webhook = (name: string, resources: string, extra = '', caBundle = CA_BUNDLE) => `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ${name}}
webhooks:
- name: ${name}.example.io
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: ${name}, namespace: hooks, path: /validate}${caBundle && `, caBundle: ${caBundle}`}}
  rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [${resources}]}]
${extra}`

const ENDPOINTS = { group: '', resource: 'endpoints' }
const selectorless = (name: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: hooks}\n` +
  'spec: {ports: [{port: 443, targetPort: 8443}]}\n'

/** The Endpoints a controller writes once a pod behind the Service is ready. */
function markReady(e: Env, name: string, ready: boolean) {
  const subsets = ready ? [{ addresses: [{ ip: '10.244.0.99' }], ports: [{ port: 8443, protocol: 'TCP' }] }] : []
  const current = e.sim.store.get(ENDPOINTS, 'hooks', name)
  if (current) e.sim.store.update(ENDPOINTS, { ...current, subsets })
  else
    e.sim.store.create(ENDPOINTS, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: 'hooks' },
      subsets,
    } as any)
}

const limitRange = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: default}\nspec: {limits: []}\n'
const dryRunConfigMap = (e: Env, namespace = 'default') =>
  kubectl(e, ['create', 'configmap', 'probe', '-n', namespace, '--dry-run=server', '--from-literal=a=b'])

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`admission webhooks (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    await ok(ctx.e, ['create', 'namespace', 'hooks'])
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('a dry run fails until the webhook Service has a ready endpoint', async ({ e }) => {
    await ok(e, ['apply', '-f', '-'], webhook('cm-guard', 'configmaps'))
    const noService = await dryRunConfigMap(e)
    assert.is(noService.exitCode, 1)
    assert.match(
      noService.stderr,
      'Internal error occurred: failed calling webhook "cm-guard.example.io": failed to call webhook: ' +
        'Post "https://cm-guard.hooks.svc:443/validate?timeout=10s": service "cm-guard" not found',
    )

    await ok(e, ['apply', '-f', '-'], selectorless('cm-guard'))
    const ip = (await json(e, ['get', 'svc', 'cm-guard', '-n', 'hooks'])).spec.clusterIP
    const refused = await dryRunConfigMap(e)
    assert.match(
      refused.stderr,
      `Post "https://cm-guard.hooks.svc:443/validate?timeout=10s": dial tcp ${ip}:443: connect: connection refused`,
    )

    markReady(e, 'cm-guard', true)
    const passed = await dryRunConfigMap(e)
    assert.is(passed.exitCode, 0, passed.stderr)
    assert.match(passed.stdout, 'configmap/probe created (server dry run)')
    assert.not.ok(e.sim.store.get({ group: '', resource: 'configmaps' }, 'default', 'probe'))
  })

  test('a real write is refused too, with kubectl\'s "error when creating" wording', async ({ e }) => {
    markReady(e, 'cm-guard', false)
    const out = await kubectl(
      e,
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: blocked, namespace: default}\n',
    )
    assert.is(out.exitCode, 1)
    assert.match(
      out.stderr,
      'Error from server (InternalError): error when creating "STDIN": ' +
        'Internal error occurred: failed calling webhook "cm-guard.example.io"',
    )
    assert.not.ok(e.sim.store.get({ group: '', resource: 'configmaps' }, 'default', 'blocked'))
    markReady(e, 'cm-guard', true)
  })

  test('failurePolicy Ignore and a namespaceSelector let requests through', async ({ e }) => {
    await ok(e, ['apply', '-f', '-'], webhook('secret-guard', 'secrets', '  failurePolicy: Ignore'))
    assert.is((await kubectl(e, ['create', 'secret', 'generic', 's', '--dry-run=server'])).exitCode, 0)
    await ok(
      e,
      ['apply', '-f', '-'],
      webhook(
        'sa-guard',
        'serviceaccounts',
        '  namespaceSelector: {matchExpressions: ' +
          '[{key: kubernetes.io/metadata.name, operator: NotIn, values: [hooks]}]}',
      ),
    )
    assert.is((await kubectl(e, ['create', 'serviceaccount', 'x', '-n', 'hooks', '--dry-run=server'])).exitCode, 0)
    assert.is((await kubectl(e, ['create', 'serviceaccount', 'x', '--dry-run=server'])).exitCode, 1)
  })

  test('no caBundle: x509 errors (the serving certificate cannot be verified) until one is injected', async ({ e }) => {
    await ok(e, ['apply', '-f', '-'], `${webhook('no-ca', 'limitranges', '', '')}---\n${selectorless('no-ca')}`)
    markReady(e, 'no-ca', true)
    const dryRun = () => kubectl(e, ['apply', '--dry-run=server', '-f', '-'], limitRange)
    const refused = await dryRun()
    assert.is(refused.exitCode, 1)
    assert.match(
      refused.stderr,
      'failed calling webhook "no-ca.example.io": failed to call webhook: ' +
        'Post "https://no-ca.hooks.svc:443/validate?timeout=10s": ' +
        'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    )
    // what cert-manager's cainjector does: the CA goes into every webhook of the configuration
    await ok(e, [
      'patch',
      'validatingwebhookconfiguration',
      'no-ca',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: CA_BUNDLE }]),
    ])
    const admitted = await dryRun()
    assert.is(admitted.exitCode, 0, admitted.stderr)
    await ok(e, ['delete', 'validatingwebhookconfiguration', 'no-ca'])
  })

  test('fault: TLS errors for a while after the endpoint is ready (CA injection lag)', async ({ e }) => {
    await ok(e, ['delete', 'validatingwebhookconfiguration', 'cm-guard'])
    await ok(e, ['apply', '-f', '-'], `${webhook('lagging', 'configmaps')}---\n${selectorless('lagging')}`)
    e.sim.faults.webhooks.delayAfterReady('lagging', 1500)
    markReady(e, 'lagging', true)
    const early = await dryRunConfigMap(e)
    assert.is(early.exitCode, 1)
    assert.match(
      early.stderr,
      'failed calling webhook "lagging.example.io": failed to call webhook: ' +
        'Post "https://lagging.hooks.svc:443/validate?timeout=10s": ' +
        'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    )
    await eventually('the webhook to answer', async () => (await dryRunConfigMap(e)).exitCode === 0, 4000)
  })

  test('fault: a webhook that never becomes ready', async ({ e }) => {
    e.sim.faults.webhooks.neverReady('lagging')
    assert.match((await dryRunConfigMap(e)).stderr, 'connect: connection refused')
    e.sim.faults.webhooks.clear('lagging')
    assert.is((await dryRunConfigMap(e)).exitCode, 0)
  })

  test.run()
}
