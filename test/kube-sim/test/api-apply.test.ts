// apply (client-side and --server-side), the three patch types, and server-side dry runs,
// through the real kubectl (1.32 and 1.35).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { json, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

const deployment = (image: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ${image}
        env: [{name: MODE, value: prod}]
${extra}`

const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {mode: ${value}}\n`
const CM = { group: '', resource: 'configmaps' }

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`apply and patch (${layer})`)
  test.before(async (ctx) => void (ctx.e = await startEnv(layer)))
  test.after((ctx) => stopEnv(ctx.e))

  test(
    'webhooks merge by name: ' + 'a caBundle another manager patched in does not conflict with a server-side re-apply',
    async ({ e }) => {
      const config = (policy: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: stack-admission}
webhooks:
- name: rules.example.com
  failurePolicy: ${policy}
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {service: {name: op, namespace: default, path: /validate}}
`
      await ok(e, ['apply', '--server-side', '--field-manager=helm', '-f', '-'], config('Ignore'))
      const bundle = Buffer.from('a CA').toString('base64')
      await ok(e, [
        'patch',
        'validatingwebhookconfiguration',
        'stack-admission',
        '--type=json',
        '--field-manager=cainjector',
        `-p=[{"op":"add","path":"/webhooks/0/clientConfig/caBundle","value":"${bundle}"}]`,
      ])
      await ok(e, ['apply', '--server-side', '--field-manager=helm', '-f', '-'], config('Fail'))
      const hook = (await json(e, ['get', 'validatingwebhookconfiguration', 'stack-admission'])).webhooks[0]
      assert.is(hook.failurePolicy, 'Fail')
      assert.is(hook.clientConfig.caBundle, bundle)
    },
  )

  test('client-side apply twice: created, then unchanged (no new resourceVersion)', async ({ e }) => {
    assert.match(await ok(e, ['apply', '-f', '-'], deployment('nginx:1.27')), 'deployment.apps/web created')
    const rv = e.sim.store.get({ group: 'apps', resource: 'deployments' }, 'default', 'web')!.metadata.resourceVersion
    assert.match(await ok(e, ['apply', '-f', '-'], deployment('nginx:1.27')), 'deployment.apps/web unchanged')
    assert.match(await ok(e, ['apply', '-f', '-'], deployment('nginx:1.28')), 'deployment.apps/web configured')
    const d = await json(e, ['get', 'deploy', 'web'])
    assert.is(d.spec.template.spec.containers[0].image, 'nginx:1.28')
    assert.is(d.metadata.generation, 2)
    assert.ok(Number(d.metadata.resourceVersion) > Number(rv))
  })

  test('strategic merge patch merges containers and env by name', async ({ e }) => {
    const patch =
      '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEBUG","value":"1"}]},' +
      '{"name":"sidecar","image":"busybox:1.36"}]}}}}'
    await ok(e, ['patch', 'deploy', 'web', '-p', patch])
    const c = (await json(e, ['get', 'deploy', 'web'])).spec.template.spec.containers
    assert.equal(
      c.map((x: any) => x.name),
      ['app', 'sidecar'],
    )
    assert.equal(
      c[0].env.map((x: any) => x.name),
      ['MODE', 'DEBUG'],
    )
    assert.is(c[0].image, 'nginx:1.28')
    const remove = '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}'
    await ok(e, ['patch', 'deploy', 'web', '-p', remove])
    assert.is((await json(e, ['get', 'deploy', 'web'])).spec.template.spec.containers.length, 1)
  })

  test('merge patch and json patch', async ({ e }) => {
    await ok(e, ['patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"team":"a"}}}'])
    await ok(e, [
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/tier","value":"web"}]',
    ])
    const d = await json(e, ['get', 'deploy', 'web'])
    assert.is(d.spec.replicas, 2)
    assert.equal(d.metadata.labels, { app: 'web', team: 'a', tier: 'web' })
    const bad = await kubectl(e, [
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":9}]',
    ])
    assert.is(bad.exitCode, 1)
    assert.match(bad.stderr, 'testing value /spec/replicas failed')
  })

  test('server-side apply twice, a conflict with another manager, then --force-conflicts', async ({ e }) => {
    assert.match(
      await ok(e, ['apply', '--server-side', '-f', '-'], configMap('a')),
      'configmap/settings serverside-applied',
    )
    const rv = e.sim.store.get(CM, 'default', 'settings')!.metadata.resourceVersion
    await ok(e, ['apply', '--server-side', '-f', '-'], configMap('a'))
    assert.is(
      e.sim.store.get(CM, 'default', 'settings')!.metadata.resourceVersion,
      rv,
      'a repeated apply changed the object',
    )
    const other = await kubectl(e, ['apply', '--server-side', '--field-manager=other', '-f', '-'], configMap('b'))
    assert.is(other.exitCode, 1)
    assert.match(other.stderr, 'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.mode')
    await ok(e, ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], configMap('b'))
    const cm = await json(e, ['get', 'cm', 'settings', '--show-managed-fields'])
    assert.is(cm.data.mode, 'b')
    assert.equal(
      cm.metadata.managedFields.map((m: any) => [m.manager, m.operation]),
      [['other', 'Apply']],
    )
  })

  test('server-side apply removes a field its manager stopped applying', async ({ e }) => {
    const two = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pair, namespace: default}\ndata: {a: "1", b: "2"}\n'
    await ok(e, ['apply', '--server-side', '-f', '-'], two)
    await ok(e, ['apply', '--server-side', '-f', '-'], two.replace(', b: "2"', ''))
    assert.equal((await json(e, ['get', 'cm', 'pair'])).data, { a: '1' })
  })

  test('--dry-run=server on create, apply, patch and delete leaves nothing behind', async ({ e }) => {
    const before = e.sim.store.resourceVersion
    assert.match(await ok(e, ['create', 'configmap', 'ghost', '--dry-run=server', '-o', 'name']), 'configmap/ghost')
    const dry = configMap('dry').replace('name: settings', 'name: dry')
    await ok(e, ['apply', '--dry-run=server', '-f', '-'], dry)
    await ok(e, ['apply', '--server-side', '--dry-run=server', '-f', '-'], dry)
    await ok(e, ['apply', '--server-side', '--dry-run=server', '--field-manager=other', '-f', '-'], configMap('c'))
    await ok(e, ['patch', 'deploy', 'web', '--dry-run=server', '-p', '{"spec":{"replicas":5}}'])
    await ok(e, ['delete', 'deploy', 'web', '--dry-run=server'])
    assert.is(e.sim.store.resourceVersion, before)
    assert.not.ok(e.sim.store.get(CM, 'default', 'ghost'))
    assert.is((await json(e, ['get', 'deploy', 'web'])).spec.replicas, 2)
  })

  test('scale and the scale subresource', async ({ e }) => {
    await ok(e, ['scale', 'deploy', 'web', '--replicas=3'])
    assert.is((await json(e, ['get', 'deploy', 'web'])).spec.replicas, 3)
  })

  test.run()
}
