// HTTP faults a test switches on at run time (500, 429 + Retry-After, connection reset, added
// latency; by path, verb, count and share, seeded), the API server gone and back, and the request
// accounting, as the real kubectl experiences them.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpFaultBook } from '../api/faults.ts'
import { $ } from 'zx'
import { eventually, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`HTTP faults (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    await ok(ctx.e, ['get', 'ns']) // discovery cached, so the faults below hit only the requests named
  })
  test.after.each(({ e }) => e.sim.faults.http.clear())
  test.after((ctx) => stopEnv(ctx.e))

  test('500 on a path: kubectl reports the InternalError', async ({ e }) => {
    e.sim.faults.http.fail({ failure: 500, path: '/configmaps' })
    const out = await kubectl(e, ['get', 'cm'])
    assert.is(out.exitCode, 1)
    assert.is(
      out.stderr.trim(),
      'Error from server (InternalError): Internal error occurred: injected fault (kube-sim)',
    )
    assert.is((await kubectl(e, ['get', 'secrets'])).exitCode, 0)
  })

  test('429 with Retry-After twice: client-go retries and succeeds', async ({ e }) => {
    e.sim.faults.http.fail({ failure: 429, path: '/configmaps', times: 2, retryAfterSeconds: 0 })
    e.sim.resetStats()
    await ok(e, ['get', 'cm'])
    assert.is(e.sim.stats().byVerbResource['list configmaps'], 3)
  })

  test('connection reset on a create is an error; on a GET, client-go retries it', async ({ e }) => {
    e.sim.faults.http.fail({ failure: 'reset', verbs: ['create'] })
    const out = await kubectl(e, ['create', 'configmap', 'x'])
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, /EOF|connection reset/)
    assert.not.ok(e.sim.store.get({ group: '', resource: 'configmaps' }, 'default', 'x'))
    e.sim.faults.http.clear()
    e.sim.faults.http.fail({ failure: 'reset', verbs: ['list'], times: 1 })
    await ok(e, ['get', 'cm'])
  })

  test('slow responses add latency to matching requests', async ({ e }) => {
    e.sim.faults.http.slow({ ms: 400, path: '/secrets' })
    const started = Date.now()
    await ok(e, ['get', 'secrets'])
    assert.ok(Date.now() - started >= 400)
  })

  test('a time window: failures only until it closes', async ({ e }) => {
    // seconds, not milliseconds: a loaded machine may take a second to start kubectl
    const windowMs = 4000
    const closes = Date.now() + windowMs
    e.sim.faults.http.fail({ failure: 500, path: '/configmaps', untilMs: windowMs })
    assert.is((await kubectl(e, ['get', 'cm', '--request-timeout=1s'])).exitCode, 1)
    await new Promise((r) => setTimeout(r, closes - Date.now() + 100))
    assert.is((await kubectl(e, ['get', 'cm'])).exitCode, 0)
  })

  test('the API server down: connections refused at its address; up again: the same kubeconfig works', async ({
    e,
  }) => {
    await ok(e, ['create', 'configmap', 'kept'])
    await e.sim.faults.server.down()
    try {
      const refused = await kubectl(e, ['get', 'cm', 'kept'])
      assert.is(refused.exitCode, 1)
      assert.match(refused.stderr, /connection refused|was refused/)
    } finally {
      await e.sim.faults.server.up()
    }
    assert.match(await ok(e, ['get', 'cm', 'kept', '-o', 'name']), /configmap\/kept/)
  })

  test('down at a request (a crash mid-flight): that request and a running watch end unanswered', async ({ e }) => {
    const watch = $({ env: e.env, quiet: true, nothrow: true })`kubectl get cm --watch -o name`
    let listed = ''
    watch.stdout.on('data', (chunk) => (listed += chunk))
    await eventually('the watch to list', () => listed.includes('configmap/'), 10_000)
    e.sim.faults.http.fail({ failure: 'down', path: '/configmaps', verbs: ['create'], times: 1 })
    try {
      const crashed = await kubectl(e, ['create', 'configmap', 'crash'])
      assert.is(crashed.exitCode, 1)
      assert.not.match(crashed.stderr, /Error from server/, 'no answer, not an error answer')
      // the watch's connection is cut: kubectl gives up (its restart of the watch is refused)
      assert.is.not((await watch).exitCode, null)
      assert.match((await kubectl(e, ['get', 'cm'])).stderr, /connection refused|was refused/)
    } finally {
      await e.sim.faults.server.up()
    }
    await ok(e, ['get', 'cm'])
    assert.not.ok(e.sim.store.get({ group: '', resource: 'configmaps' }, 'default', 'crash'), 'never created')
  })

  test('stats count requests per verb and resource', async ({ e }) => {
    e.sim.resetStats()
    await ok(e, ['create', 'configmap', 'counted'])
    await ok(e, ['get', 'cm', 'counted'])
    await ok(e, ['delete', 'cm', 'counted'])
    const stats = e.sim.stats()
    assert.is(stats.byVerbResource['create configmaps'], 1)
    assert.ok(stats.byVerbResource['get configmaps'] >= 1)
    assert.is(stats.byVerbResource['delete configmaps'], 1)
    assert.ok(stats.total >= 3)
  })

  test.run()
}

// ---------------------------------------------------------------------------------------------
const seeded = suite('HTTP faults: seeded shares')

seeded('the same seed hits the same requests; a share hits about that share', () => {
  const hits = (seed: number) => {
    const book = new HttpFaultBook(seed)
    book.fail({ failure: 500, share: 0.3 })
    return Array.from({ length: 1000 }, () => !!book.failureFor({ pathAndQuery: '/api/v1/pods', verb: 'list' }))
  }
  assert.equal(hits(42), hits(42))
  assert.not.equal(hits(42), hits(43))
  const share = hits(7).filter(Boolean).length / 1000
  assert.ok(share > 0.25 && share < 0.35, `share ${share}`)
})

seeded.run()
