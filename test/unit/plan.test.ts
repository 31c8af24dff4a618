import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../lib/core/errors.ts'
import { plan, runPlan, stackSteps, type PlanStep } from '../../lib/core/plan.ts'
import { aConfig, aStep } from './builders.ts'

/** The steps `npm run all` ships (seed profile), not a copy of them. */
const shipped = stackSteps(aConfig())

const ids = (layers: PlanStep[][]) => layers.map((l) => l.map((s) => s.id))

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  assert.unreachable('no UsageError was thrown')
  throw new Error('unreachable')
}

// plan

const planTest = suite('plan')

planTest('works: the shipped plan in layers, each step after all it needs', () => {
  assert.equal(ids(plan(shipped)), [
    ['namespace', 'repos', 'cert-manager'],
    ['other-profile', 'opentelemetry-operator'],
    ['kube-prometheus-stack', 'loki', 'tempo'],
    ['verify'],
  ])
})

planTest("order within a layer is the input's", () => {
  assert.equal(ids(plan([aStep('c'), aStep('a'), aStep('b')])), [['c', 'a', 'b']])
})

planTest('a need listed after the step that needs it', () => {
  assert.equal(ids(plan([aStep('b', ['a']), aStep('a')])), [['a'], ['b']])
})

planTest('reversed, what needs something comes before it', () => {
  const order = plan(shipped)
    .reverse()
    .flat()
    .map((s) => s.id)
  assert.ok(order.indexOf('opentelemetry-operator') < order.indexOf('cert-manager'), order.join(' '))
  assert.ok(order.indexOf('kube-prometheus-stack') < order.indexOf('namespace'), order.join(' '))
})

planTest('no steps: no layers', () => {
  assert.equal(plan([]), [])
})

planTest('an unknown need: a UsageError naming the step and the need', () => {
  const error = usageErrorOf(() => plan([aStep('lgtm', ['namespaces']), aStep('namespace')]))
  assert.equal(error.problems, ['step "lgtm" needs "namespaces", which is not a step (known: lgtm, namespace)'])
})

planTest('every unknown need is reported at once', () => {
  const error = usageErrorOf(() => plan([aStep('a', ['x']), aStep('b', ['y'])]))
  assert.is(error.problems.length, 2)
})

planTest('a cycle: a UsageError naming the steps in it', () => {
  const error = usageErrorOf(() => plan([aStep('ok'), aStep('a', ['b']), aStep('b', ['a'])]))
  assert.equal(error.problems, ['the steps a, b need each other in a cycle'])
})

planTest('a step that needs itself is a cycle', () => {
  assert.match(usageErrorOf(() => plan([aStep('a', ['a'])])).message, /cycle/)
})

planTest.run()

// runPlan

const runPlanTest = suite('runPlan')

/**
 * An exec whose steps end only when the test says so (`finish`): the order of events is the
 * test's, whatever the machine's load. Records `start:id`/`end:id`; `fail` ids throw when finished.
 */
function gated(fail: string[] = []) {
  const events: string[] = []
  const open = new Map<string, () => void>()
  let maxInFlight = 0
  const exec = (step: PlanStep) =>
    new Promise<void>((resolve, reject) => {
      events.push(`start:${step.id}`)
      open.set(step.id, () => {
        open.delete(step.id)
        events.push(`end:${step.id}`)
        if (fail.includes(step.id)) reject(new Error(`${step.id} broke`))
        else resolve()
      })
      maxInFlight = Math.max(maxInFlight, open.size)
    })
  /** Lets runPlan react to what ended (its awaits are a few turns of the event loop). */
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
  }
  return {
    exec,
    events,
    running: () => [...open.keys()],
    maxInFlight: () => maxInFlight,
    started: () => events.filter((e) => e.startsWith('start:')).map((e) => e.slice(6)),
    async finish(...ids: string[]) {
      for (const id of ids) {
        const end = open.get(id)
        assert.ok(end, `${id} is not running (running: ${[...open.keys()].join(', ')})`)
        end()
      }
      await settle()
    },
    /** Ends the running steps one by one, oldest first, until the plan is done. */
    async drain<T>(done: Promise<T>): Promise<T> {
      let finished = false
      void done.finally(() => (finished = true))
      await settle()
      while (!finished) {
        const [first] = open.keys()
        if (first) await this.finish(first)
        else await settle()
      }
      return done
    },
  }
}

runPlanTest('works: every step of the shipped plan ok, each started only after its needs ended', async () => {
  const r = gated()
  const results = await r.drain(runPlan(shipped, r.exec, { concurrency: shipped.length }))
  assert.equal(
    results.map((x) => [x.id, x.status]),
    shipped.map((s) => [s.id, 'ok']),
  )
  for (const step of shipped) {
    for (const need of step.needs) {
      assert.ok(
        r.events.indexOf(`end:${need}`) < r.events.indexOf(`start:${step.id}`),
        `${step.id} started before ${need} ended: ${r.events.join(' ')}`,
      )
    }
  }
})

