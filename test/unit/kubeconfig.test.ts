// The kubeconfig read as kubectl reads it. The expected views are what `kubectl config view -o json`
// (kubectl 1.35) shows for the same files: first file wins, entries listed by name.
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kubeconfigFiles, mergeKubeconfigs, readKubeconfig } from '../../lib/tools/kubeconfig.ts'
import { testdir } from './builders.ts'

/** A kubeconfig file's text: its clusters (name → server), contexts (name → cluster), current context. */
function aKubeconfig(o: { clusters?: Record<string, string>; contexts?: Record<string, string>; current?: string }) {
  const lines = ['apiVersion: v1', 'kind: Config', ...(o.current ? [`current-context: ${o.current}`] : [])]
  lines.push(
    'clusters:',
    ...Object.entries(o.clusters ?? {}).map(([n, s]) => `- name: ${n}\n  cluster: { server: ${s} }`),
  )
  lines.push(
    'contexts:',
    ...Object.entries(o.contexts ?? {}).map(([n, c]) => `- name: ${n}\n  context: { cluster: ${c} }`),
  )
  return `${lines.join('\n')}\n`
}

const a = aKubeconfig({
  clusters: { shared: 'https://a.example:6443', 'only-a': 'https://only-a:6443' },
  contexts: { zeta: 'shared', dup: 'only-a' },
})
const b = aKubeconfig({
  clusters: { shared: 'https://b.example:6443' },
  contexts: { dup: 'shared', alpha: 'shared' },
  current: 'dup',
})

const summary = (view: ReturnType<typeof readKubeconfig>) => ({
  current: view['current-context'],
  contexts: view.contexts?.map((c) => `${c.name}→${c.context?.cluster}`),
  clusters: view.clusters?.map((c) => `${c.name}→${c.cluster?.server}`),
})

// readKubeconfig

const readTest = suite('readKubeconfig')

readTest("works: KUBECONFIG's files merged as kubectl merges them", () => {
  const dir = testdir({ 'a.yaml': a, 'b.yaml': b })
  try {
    const view = readKubeconfig({ KUBECONFIG: [dir.path('a.yaml'), dir.path('b.yaml')].join(path.delimiter) })
    assert.equal(summary(view), {
      current: 'dup',
      contexts: ['alpha→shared', 'dup→only-a', 'zeta→shared'],
      clusters: ['only-a→https://only-a:6443', 'shared→https://a.example:6443'],
    })
  } finally {
    dir.remove()
  }
})

readTest('a missing file, or one that is not YAML, adds nothing', () => {
  const dir = testdir({ 'b.yaml': b, 'broken.yaml': 'clusters: [\n' })
  try {
    const files = [dir.path('missing.yaml'), dir.path('broken.yaml'), dir.path('b.yaml')]
    const view = readKubeconfig({ KUBECONFIG: files.join(path.delimiter) })
    assert.equal(summary(view), {
      current: 'dup',
      contexts: ['alpha→shared', 'dup→shared'],
      clusters: ['shared→https://b.example:6443'],
    })
  } finally {
    dir.remove()
  }
})

readTest('no KUBECONFIG: ~/.kube/config', () => {
  const dir = testdir({ '.kube/config': b })
  try {
    assert.is(readKubeconfig({ HOME: dir.root })['current-context'], 'dup')
    assert.equal(summary(readKubeconfig({ HOME: path.join(dir.root, 'elsewhere') })), {
      current: undefined,
      contexts: [],
      clusters: [],
    })
  } finally {
    dir.remove()
  }
})

readTest.run()

// kubeconfigFiles

const filesTest = suite('kubeconfigFiles')

filesTest('works: the list, without its empty entries and repeats', () => {
  const list = ['/k/a', '', '/k/b', '/k/a'].join(path.delimiter)
  assert.equal(kubeconfigFiles({ KUBECONFIG: list }), ['/k/a', '/k/b'])
})

filesTest('unset or empty: the home folder', () => {
  assert.equal(kubeconfigFiles({ HOME: '/home/me' }), ['/home/me/.kube/config'])
  assert.equal(kubeconfigFiles({ HOME: '/home/me', KUBECONFIG: '' }), ['/home/me/.kube/config'])
})

filesTest.run()

// mergeKubeconfigs

const mergeTest = suite('mergeKubeconfigs')

mergeTest('works: the first file to set the current context wins, even when a later one names it', () => {
  const view = mergeKubeconfigs([{ 'current-context': 'from-c' }, { 'current-context': 'dup' }])
  assert.is(view['current-context'], 'from-c')
})

mergeTest('an empty current context is no setting: a later file gives it', () => {
  assert.is(mergeKubeconfigs([{ 'current-context': '' }, { 'current-context': 'dup' }])['current-context'], 'dup')
})

mergeTest('a context or cluster is all from the first file naming it', () => {
  const view = mergeKubeconfigs([
    { contexts: [{ name: 'dup', context: { cluster: 'first' } }] },
    { contexts: [{ name: 'dup', context: { cluster: 'second' } }, { name: 'alpha' }] },
  ])
  assert.equal(view.contexts, [
    { name: 'alpha', context: { cluster: undefined } },
    { name: 'dup', context: { cluster: 'first' } },
  ])
})

mergeTest('no file, or files that are no mapping: nothing', () => {
  assert.equal(mergeKubeconfigs([]), { contexts: [], clusters: [] })
  assert.equal(mergeKubeconfigs(['text', null, [1, 2]]), { contexts: [], clusters: [] })
})

mergeTest.run()
