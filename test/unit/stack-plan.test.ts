// The plan derived from the stack table: which steps, in which order, with what each needs, and
// what a section run alone checks instead of doing.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { planFor, sequence, stackSteps, type Step } from '../../lib/core/plan.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { aStep } from './builders.ts'

const configOf = (...argv: string[]) => buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({}))
const ids = (steps: Step[]) => steps.map((s) => s.id)
const step = (steps: Step[], id: string) => steps.find((s) => s.id === id)!
const actions = (s: Step) => s.actions.map((a) => a.do)

// stackSteps

const stackStepsTest = suite('stackSteps')

stackStepsTest("works: the seed profile in the seed's order, a step per release, the report last", () => {
  assert.equal(ids(stackSteps(configOf())), [
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

stackStepsTest('the current profile: alloy is a step of its own, and no release of another profile to remove', () => {
  assert.equal(ids(stackSteps(configOf('--profile=current'))), [
    'namespace',
    'repos',
    'kube-prometheus-stack',
    'loki',
    'alloy',
    'tempo',
    'cert-manager',
    'opentelemetry-operator',
    'verify',
  ])
})

stackStepsTest("the seed profile removes the current profile's alloy before its log stack goes in", () => {
  const steps = stackSteps(configOf())
  assert.equal(step(steps, 'other-profile').actions, [{ do: 'remove-releases', releases: ['alloy'] }])
  for (const id of ['kube-prometheus-stack', 'loki', 'tempo'])
    assert.ok(step(steps, id).needs.includes('other-profile'), id)
  assert.not.ok(step(steps, 'opentelemetry-operator').needs.includes('other-profile'))
})

stackStepsTest('the operator needs cert-manager, not the LGTM releases; nothing else needs cert-manager', () => {
  const steps = stackSteps(configOf())
  assert.equal(step(steps, 'opentelemetry-operator').needs, ['namespace', 'repos', 'cert-manager'])
  assert.equal(
    steps.filter((s) => s.needs.includes('cert-manager')).map((s) => s.id),
    ['opentelemetry-operator', 'verify'],
  )
})

stackStepsTest('each release: installed, waited on; the operator also until its webhook answers', () => {
  const steps = stackSteps(configOf())
  assert.equal(actions(step(steps, 'tempo')), ['install', 'wait-release'])
  assert.equal(step(steps, 'opentelemetry-operator').actions.at(-1), { do: 'webhook', webhook: 'operator' })
  assert.equal(step(steps, 'cert-manager').actions, [
    { do: 'apply-cert-manager' },
    { do: 'wait-cert-manager' },
    { do: 'webhook', webhook: 'cert-manager' },
  ])
})

stackStepsTest('the namespace setting reaches the namespace steps', () => {
  const steps = stackSteps(configOf('--namespace=observability'))
  assert.equal(step(steps, 'namespace').actions[1], { do: 'create-namespace', namespace: 'observability' })
  assert.equal(step(steps, 'namespace').check, [{ do: 'require-namespace', namespace: 'observability' }])
})

stackStepsTest('the report needs every other step and runs even after a failure', () => {
  const steps = stackSteps(configOf())
  const report = step(steps, 'verify')
  assert.equal(
    report.needs,
    ids(steps).filter((id) => id !== 'verify'),
  )
  assert.is(report.always, true)
})

stackStepsTest.run()

// planFor

const planForTest = suite('planFor')

planForTest('all: every step, none of them a check', () => {
  const plan = planFor(configOf(), 'all')
  assert.equal(ids(plan), ids(stackSteps(configOf())))
  assert.not.ok(plan.some((s) => s.actions.some((a) => a.do.startsWith('require-'))))
})

planForTest('02 alone: the namespace is checked first, then its repositories and releases side by side', () => {
  const plan = planFor(configOf(), ['lgtm'])
  assert.equal(ids(plan), ['namespace', 'repos', 'other-profile', 'kube-prometheus-stack', 'loki', 'tempo'])
  assert.equal(step(plan, 'namespace').actions, [{ do: 'require-namespace', namespace: 'monitoring' }])
  assert.equal(step(plan, 'repos').actions, [{ do: 'add-repos', releases: ['kube-prometheus-stack', 'loki', 'tempo'] }])
  for (const s of plan.slice(1)) assert.ok(s.needs.includes('namespace'), `${s.id} does not wait for the check`)
  assert.equal(step(plan, 'loki').needs, ['namespace', 'repos', 'other-profile'])
})

planForTest('04 alone: the namespace and cert-manager are checked before anything changes', () => {
  const plan = planFor(configOf(), ['otel-operator'])
  assert.equal(ids(plan), ['namespace', 'cert-manager', 'repos', 'opentelemetry-operator'])
  assert.equal(step(plan, 'cert-manager').actions, [{ do: 'require-cert-manager' }])
  assert.equal(step(plan, 'repos').needs, ['namespace', 'cert-manager'])
  assert.equal(step(plan, 'repos').actions, [{ do: 'add-repos', releases: ['opentelemetry-operator'] }])
})

planForTest('01, 03 and 05 alone need nothing of another section', () => {
  assert.equal(ids(planFor(configOf(), ['namespace'])), ['namespace'])
  assert.equal(ids(planFor(configOf(), ['cert-manager'])), ['cert-manager'])
  assert.equal(
    planFor(configOf(), ['verify']).map((s) => [s.id, s.needs]),
    [['verify', []]],
  )
})

planForTest.run()

// sequence

const sequenceTest = suite('sequence')

sequenceTest('works: the input order where it respects the needs', () => {
  const steps = [aStep('a'), aStep('b', ['a']), aStep('c')]
  assert.equal(
    sequence(steps).map((s) => s.id),
    ['a', 'b', 'c'],
  )
})

sequenceTest('a step listed before what it needs comes after it', () => {
  const steps = [aStep('operator', ['cert-manager']), aStep('loki'), aStep('cert-manager')]
  assert.equal(
    sequence(steps).map((s) => s.id),
    ['loki', 'cert-manager', 'operator'],
  )
})

sequenceTest("the stack's plan printed in order: cert-manager before the operator, the report last", () => {
  const order = sequence(stackSteps(configOf())).map((s) => s.id)
  assert.ok(order.indexOf('cert-manager') < order.indexOf('opentelemetry-operator'), order.join(' '))
  assert.is(order.at(-1), 'verify')
})

sequenceTest.run()
