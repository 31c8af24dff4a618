// kube-sim's discovery, OpenAPI and health endpoints, as kubectl (1.32 and 1.35) and a plain
// HTTP client see them.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually, http, json, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`discovery (${layer})`)
  test.before(async (ctx) => void (ctx.e = await startEnv(layer)))
  test.after((ctx) => stopEnv(ctx.e))

  test('kubectl get ns prints the initial namespaces as a table', async ({ e }) => {
    const out = await ok(e, ['get', 'ns'])
    assert.match(out, /^NAME\s+STATUS\s+AGE\n/)
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system'])
      assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s$`, 'm'))
  })

  test('api-resources lists the built-ins with short names, groups, scope and kind', async ({ e }) => {
    const out = await ok(e, ['api-resources'])
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m)
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m)
    assert.match(
      out,
      /^customresourcedefinitions\s+crd,crds\s+apiextensions.k8s.io\/v1\s+false\s+CustomResourceDefinition$/m,
    )
    assert.match(
      out,
      /^validatingwebhookconfigurations\s+admissionregistration.k8s.io\/v1\s+false\s+ValidatingWebhookConfiguration$/m,
    )
    assert.match(out, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m)
  })

  test('everything in a namespace, in one get of every namespaced kind api-resources lists', async ({ e }) => {
    await ok(e, ['create', 'namespace', 'everything'])
    await ok(e, ['create', 'configmap', 'settings', '-n', 'everything'])
    await ok(e, ['create', 'secret', 'generic', 'token', '-n', 'everything'])
    const kinds = (await ok(e, ['api-resources', '--verbs=list', '--namespaced', '-o', 'name'])).trim().split('\n')
    assert.ok(kinds.includes('configmaps') && kinds.includes('deployments.apps'), kinds.join(' '))
    assert.not.ok(kinds.includes('namespaces') || kinds.includes('nodes'), 'cluster-scoped kinds listed')
    const names = async () =>
      (await json(e, ['get', kinds.join(','), '-n', 'everything'])).items
        .filter((o: any) => o.kind !== 'Event')
        .map((o: any) => `${o.kind}/${o.metadata.name}`)
        .sort()
    // the controller-manager's own in every namespace: its ServiceAccount and the root CA bundle
    const expected = ['ConfigMap/kube-root-ca.crt', 'ConfigMap/settings', 'Secret/token', 'ServiceAccount/default']
    assert.equal(
      await eventually('the defaults in everything', async () => (await names()).length === 4 && names()),
      expected,
    )
  })

  test('get --raw answers /healthz, /readyz, /livez and /version', async ({ e }) => {
    for (const p of ['/healthz', '/readyz', '/livez']) assert.is(await ok(e, ['get', '--raw', p]), 'ok')
    const version = JSON.parse(await ok(e, ['get', '--raw', '/version']))
    assert.is(version.major, '1')
    assert.match(version.gitVersion, /^v1\.32\./)
  })

  test('kubectl version reports the server version', async ({ e }) => {
    const v = await json(e, ['version'])
    assert.match(v.serverVersion.gitVersion, /^v1\.32\./)
  })

  test('aggregated discovery is served when asked for, legacy otherwise', async ({ e }) => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
    const agg = await http(e, '/apis', { headers: { Accept: accept } })
    assert.is(agg.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
    const apps = agg.body.items.find((g: any) => g.metadata.name === 'apps')
    const deploy = apps.versions[0].resources.find((r: any) => r.resource === 'deployments')
    assert.equal(deploy.subresources.map((s: any) => s.subresource).sort(), ['scale', 'status'])
    const legacy = await http(e, '/apis', { headers: { Accept: 'application/json' } })
    assert.is(legacy.body.kind, 'APIGroupList')
    const core = await http(e, '/api/v1')
    assert.ok(core.body.resources.some((r: any) => r.name === 'pods/status'))
  })

  test('OpenAPI v3 tells clients the server validates fields (fieldValidation on PATCH)', async ({ e }) => {
    const root = await http(e, '/openapi/v3')
    const url = root.body.paths['apis/apps/v1'].serverRelativeURL
    const doc = await http(e, url)
    const patch = doc.body.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch
    assert.equal(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' })
    assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'))
  })

  test('an unknown resource is a 404 Status', async ({ e }) => {
    const out = await kubectl(e, ['get', 'nosuchthings'])
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, `the server doesn't have a resource type "nosuchthings"`)
    const raw = await http(e, '/apis/apps/v1/namespaces/default/nosuchthings')
    assert.is(raw.status, 404)
    assert.is(raw.body.kind, 'Status')
  })

  test.run()
}
