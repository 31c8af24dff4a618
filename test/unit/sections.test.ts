// which scripts hold the stack's lock (those that change the cluster) and list its
// settings in --help; a read-only one (05-verify) takes no lock and lists none.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { planFor } from '../../lib/core/plan.ts'
import type { StepId } from '../../lib/core/stack.ts'
import { changesCluster, lockSettings, settingsOf } from '../../lib/run/sections.ts'
import { teardownScript } from '../../lib/run/teardown.ts'
import { aConfig } from './builders.ts'

// changesCluster

const changesClusterTest = suite('changesCluster')

changesClusterTest('works: npm run all changes the cluster, 05-verify only reads it', () => {
  assert.ok(changesCluster(planFor(aConfig(), 'all')))
  assert.not.ok(changesCluster(planFor(aConfig(), ['verify'])))
})

for (const scope of ['namespace', 'lgtm', 'cert-manager', 'otel-operator'] as StepId[]) {
  changesClusterTest(`the section ${scope} changes the cluster`, () => {
    assert.ok(changesCluster(planFor(aConfig(), [scope])))
  })
}

changesClusterTest('a plan of nothing changes nothing', () => {
  assert.not.ok(changesCluster([]))
})

changesClusterTest.run()

// settingsOf: the lock's settings

const settingsTest = suite("the lock's settings in --help")

settingsTest('works: a script that changes the cluster lists --fail-if-busy and --lease-duration', () => {
  const settings = settingsOf(aConfig(), planFor(aConfig(), 'all'))
  for (const flag of lockSettings) assert.ok(settings.includes(flag), flag)
})

settingsTest('05-verify takes no lock and lists neither', () => {
  const settings = settingsOf(aConfig(), planFor(aConfig(), ['verify']))
  for (const flag of lockSettings) assert.not.ok(settings.includes(flag), flag)
})

settingsTest('teardown holds the lock and lists both', () => {
  const settings = teardownScript({ en: 'teardown', ko: 'teardown' }).settings(aConfig())
  for (const flag of lockSettings) assert.ok(settings.includes(flag), flag)
})

settingsTest.run()
