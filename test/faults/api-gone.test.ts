// The API server gone (kube-sim's server down: connections cut, new ones refused)
// in the middle of a run. It is said as soon as a command or a watch is refused ("the API server …
// stopped answering at HH:MM:SS"), retried for --api-unreachable-after, then the step fails with
// that reason, long before --timeout: a workload wait, a webhook probe and a helm waiting on a hook
// Job alike (helm 3 retries within its calls up to its own deadline). Back within that
// bound, the run goes on and succeeds. --timeout is 2m here and the bound 5s: a step that waited
// for its --timeout says so ("not ready after 2m", "no answer within 2m").
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  kubectl,
  layers,
  leakedChildren,
  releases,
  runScript,
  startCluster,
  startScript,
  startSuite,
  suiteLayers,
  until,
  type Cluster,
  type Suite,
} from '../e2e/harness.ts'

const settings = { STACK_TIMEOUT: '2m', STACK_API_UNREACHABLE_AFTER: '5s' }
const stoppedAnswering = /the API server 127\.0\.0\.1:\d+ stopped answering at \d\d:\d\d:\d\d/
// `6s`; a run on a busy machine may say more
const gaveUp = new RegExp(`${stoppedAnswering.source} and has not answered for (?:\\d+[hms])+`)
/** what a wait or a probe said before: the whole --timeout spent on a server nobody could ask */
const misread = /not created yet|not ready after|did not answer in time|no answer within|not answering yet/

