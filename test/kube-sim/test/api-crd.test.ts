// CustomResourceDefinitions through kubectl (1.32 and 1.35): served in discovery once created
// (namespaced and cluster-scoped, every served version), usable with printer columns and the
// status subresource, served anew when their spec changes, and gone from discovery with their
// objects once deleted.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually, json, kubectl, LAYERS, ok, startEnv, stopEnv, yaml, type Env } from './api-harness.ts'

const crds = yaml(
  `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
  `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: realms.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: realms, singular: realm, kind: Realm}
  versions:
  - {name: v1, served: true, storage: true, ` +
    `schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`,
)

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`CRDs (${layer})`)
  test.before(async (ctx) => void (ctx.e = await startEnv(layer)))
  test.after((ctx) => stopEnv(ctx.e))

  test('a CRD appears in api-resources once created, then can be used', async ({ e }) => {
    assert.not.match(await ok(e, ['api-resources']), 'widgets')
    await ok(e, ['apply', '-f', '-'], crds)
    await ok(e, [
      'wait',
      '--for=condition=Established',
      'crd/widgets.example.com',
      'crd/realms.example.com',
      '--timeout=5s',
    ])
    const resources = await ok(e, ['api-resources', '--api-group=example.com'])
    assert.match(resources, /^realms\s+example.com\/v1\s+false\s+Realm$/m)
    assert.match(resources, /^widgets\s+wd\s+example.com\/v1\s+true\s+Widget$/m)
    await ok(
      e,
      ['apply', '-f', '-'],
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: big}\n',
    )
    await ok(e, ['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Realm\nmetadata: {name: r1}\nspec: {}\n')
    assert.is((await json(e, ['get', 'realm', 'r1'])).metadata.namespace, undefined)
  })

  test('printer columns in the table, the status subresource, every served version', async ({ e }) => {
    await ok(e, [
      'patch',
      'wd',
      'w1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ])
    const table = await ok(e, ['get', 'wd'])
    assert.match(table, /^NAME\s+SIZE\s+READY\n/)
    assert.match(table, /^w1\s+big\s+True$/m)
    const beta = await json(e, ['get', 'widgets.v1beta1.example.com', 'w1'])
    assert.is(beta.apiVersion, 'example.com/v1beta1')
    // a spec change through the status subresource is ignored
    await ok(e, ['patch', 'wd', 'w1', '--subresource=status', '--type=merge', '-p', '{"spec":{"size":"small"}}'])
    assert.is((await json(e, ['get', 'wd', 'w1'])).spec.size, 'big')
  })

  test('custom resources take merge patches, not strategic ones', async ({ e }) => {
    await ok(e, ['patch', 'wd', 'w1', '--type=merge', '-p', '{"spec":{"size":"huge"}}'])
    const smp = await kubectl(e, ['patch', 'wd', 'w1', '--type=strategic', '-p', '{"spec":{"size":"tiny"}}'])
    assert.is(smp.exitCode, 1)
    assert.match(smp.stderr, 'application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget')
  })

  test('a CRD whose spec changes is served as it now reads; its status writes change nothing', async ({ e }) => {
    const realmsV2 = {
      name: 'v2',
      served: true,
      storage: false,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    }
    await ok(e, [
      'patch',
      'crd',
      'realms.example.com',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/spec/versions/-', value: realmsV2 }]),
    ])
    assert.is((await json(e, ['get', 'realms.v2.example.com', 'r1'])).apiVersion, 'example.com/v2')
    await ok(e, [
      'patch',
      'crd',
      'realms.example.com',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"acceptedNames":{"kind":"Realm","plural":"realms"}}}',
    ])
    assert.match(
      await ok(e, ['api-resources', '--api-group=example.com']),
      /^realms\s+example.com\/v1\s+false\s+Realm$/m,
    )
    assert.is((await json(e, ['get', 'realms.v2.example.com', 'r1'])).apiVersion, 'example.com/v2')
  })

  test('a deleted CRD takes its objects and leaves discovery', async ({ e }) => {
    await ok(e, ['delete', 'crd', 'widgets.example.com', 'realms.example.com', '--timeout=10s'])
    await eventually(
      'the widgets to go',
      () => !e.sim.store.list({ group: 'example.com', resource: 'widgets' }).items.length,
    )
    const out = await kubectl(e, ['get', 'widgets'])
    assert.is(out.exitCode, 1)
    assert.not.match(await ok(e, ['api-resources']), 'widgets')
  })

  test.run()
}
