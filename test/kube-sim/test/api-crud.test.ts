// Create, read, list, label, delete through the real kubectl (1.32 and 1.35): output formats,
// label and field selectors, and the Status errors kubectl prints for a real apiserver.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { json, kubectl, LAYERS, ok, startEnv, stopEnv, yaml, type Env } from './api-harness.ts'

const configMaps = yaml(
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: red, namespace: crud, labels: {color: red, tier: web}}\n' +
    'data: {a: "1"}',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: blue, namespace: crud, labels: {color: blue}}\ndata: {a: "2"}',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, namespace: crud}\ndata: {a: "3"}',
)

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`CRUD (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    await ok(ctx.e, ['create', 'namespace', 'crud'])
    await ok(ctx.e, ['create', '-f', '-'], configMaps)
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('get -o json|yaml|jsonpath', async ({ e }) => {
    const cm = await json(e, ['get', 'cm', 'red', '-n', 'crud'])
    assert.equal(cm.data, { a: '1' })
    assert.is(cm.kind, 'ConfigMap')
    assert.match(cm.metadata.uid, /^[0-9a-f-]{36}$/)
    assert.match(await ok(e, ['get', 'cm', 'red', '-n', 'crud', '-o', 'yaml']), /^ {2}name: red$/m)
    // with the CA bundle the controller-manager puts in every namespace
    assert.is(
      await ok(e, ['get', 'cm', '-n', 'crud', '-o', 'jsonpath={.items[*].metadata.name}']),
      'blue kube-root-ca.crt plain red',
    )
  })

  test('plain table output with server-side columns', async ({ e }) => {
    const out = await ok(e, ['get', 'cm', '-n', 'crud'])
    assert.match(out, /^NAME\s+DATA\s+AGE\n/)
    assert.match(out, /^red\s+1\s+\d+s$/m)
  })

  test('label selectors: =, ==, !=, in, notin, exists, !exists', async ({ e }) => {
    const names = async (selector: string) =>
      (await ok(e, ['get', 'cm', '-n', 'crud', '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}']))
        .split(' ')
        .filter(Boolean)
    assert.equal(await names('color=red'), ['red'])
    assert.equal(await names('color==blue'), ['blue'])
    assert.equal(await names('color!=red'), ['blue', 'kube-root-ca.crt', 'plain'])
    assert.equal(await names('color in (red,blue)'), ['blue', 'red'])
    assert.equal(await names('color notin (red)'), ['blue', 'kube-root-ca.crt', 'plain'])
    assert.equal(await names('tier'), ['red'])
    assert.equal(await names('!color'), ['kube-root-ca.crt', 'plain'])
    assert.equal(await names('color,tier=web'), ['red'])
  })

  test('field selectors: metadata.name and metadata.namespace', async ({ e }) => {
    const out = await ok(e, [
      'get',
      'cm',
      '-A',
      '--field-selector',
      'metadata.name=blue,metadata.namespace=crud',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ])
    assert.is(out, 'blue')
  })

  test('404 NotFound and 409 AlreadyExists, as kubectl prints them', async ({ e }) => {
    const missing = await kubectl(e, ['get', 'cm', 'nope', '-n', 'crud'])
    assert.is(missing.exitCode, 1)
    assert.is(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found')
    const deploy = await kubectl(e, ['get', 'deploy', 'nope', '-n', 'crud'])
    assert.is(deploy.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found')
    const again = await kubectl(e, ['create', 'configmap', 'red', '-n', 'crud'])
    assert.is(again.exitCode, 1)
    assert.match(again.stderr, 'configmaps "red" already exists')
  })

  test('a namespaced create needs its namespace', async ({ e }) => {
    const out = await kubectl(e, ['create', 'configmap', 'x', '-n', 'ghost'])
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, 'namespaces "ghost" not found')
  })

  test('invalid names are 422 Invalid with the apiserver message', async ({ e }) => {
    const out = await kubectl(e, ['create', 'configmap', 'Bad_Name', '-n', 'crud'])
    assert.is(out.exitCode, 1)
    assert.match(
      out.stderr,
      'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    )
  })

  test('typed creates (protobuf bodies): secret, deployment, job, serviceaccount', async ({ e }) => {
    await ok(e, ['create', 'secret', 'generic', 's1', '-n', 'crud', '--from-literal=k=v'])
    assert.is((await json(e, ['get', 'secret', 's1', '-n', 'crud'])).data.k, Buffer.from('v').toString('base64'))
    await ok(e, ['create', 'deployment', 'd1', '-n', 'crud', '--image=nginx:1.27', '--replicas=0'])
    const d = await json(e, ['get', 'deploy', 'd1', '-n', 'crud'])
    assert.is(d.spec.replicas, 0)
    assert.is(d.spec.template.spec.containers[0].image, 'nginx:1.27')
    assert.equal(d.spec.selector.matchLabels, { app: 'd1' })
    await ok(e, ['create', 'serviceaccount', 'sa1', '-n', 'crud'])
    await ok(e, ['create', 'job', 'j1', '-n', 'crud', '--image=busybox:1.36', '--', 'true'])
    assert.equal((await json(e, ['get', 'job', 'j1', '-n', 'crud'])).spec.template.spec.containers[0].command, ['true'])
  })

  test('label and annotate, then delete', async ({ e }) => {
    await ok(e, ['label', 'cm', 'plain', '-n', 'crud', 'color=green'])
    await ok(e, ['annotate', 'cm', 'plain', '-n', 'crud', 'note=hi'])
    const cm = await json(e, ['get', 'cm', 'plain', '-n', 'crud'])
    assert.is(cm.metadata.labels.color, 'green')
    assert.is(cm.metadata.annotations.note, 'hi')
    await ok(e, ['delete', 'cm', 'plain', '-n', 'crud'])
    assert.is((await kubectl(e, ['get', 'cm', 'plain', '-n', 'crud'])).exitCode, 1)
    assert.not.ok(e.sim.store.get({ group: '', resource: 'configmaps' }, 'crud', 'plain'))
  })

  test('a terminating namespace refuses creates with 403 Forbidden', async ({ e }) => {
    await ok(e, ['create', 'namespace', 'doomed'])
    // a finalizer nobody removes keeps the namespace Terminating
    await ok(
      e,
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: doomed, finalizers: [example.com/hold]}\n',
    )
    await ok(e, ['delete', 'namespace', 'doomed', '--wait=false'])
    const out = await kubectl(e, ['create', 'configmap', 'late', '-n', 'doomed'])
    assert.is(out.exitCode, 1)
    assert.match(
      out.stderr,
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    )
    assert.is((await json(e, ['get', 'namespace', 'doomed'])).status.phase, 'Terminating')
    await ok(e, [
      'patch',
      'cm',
      'held',
      '-n',
      'doomed',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ])
    await ok(e, ['wait', '--for=delete', 'namespace/doomed', '--timeout=5s'])
  })

  test.run()
}
