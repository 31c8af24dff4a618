// Watches and waits: `kubectl wait --for=condition|jsonpath|delete`, `kubectl get -w
// --output-watch-events`, and the raw watch protocol (initial events + bookmark, selectors,
// 410 Expired, timeoutSeconds), with the open-watch accounting.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { eventually, http, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

const CM = { group: '', resource: 'configmaps' }
const crd =
  `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - {name: v1, served: true, storage: true, subresources: {status: {}}, ` +
  `schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`watch and wait (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    await ok(ctx.e, ['apply', '-f', '-'], crd)
    await ok(ctx.e, ['wait', '--for=condition=Established', 'crd/gadgets.example.com', '--timeout=5s'])
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('wait --for=condition returns once the status subresource says so', async ({ e }) => {
    await ok(
      e,
      ['apply', '-f', '-'],
      'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1, namespace: default}\nspec: {}\n',
    )
    const waiting = kubectl(e, ['wait', '--for=condition=Ready', 'gadget/g1', '--timeout=10s'])
    await new Promise((r) => setTimeout(r, 300))
    await ok(e, [
      'patch',
      'gadget',
      'g1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ])
    const out = await waiting
    assert.is(out.exitCode, 0, out.stderr)
    assert.match(out.stdout, 'gadget.example.com/g1 condition met')
  })

  test('wait --for=jsonpath and --for=delete', async ({ e }) => {
    await ok(e, ['create', 'configmap', 'state'])
    const byValue = kubectl(e, ['wait', '--for=jsonpath={.data.phase}=done', 'cm/state', '--timeout=10s'])
    const byDelete = kubectl(e, ['wait', '--for=delete', 'cm/state', '--timeout=10s'])
    await new Promise((r) => setTimeout(r, 300))
    await ok(e, ['patch', 'cm', 'state', '--type=merge', '-p', '{"data":{"phase":"done"}}'])
    assert.is((await byValue).exitCode, 0)
    await ok(e, ['delete', 'cm', 'state', '--wait=false'])
    assert.is((await byDelete).exitCode, 0)
  })

  test("wait times out with kubectl's message", async ({ e }) => {
    await ok(e, ['create', 'configmap', 'never'])
    const out = await kubectl(e, ['wait', '--for=jsonpath={.data.x}=1', 'cm/never', '--timeout=1s'])
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, 'timed out waiting for the condition on configmaps/never')
  })

  test('get -w --output-watch-events delivers ADDED, MODIFIED and DELETED', async ({ e }) => {
    await ok(e, ['create', 'namespace', 'watched'])
    const watch = $({
      env: e.env,
      quiet: true,
      nothrow: true,
    })`kubectl get cm -n watched -w --output-watch-events -o json`
    let seen = ''
    watch.stdout.on('data', (d: Buffer) => (seen += d.toString()))
    await eventually('the watch to open', () => e.sim.stats().openWatches > 0)
    await ok(e, ['create', 'configmap', 'w1', '-n', 'watched'])
    await ok(e, ['label', 'cm', 'w1', '-n', 'watched', 'x=y'])
    await ok(e, ['delete', 'cm', 'w1', '-n', 'watched'])
    await eventually('DELETED to arrive', () => seen.includes('"DELETED"'))
    await watch.kill()
    // the namespace's kube-root-ca.crt, which the controller-manager adds, is not what this test watches
    const types = seen
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((event) => event.object.metadata.name === 'w1')
      .map((event) => event.type)
    assert.equal(types, ['ADDED', 'MODIFIED', 'DELETED'])
    await eventually('the watch to close', () => e.sim.stats().openWatches === 0)
  })

  test.run()
}

// ---------------------------------------------------------------------------------------------
const raw = suite<{ e: Env }>('watch protocol (HTTP)')
raw.before(async (ctx) => void (ctx.e = await startEnv('v35')))
raw.after((ctx) => stopEnv(ctx.e))

/** Reads a watch stream until `until` says stop (or `ms` pass); returns the events. */
async function readWatch(
  e: Env,
  query: string,
  until: (events: any[]) => boolean,
  ms = 2000,
  act?: () => void,
): Promise<any[]> {
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort(), ms)
  const res = await fetch(`${e.sim.url}/api/v1/namespaces/default/configmaps?watch=1&${query}`, { signal: ctrl.signal })
  const events: any[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  act?.()
  try {
    for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk)
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      events.push(...lines.filter(Boolean).map((l) => JSON.parse(l)))
      if (until(events)) break
    }
  } catch {
    // aborted at the deadline
  } finally {
    clearTimeout(timer)
    ctrl.abort()
  }
  return events
}

raw('sendInitialEvents: ADDED for each object, then the initial-events-end bookmark', async ({ e }) => {
  e.sim.store.create(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } })
  const events = await readWatch(
    e,
    'sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
    (ev) => ev.some((x) => x.type === 'BOOKMARK'),
  )
  assert.ok(events.some((x) => x.type === 'ADDED' && x.object.metadata.name === 'a'))
  const bookmark = events.find((x) => x.type === 'BOOKMARK')
  assert.is(bookmark.object.metadata.annotations['k8s.io/initial-events-end'], 'true')
  assert.is(bookmark.object.metadata.resourceVersion, e.sim.store.resourceVersion)
})

raw('a label selector turns "stopped matching" into DELETED', async ({ e }) => {
  e.sim.store.create(CM, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'sel', namespace: 'default', labels: { keep: 'yes' } },
  })
  const events = await readWatch(
    e,
    'labelSelector=keep%3Dyes',
    (ev) => ev.some((x) => x.type === 'DELETED'),
    2000,
    () => {
      setTimeout(() => {
        const cm = e.sim.store.get(CM, 'default', 'sel')!
        e.sim.store.update(CM, { ...cm, metadata: { ...cm.metadata, labels: { keep: 'no' } } })
      }, 50)
    },
  )
  assert.equal(
    events.map((x) => `${x.type} ${x.object.metadata.name}`),
    ['ADDED sel', 'DELETED sel'],
  )
})

raw('a resourceVersion older than the history kept is 410 Expired', async ({ e }) => {
  const rv = e.sim.store.resourceVersion
  for (let i = 0; i < 5001; i++) {
    const cm = e.sim.store.create(CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `churn-${i}`, namespace: 'kube-public' },
    })
    e.sim.store.delete(CM, 'kube-public', cm.metadata.name)
  }
  const events = await readWatch(e, `resourceVersion=${rv}`, (ev) => ev.length > 0)
  assert.is(events[0].type, 'ERROR')
  assert.is(events[0].object.code, 410)
  assert.is(events[0].object.reason, 'Expired')
})

raw('timeoutSeconds ends the stream; open watches are counted', async ({ e }) => {
  e.sim.resetStats()
  const started = Date.now()
  const res = await http(e, '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1')
  assert.is(res.status, 200)
  assert.ok(Date.now() - started >= 900)
  const stats = e.sim.stats()
  assert.is(stats.byVerbResource['watch configmaps'], 1)
  assert.is(stats.maxOpenWatches, 1)
  assert.is(stats.openWatches, 0)
})

raw('stop() ends open watches', async () => {
  const e = await startEnv('v35')
  const pending = fetch(`${e.sim.url}/api/v1/configmaps?watch=1`)
    .then((r) => r.text())
    .catch(() => 'closed')
  await eventually('the watch to open', () => e.sim.stats().openWatches === 1)
  await stopEnv(e)
  assert.type(await pending, 'string')
})

raw.run()