for (const layer of suiteLayers) {
  const test = suite(`the API server gone, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  const withCluster = (body: (c: Cluster) => Promise<void>) => async () => {
    const c = await startCluster(s)
    try {
      await kubectl(c, 'create', 'namespace', 'ticketing')
      await body(c)
    } finally {
      await c.sim.faults.server.up()
      await c.stop()
    }
  }

  test(
    'gone during a workload wait: said, then the step fails with that reason before --timeout',
    withCluster(async (c) => {
      // cert-manager's webhook is slow to start: its step is waiting when the server goes
      c.sim.faults.pods.set('^cert-manager-webhook-', { kind: 'delay', ms: 60_000 })
      const run = startScript(c, 'all.mts', [], { env: settings })
      await until('the cert-manager wait', () => /… Waiting ≤ 2m for cert-manager\n/.test(run.output()), 120_000)
      await c.sim.faults.server.down()
      const stopped = await run.done
      assert.is(stopped.exitCode, 1, stopped.output)
      assert.match(stopped.stderr, new RegExp(`! ${stoppedAnswering.source} \\(.*refused.*\\); retrying until`))
      // the wait's own line, then its step's error: the outage, not its pods
      const waitFailed = /✗ Waiting ≤ 2m for cert-manager \([^)]*\) — the API server is not answering[^\n]*\n/
      assert.match(
        stopped.stderr,
        new RegExp(`${waitFailed.source}§3 cert-manager │ ✗ ${gaveUp.source}\n`),
        stopped.stderr,
      )
      // the releases installed side by side fail on it too: said once, explained once, then only named
      assert.is(stopped.stderr.match(new RegExp(`! ${stoppedAnswering.source}`, 'g'))?.length, 1, stopped.stderr)
      assert.is(stopped.stderr.match(/Hint: check that the cluster is up/g)?.length, 1, stopped.stderr)
      assert.ok((stopped.stderr.match(new RegExp(`✗ ${gaveUp.source}\n`, 'g'))?.length ?? 0) > 1, stopped.stderr)
      assert.not.match(stopped.output, misread)
      assert.not.match(stopped.output, /Unexpected error/)
      assert.equal(leakedChildren(c), [])

      await c.sim.faults.server.up()
      c.sim.faults.pods.clear()
      const again = await runScript(c, 'all.mts', [], { env: settings })
      assert.is(again.exitCode, 0, again.output)
      assert.equal(
        (await releases(c)).filter((r) => r.status !== 'deployed'),
        [],
      )
    }),
  )

  // npm test runs the first case (FAULTS=quick); npm run test:faults all of them
  const slow = (name: string, run: () => Promise<void>) => {
    if (process.env.FAULTS !== 'quick') test(name, run)
  }

  slow(
    "gone before the operator's webhook probe: said, then the step fails with that reason",
    withCluster(async (c) => {
      assert.is((await runScript(c, 'all.mts', [], { env: settings })).exitCode, 0)
      // the probe is a server-side dry run of an Instrumentation: the server dies as it arrives
      c.sim.faults.http.fail({ failure: 'down', path: '/instrumentations', verbs: ['create'], times: 1 })
      const run = await runScript(c, '04-otel-operator.mts', [], { env: settings })
      assert.is(run.exitCode, 1, run.output)
      assert.match(run.stderr, new RegExp(`! ${stoppedAnswering.source}`))
      const probeFailed = /✗ Waiting ≤ 2m for OpenTelemetry Operator webhook to answer \([^)]*\) — [^\n]*\n/
      assert.match(
        run.stderr,
        new RegExp(`${probeFailed.source}§4 opentelemetry-operator │ ✗ ${gaveUp.source}\n`),
        run.stderr,
      )
      assert.not.match(run.output, misread)
      assert.equal(leakedChildren(c), [])
    }),
  )

  slow(
    'gone while helm waits on a hook Job: the install ends at the bound, not at --timeout, and no helm is left',
    withCluster(async (c) => {
      // kube-prometheus-stack's pre-install hook pod is slow to start: helm waits on its Job when the server goes
      c.sim.faults.pods.set('^kube-prometheus-stack-admission-create-', { kind: 'delay', ms: 60_000 })
      assert.is((await runScript(c, '01-namespace.mts', [], { env: settings })).exitCode, 0)
      const run = startScript(c, '02-lgtm.mts', [], { env: settings })
      const hookPod = () =>
        c.sim.store
          .list({ group: '', resource: 'pods' }, 'monitoring')
          .items.some((p) => p.metadata.name.startsWith('kube-prometheus-stack-admission-create-'))
      await until("kube-prometheus-stack's hook pod", hookPod, 120_000)
      await c.sim.faults.server.down()
      const stopped = await run.done
      assert.is(stopped.exitCode, 1, stopped.output)
      assert.match(stopped.stderr, new RegExp(`§2\\.2 kube-prometheus-stack │ ✗ ${gaveUp.source}\n`), stopped.stderr)
      // given up at the bound (5s), as the other steps are: not once helm's own deadline (--timeout, 2m) ran out
      assert.match(
        stopped.stderr,
        /§2\.2 kube-prometheus-stack │ ✗ [^\n]* has not answered for \d+s\n/,
        'the install ran on past the bound',
      )
      assert.not.match(stopped.output, /context deadline exceeded|timed out waiting for the condition/)
      assert.not.match(stopped.output, misread)
      assert.not.match(stopped.output, /Unexpected error/)
      assert.equal(leakedChildren(c), [])

      // the helm the run ended left its release pending; with no server to mark it, this machine's record
      // says so, and the next run heals it at once, not once --timeout (2m) has passed
      await c.sim.faults.server.up()
      c.sim.faults.pods.clear()
      const again = await runScript(c, '02-lgtm.mts', [], { env: settings })
      assert.is(again.exitCode, 0, again.output)
      assert.match(
        again.stderr,
        /kube-prometheus-stack: release is pending-install \(revision 1\), the helm that wrote it has ended/,
        again.output,
      )
      assert.not.match(again.output, /may still be running/)
      assert.equal(
        (await releases(c)).filter((r) => r.status !== 'deployed'),
        [],
      )
    }),
  )

  slow(
    'back within the bound: the wait goes on and the run succeeds, saying both ends',
    withCluster(async (c) => {
      c.sim.faults.pods.set('^cert-manager-webhook-', { kind: 'delay', ms: 30_000 })
      const run = startScript(c, 'all.mts', [], { env: { ...settings, STACK_API_UNREACHABLE_AFTER: '2m' } })
      // no helm in flight when it goes: an install cut mid-way fails its step (the next run heals it)
      await until(
        'the releases installed while cert-manager is waited on',
        () => (run.output().match(/✓ installed /g) ?? []).length === 3,
        120_000,
      )
      assert.not.match(run.output(), /✓ cert-manager ready \(/, 'the wait is over: hold it longer')
      await c.sim.faults.server.down()
      await until('the outage to be said', () => stoppedAnswering.test(run.output()), 60_000)
      await c.sim.faults.server.up()
      const done = await run.done
      assert.is(done.exitCode, 0, done.output)
      const said = done.stderr.indexOf('stopped answering at')
      assert.ok(said < done.stderr.indexOf('✓ cert-manager ready ('), 'said during the wait')
      assert.match(done.stderr, /✓ the API server 127\.0\.0\.1:\d+ answers again \(it stopped answering at/)
      assert.match(done.stdout, /All \d+ checks passed/)
    }),
  )

  test.run()
}
