import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { releaseChange } from '../../lib/steps/release.ts'
import type { ReleaseAction } from '../../lib/tools/helm.ts'
import { aRelease, aReleaseState } from './builders.ts'

// releaseChange

const releaseChangeTest = suite('releaseChange')

type Decided = Exclude<ReleaseAction, { kind: 'wait' }>
const kps = aRelease({ name: 'kube-prometheus-stack', chart: 'kube-prometheus-stack', version: '88.6.0' })
const before = aReleaseState({ chart: 'kube-prometheus-stack', version: '88.5.3', revision: 3 })

for (const [name, action, was, said] of [
  [
    'works: installed, the chart and its version',
    { kind: 'install', reason: 'not installed' },
    undefined,
    'kube-prometheus-stack 88.6.0',
  ],
  [
    'a new chart version: from → to',
    { kind: 'upgrade', reason: 'chart version 88.5.3 → 88.6.0' },
    before,
    'kube-prometheus-stack 88.5.3 → 88.6.0',
  ],
  [
    'the same version, other values',
    { kind: 'upgrade', reason: 'values changed' },
    { ...before, version: '88.6.0' },
    'kube-prometheus-stack 88.6.0, values changed',
  ],
  [
    'unchanged: the revision that stays',
    { kind: 'skip', reason: 'deployed' },
    { ...before, version: '88.6.0' },
    'kube-prometheus-stack 88.6.0 (revision 3)',
  ],
  [
    'healed by a rollback',
    { kind: 'heal', how: 'rollback', revision: 2, reason: 'failed' },
    before,
    'kube-prometheus-stack 88.6.0, after a rollback to revision 2',
  ],
  [
    'healed by removing a first install that failed',
    { kind: 'heal', how: 'uninstall', reason: 'failed' },
    before,
    'kube-prometheus-stack 88.6.0, after removing what a failed install left',
  ],
  [
    'replaced: the chart that was there, then the one now',
    { kind: 'replace', reason: 'another chart' },
    { ...before, chart: 'prometheus', version: '25.0.0' },
    'prometheus 25.0.0 → kube-prometheus-stack 88.6.0',
  ],
] as [string, Decided, typeof before | undefined, string][]) {
  releaseChangeTest(name, () => {
    const change = releaseChange(kps, action, was)
    assert.is(change, said)
    assert.not.match(change, /helm |not installed/, 'words for what happened, not the command or its reason')
  })
}

releaseChangeTest.run()
