// A known failure ends with its cause and remedy, not only a pod's state: a pod the scheduler has no
// room for (Insufficient cpu) fails 02 at --stuck-after, and the diagnosis says what to give the nodes.
// The classes themselves (rate-limited pulls, unbound PVCs, missing Secrets, mount propagation, too
// many open files) are unit-tested in test/unit/known-failures.test.ts.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kubectl, layers, runScript, startCluster, startSuite, suiteLayers, type Suite } from '../e2e/harness.ts'

for (const layer of suiteLayers) {
  const test = suite(`known failures named, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  test('no room for loki-0 (Insufficient cpu): 02 fails before --timeout with the cause and the remedy', async () => {
    const c = await startCluster(s)
    try {
      await kubectl(c, 'create', 'namespace', 'ticketing')
      assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
      c.sim.faults.pods.set('^loki-0$', { kind: 'unschedulable' })
      const run = await runScript(c, '02-lgtm.mts', ['--timeout=5m'])
      assert.is(run.exitCode, 1, run.output)
      assert.match(run.stderr, /a pod is stuck and will not become ready by waiting/)
      assert.match(
        run.stderr,
        /try: the cluster has no room for this pod \(the nodes' CPU is all requested\): give the nodes more CPUs/,
      )
    } finally {
      await c.stop()
    }
  })

  test.run()
}
