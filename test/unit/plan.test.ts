import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UsageError } from '../../lib/core/errors.ts'
import { plan, runPlan, type PlanStep } from '../../lib/core/plan.ts'
import { aStep } from './builders.ts'

/** The steps of `npm run all`, as the seed orders them. */
const seedSteps = [
  aStep('namespace'),
  aStep('lgtm', ['namespace']),
  aStep('cert-manager'),
  aStep('otel-operator', ['namespace', 'cert-manager']),
  aStep('verify', ['lgtm', 'otel-operator']),
]

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

planTest('works: layers in order, each step after all it needs', () => {
  assert.equal(ids(plan(seedSteps)), [['namespace', 'cert-manager'], ['lgtm', 'otel-operator'], ['verify']])
})

planTest("order within a layer is the input's", () => {
  assert.equal(ids(plan([aStep('c'), aStep('a'), aStep('b')])), [['c', 'a', 'b']])
})

planTest('a need listed after the step that needs it', () => {
  assert.equal(ids(plan([aStep('b', ['a']), aStep('a')])), [['a'], ['b']])
})

planTest('teardown is the plan reversed', () => {
  assert.equal(ids(plan(seedSteps).reverse()), [['verify'], ['lgtm', 'otel-operator'], ['namespace', 'cert-manager']])
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

/** An exec that records `start:id`/`end:id` and takes `ms[id]` (default 5 ms); `fail` ids throw. */
function recorder(opts: { ms?: Record<string, number>; fail?: string[] } = {}) {
  const events: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const exec = async (step: PlanStep) => {
    events.push(`start:${step.id}`)
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await sleep(opts.ms?.[step.id] ?? 5)
    inFlight--
    events.push(`end:${step.id}`)
    if (opts.fail?.includes(step.id)) throw new Error(`${step.id} broke`)
  }
  return {
    exec,
    events,
    maxInFlight: () => maxInFlight,
    started: () => events.filter((e) => e.startsWith('start:')).map((e) => e.slice(6)),
  }
}

runPlanTest('works: every step ok, each started only after its needs ended', async () => {
  const r = recorder({ ms: { namespace: 15, 'cert-manager': 5, lgtm: 10 } })
  const results = await runPlan(seedSteps, r.exec, { concurrency: 4 })
  assert.equal(
    results.map((x) => [x.id, x.status]),
    seedSteps.map((s) => [s.id, 'ok']),
  )
  for (const step of seedSteps) {
    for (const need of step.needs) {
      assert.ok(
        r.events.indexOf(`end:${need}`) < r.events.indexOf(`start:${step.id}`),
        `${step.id} started before ${need} ended: ${r.events.join(' ')}`,
      )
    }
  }
})

runPlanTest('a step starts as soon as its own needs are done, not the whole layer', async () => {
  // otel-operator needs the fast cert-manager and namespace, not the slow lgtm
  const r = recorder({ ms: { namespace: 5, 'cert-manager': 5, lgtm: 60, 'otel-operator': 5 } })
  await runPlan(seedSteps, r.exec, { concurrency: 4 })
  assert.ok(r.events.indexOf('end:otel-operator') < r.events.indexOf('end:lgtm'), r.events.join(' '))
})

runPlanTest('each result has its duration', async () => {
  const r = recorder({ ms: { slow: 30 } })
  const [slow] = await runPlan([aStep('slow')], r.exec, { concurrency: 1 })
  assert.ok(slow.ms >= 25 && slow.ms < 1000, `${slow.ms} ms`)
})

runPlanTest('concurrency is respected (never more in flight)', async () => {
  const r = recorder({ ms: { a: 10, b: 10, c: 10, d: 10, e: 10 } })
  const results = await runPlan(
    ['a', 'b', 'c', 'd', 'e'].map((id) => aStep(id)),
    r.exec,
    { concurrency: 2 },
  )
  assert.is(r.maxInFlight(), 2)
  assert.ok(results.every((x) => x.status === 'ok'))
})

runPlanTest('concurrency 1 runs the steps one after the other, in order', async () => {
  const r = recorder()
  await runPlan(seedSteps, r.exec, { concurrency: 1 })
  assert.is(r.maxInFlight(), 1)
  assert.equal(r.started(), ['namespace', 'lgtm', 'cert-manager', 'otel-operator', 'verify'])
})

runPlanTest('after a failure no new step starts; running ones finish; the rest are skipped', async () => {
  // namespace fails fast while cert-manager is still running
  const r = recorder({ ms: { namespace: 5, 'cert-manager': 30 }, fail: ['namespace'] })
  const results = await runPlan(seedSteps, r.exec, { concurrency: 2 })
  assert.equal(
    results.map((x) => [x.id, x.status]),
    [
      ['namespace', 'failed'],
      ['lgtm', 'skipped'],
      ['cert-manager', 'ok'],
      ['otel-operator', 'skipped'],
      ['verify', 'skipped'],
    ],
  )
  assert.equal(r.started(), ['namespace', 'cert-manager'])
  assert.match(String(results[0].error), /namespace broke/)
  assert.is(results[1].ms, 0)
})

runPlanTest('after a failure, a step that does not need the failed one is not started either', async () => {
  const r = recorder({ fail: ['a'] })
  const results = await runPlan([aStep('a'), aStep('b')], r.exec, { concurrency: 1 })
  assert.equal(
    results.map((x) => x.status),
    ['failed', 'skipped'],
  )
  assert.equal(r.started(), ['a'])
})

runPlanTest('`always` steps still run after a failure, at the end', async () => {
  const r = recorder({ fail: ['lgtm'] })
  const results = await runPlan(seedSteps, r.exec, { concurrency: 1, always: ['verify'] })
  assert.equal(
    results.map((x) => [x.id, x.status]),
    [
      ['namespace', 'ok'],
      ['lgtm', 'failed'],
      ['cert-manager', 'skipped'],
      ['otel-operator', 'skipped'],
      ['verify', 'ok'],
    ],
  )
  assert.equal(r.started(), ['namespace', 'lgtm', 'verify'])
})

runPlanTest('an `always` step runs once when nothing fails', async () => {
  const r = recorder()
  await runPlan(seedSteps, r.exec, { concurrency: 2, always: ['verify'] })
  assert.is(r.started().filter((id) => id === 'verify').length, 1)
})

runPlanTest('an unknown need: rejected before any step runs', async () => {
  const r = recorder()
  try {
    await runPlan([aStep('a'), aStep('b', ['nope'])], r.exec, { concurrency: 1 })
    assert.unreachable('runPlan resolved')
  } catch (error) {
    assert.instance(error, UsageError)
  }
  assert.equal(r.events, [])
})

runPlanTest.run()