runPlanTest(
  'a step starts as soon as its own needs are done: the operator does not wait for the LGTM releases',
  async () => {
    const r = gated()
    const done = runPlan(shipped, r.exec, { concurrency: shipped.length })
    await r.finish()
    assert.equal(r.running(), ['namespace', 'repos', 'cert-manager'])
    await r.finish('namespace', 'repos')
    assert.equal(r.running(), ['cert-manager', 'other-profile'])
    await r.finish('other-profile')
    assert.equal(r.running(), ['cert-manager', 'kube-prometheus-stack', 'loki', 'tempo'])
    await r.finish('cert-manager')
    assert.ok(r.running().includes('opentelemetry-operator'), r.running().join(' '))
    await r.finish('opentelemetry-operator')
    assert.ok(r.running().includes('loki'), 'the operator ended while loki still ran')
    await r.drain(done)
  },
)

runPlanTest('each result has its duration', async () => {
  const [slow] = await runPlan([aStep('slow')], () => sleep(30), { concurrency: 1 })
  // a lower bound only: a loaded machine makes it longer, never shorter
  assert.ok(slow.ms >= 25, `${slow.ms} ms`)
})

runPlanTest('concurrency is respected (never more in flight)', async () => {
  const r = gated()
  const steps = ['a', 'b', 'c', 'd', 'e'].map((id) => aStep(id))
  const done = runPlan(steps, r.exec, { concurrency: 2 })
  await r.finish()
  assert.equal(r.running(), ['a', 'b'])
  const results = await r.drain(done)
  assert.is(r.maxInFlight(), 2)
  assert.ok(results.every((x) => x.status === 'ok'))
})

runPlanTest('concurrency 1 runs the steps one after the other, in an order their needs allow', async () => {
  const r = gated()
  await r.drain(runPlan(shipped, r.exec, { concurrency: 1 }))
  assert.is(r.maxInFlight(), 1)
  assert.equal(r.started(), [
    'namespace',
    'repos',
    'other-profile',
    'kube-prometheus-stack',
    'loki',
    'tempo',
    'cert-manager',
    'opentelemetry-operator',
    'verify',
  ])
})

runPlanTest('after a failure no new step starts; running ones finish; the rest are skipped', async () => {
  const r = gated(['namespace'])
  const steps = [aStep('namespace'), aStep('cert-manager'), aStep('lgtm', ['namespace']), aStep('verify', ['lgtm'])]
  const done = runPlan(steps, r.exec, { concurrency: 2 })
  await r.finish('namespace')
  assert.equal(r.running(), ['cert-manager'], 'cert-manager, already running, goes on')
  await r.finish('cert-manager')
  const results = await done
  assert.equal(
    results.map((x) => [x.id, x.status]),
    [
      ['namespace', 'failed'],
      ['cert-manager', 'ok'],
      ['lgtm', 'skipped'],
      ['verify', 'skipped'],
    ],
  )
  assert.match(String(results[0].error), /namespace broke/)
  assert.is(results[2].ms, 0)
})

runPlanTest('after a failure, a step that does not need the failed one is not started either', async () => {
  const r = gated(['a'])
  const results = await r.drain(runPlan([aStep('a'), aStep('b')], r.exec, { concurrency: 1 }))
  assert.equal(
    results.map((x) => x.status),
    ['failed', 'skipped'],
  )
  assert.equal(r.started(), ['a'])
})

runPlanTest('`always` steps still run after a failure, at the end', async () => {
  const r = gated(['kube-prometheus-stack'])
  const results = await r.drain(runPlan(shipped, r.exec, { concurrency: 1, always: ['verify'] }))
  const status = Object.fromEntries(results.map((x) => [x.id, x.status]))
  assert.is(status['kube-prometheus-stack'], 'failed')
  assert.is(status.loki, 'skipped')
  assert.is(status.verify, 'ok')
  assert.is(r.started().at(-1), 'verify')
})

runPlanTest('an `always` step runs once when nothing fails', async () => {
  const r = gated()
  await r.drain(runPlan(shipped, r.exec, { concurrency: 2, always: ['verify'] }))
  assert.is(r.started().filter((id) => id === 'verify').length, 1)
})

runPlanTest('an unknown need: rejected before any step runs', async () => {
  const r = gated()
  try {
    await runPlan([aStep('a'), aStep('b', ['nope'])], r.exec, { concurrency: 1 })
    assert.unreachable('runPlan resolved')
  } catch (error) {
    assert.instance(error, UsageError)
  }
  assert.equal(r.events, [])
})

runPlanTest.run()
