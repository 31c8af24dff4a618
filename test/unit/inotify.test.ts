import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type ProcessOutput, YAML } from 'zx'
import { inotifyLines, inotifyLow } from '../../lib/core/flavours.ts'
import { imageReference } from '../../lib/core/settings.ts'
import type { Text } from '../../lib/core/text.ts'
import { createContext } from '../../lib/steps/context.ts'
import { readInotifyLimits } from '../../lib/steps/inotify.ts'
import {
  parseInotifyLog,
  PROBE_RUN_LABEL,
  isProbePod,
  probePods,
  probeState,
  staleProbePods,
} from '../../lib/tools/inotify.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { podProblem } from '../../lib/tools/readiness.ts'
import type { Watches } from '../../lib/tools/watch.ts'
import { aConfig, anOutput, aPod, captureLog, english } from './builders.ts'

// probePods

const probePodsTest = suite('probePods')

probePodsTest('a pod per node, pinned to it, that cats the two files and exits; marked as ours and its run', () => {
  const list = YAML.parse(
    probePods(['kind-control-plane', 'kind-worker'], {
      namespace: 'monitoring',
      image: 'quay.io/prometheus/busybox:latest',
      run: 'r1',
    }),
  )
  assert.is(list.kind, 'List')
  assert.equal(
    list.items.map((p: any) => p.spec.nodeName),
    ['kind-control-plane', 'kind-worker'],
  )
  const [pod] = list.items
  assert.is(pod.metadata.generateName, 'inotify-probe-', 'a generated name: never one of anyone else')
  assert.not.ok(pod.metadata.name)
  assert.is(pod.metadata.namespace, 'monitoring')
  assert.is(pod.spec.restartPolicy, 'Never')
  assert.equal(pod.spec.tolerations, [{ operator: 'Exists' }], 'a tainted control-plane node is read too')
  assert.equal(pod.spec.containers[0].command, [
    'cat',
    '/proc/sys/fs/inotify/max_user_instances',
    '/proc/sys/fs/inotify/max_user_watches',
  ])
  assert.is(pod.spec.containers[0].image, 'quay.io/prometheus/busybox:latest')
  assert.is(pod.metadata.labels[PROBE_RUN_LABEL], 'r1')
  assert.ok(isProbePod(pod), 'known as a probe pod by its labels')
  assert.not.ok(isProbePod({ ...pod, metadata: { ...pod.metadata, labels: { [PROBE_RUN_LABEL]: 'r1' } } }))
})

probePodsTest('restricted Pod Security admits it: non-root, no escalation, no capabilities, RuntimeDefault', () => {
  const [pod] = YAML.parse(probePods(['n'], { namespace: 'm', image: 'i:1', run: 'r' })).items
  assert.is(pod.spec.securityContext.runAsNonRoot, true)
  assert.is(pod.spec.securityContext.seccompProfile.type, 'RuntimeDefault')
  const c = pod.spec.containers[0].securityContext
  assert.is(c.allowPrivilegeEscalation, false)
  assert.equal(c.capabilities.drop, ['ALL'])
  assert.is(pod.spec.automountServiceAccountToken, false)
})

probePodsTest.run()

// parseInotifyLog

const parseTest = suite('parseInotifyLog')

parseTest('works: two numbers, a line each', () => {
  assert.equal(parseInotifyLog('128\n8192\n'), { maxUserInstances: 128, maxUserWatches: 8192 })
})

parseTest('anything else is no reading', () => {
  for (const log of ['', '128\n', '128\n8192\n1\n', 'cat: can\'t open "/proc/sys/fs/inotify/x"\n8192\n', '1 2\n'])
    assert.is(parseInotifyLog(log), undefined, JSON.stringify(log))
})

parseTest.run()

// inotifyLow, inotifyLines

const verdictTest = suite('inotifyLow, inotifyLines')

verdictTest("low below kind's 512 instances or 524288 watches; enough at them", () => {
  assert.is(inotifyLow({ maxUserInstances: 512, maxUserWatches: 524288 }), false)
  assert.is(inotifyLow({ maxUserInstances: 511, maxUserWatches: 524288 }), true)
  assert.is(inotifyLow({ maxUserInstances: 8192, maxUserWatches: 524287 }), true)
})

verdictTest('a line per node; the host command only when one is low', () => {
  const enough = { node: 'a', limits: { maxUserInstances: 512, maxUserWatches: 1048576 } }
  assert.equal(
    inotifyLines([enough]).map((t) => t.en),
    ['a: max_user_instances 512, max_user_watches 1048576 — enough'],
  )
  const lines = inotifyLines([
    enough,
    { node: 'b', limits: { maxUserInstances: 128, maxUserWatches: 8192 } },
    { node: 'c', error: { en: 'gone', ko: '없음' } },
  ]).map((t) => t.en)
  assert.is(lines.length, 4)
  assert.match(lines[1], /^b: max_user_instances 128, max_user_watches 8192 — low: .*too many open files/)
  assert.is(lines[2], 'c: not read (gone)')
  assert.match(lines[3], /sudo sysctl fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288$/)
})

verdictTest('one line when no node could be read, for the same reason', () => {
  const error = { en: 'the monitoring namespace does not exist yet', ko: '없음' }
  assert.equal(
    inotifyLines([
      { node: 'a', error },
      { node: 'b', error },
    ]).map((t) => t.en),
    ['every node: not read (the monitoring namespace does not exist yet)'],
  )
})

verdictTest.run()

// probeState, staleProbePods

const stateTest = suite('probeState, staleProbePods')

stateTest('Succeeded is done; Failed is done with its exit; a terminal problem ends it; otherwise on its way', () => {
  assert.equal(probeState(aPod({ phase: 'Succeeded' }), undefined), { done: true })
  const failed = aPod({ phase: 'Failed' })
  failed.status.containerStatuses[0].state = { terminated: { reason: 'Error', exitCode: 1 } }
  assert.equal(english(probeState(failed, undefined) as any).error, 'the probe pod ended Error, exit code 1')
  assert.equal(probeState(aPod({ phase: 'Pending' }), undefined), { done: false })
  const pulling = aPod({ phase: 'Pending', containers: [{ waiting: { reason: 'ImagePullBackOff' } }] })
  const problem = podProblem(pulling)
  assert.ok(problem, 'the diagnosis sees the pull')
  assert.equal(probeState(pulling, { ...problem, terminal: false }), { done: false }, 'waits up to --stuck-after')
  const ended = probeState(pulling, { ...problem, terminal: true })
  assert.is(ended.done, true)
  assert.match(
    (ended as { error?: Text }).error?.en ?? '',
    /^ImagePullBackOff \(grafana\/tempo:2\.7\.1\): .*; --probe-image sets another image$/,
  )
  const crashed = probeState(aPod({ phase: 'Running' }), { ...problem, reason: 'CrashLoopBackOff', terminal: true })
  assert.ok(crashed.done)
  assert.match((crashed as { error?: Text }).error?.en ?? '', /^CrashLoopBackOff: (?!.*--probe-image)/)
})

stateTest("another probe's pods older than a probe lasts are stale; this probe's and younger ones are not", () => {
  const pod = (name: string, run: string, created: string): KubeObject => ({
    kind: 'Pod',
    metadata: { name, labels: { [PROBE_RUN_LABEL]: run }, creationTimestamp: created },
  })
  const now = Date.parse('2026-12-01T10:00:00Z')
  const pods = [
    pod('old-other', 'r0', '2026-12-01T09:50:00Z'),
    pod('young-other', 'r2', '2026-12-01T09:59:30Z'),
    pod('old-mine', 'r1', '2026-12-01T09:50:00Z'),
  ]
  assert.equal(
    staleProbePods(pods, 'r1', now, 120_000).map((p) => p.metadata.name),
    ['old-other'],
  )
})

stateTest.run()

// imageReference

const imageTest = suite('imageReference')

imageTest('an image with a tag or a digest, on any registry', () => {
  for (const ok of [
    'quay.io/prometheus/busybox:latest',
    'busybox:1.37',
    'localhost:5000/tools/busybox:1.37',
    `busybox@sha256:${'a'.repeat(64)}`,
  ])
    assert.is(imageReference(ok), undefined, ok)
})

imageTest('no tag, a bad digest or a bad name: an error naming it and an example', () => {
  for (const bad of ['busybox', 'localhost:5000/busybox', 'busybox@sha256:abc', 'Busybox:1', 'busybox:'])
    assert.match(imageReference(bad) ?? '', `"${bad}" is not an image with a tag, like quay.io/prometheus/busybox`)
})

imageTest.run()

// readInotifyLimits

const readTest = suite('readInotifyLimits')

/** A context whose kubectl creates the pods, lists them as `listed`, answers their logs and records the rest. */
const output = (exitCode: number, stdout: string, stderr = '') =>
  ({ exitCode, stdout, stderr }) as unknown as ProcessOutput

/** A context whose kubectl creates the pods and answers their logs, and whose pod watch shows `listed`. */
function probeWorld(opts: { created?: ProcessOutput; listed: (run: string) => KubeObject[] }) {
  const ctx = createContext(aConfig({ namespace: 'monitoring', stuckAfterMs: 60_000 }), captureLog().log)
  const asked: string[] = []
  let run = ''
  ctx.runner.probe = async (cmd) => {
    const line = cmd.argv.join(' ')
    asked.push(line)
    if (line.includes(' create ')) {
      run = YAML.parse(cmd.input!).items[0].metadata.labels[PROBE_RUN_LABEL]
      return opts.created ?? output(0, 'pod/inotify-probe-a\npod/inotify-probe-b\n')
    }
    if (line.includes(' logs ')) return output(0, line.endsWith('-a') ? '128\n8192\n' : 'oops\n')
    return anOutput(0)
  }
  const listeners = new Set<() => void>()
  const stream = {
    all: () => [aPod({ name: 'tempo-0' }), ...opts.listed(run)],
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  ctx.watches = { stream: () => stream } as unknown as Watches
  const changed = () => {
    for (const listener of listeners) listener()
  }
  return { ctx, asked, changed }
}

const probePod = (name: string, node: string, run: string, phase: string): KubeObject => ({
  ...aPod({ name, phase }),
  metadata: {
    name,
    labels: { ...YAML.parse(probePods([node], { namespace: 'm', image: 'i:1', run })).items[0].metadata.labels },
    creationTimestamp: '2000-01-01T00:00:00Z',
  },
  spec: { nodeName: node },
})

readTest("each node's reading from its own pod's log; the probe's pods and a stale one deleted after", async () => {
  const { ctx, asked } = probeWorld({
    listed: (run) => [
      probePod('inotify-probe-a', 'n1', run, 'Succeeded'),
      probePod('inotify-probe-b', 'n2', run, 'Succeeded'),
      probePod('inotify-probe-left', 'n1', 'earlier', 'Succeeded'),
    ],
  })
  const readings = await readInotifyLimits(ctx, ['n1', 'n2'])
  assert.equal(readings[0], { node: 'n1', limits: { maxUserInstances: 128, maxUserWatches: 8192 } })
  assert.is(readings[1].error?.en, "the probe's log is not two numbers: oops")
  assert.not.ok(
    asked.some((a) => a.includes(' get ')),
    'the pod watch feeds it: no list of its own',
  )
  assert.is(
    asked.at(-1),
    'kubectl delete -n monitoring pod/inotify-probe-a pod/inotify-probe-b pod/inotify-probe-left' +
      ' --ignore-not-found --wait=false',
  )
})

readTest('it waits until the watch shows every one of its pods done', async () => {
  let b = 'Pending'
  const { ctx, changed } = probeWorld({
    listed: (run) => [probePod('inotify-probe-a', 'n1', run, 'Succeeded'), probePod('inotify-probe-b', 'n2', run, b)],
  })
  let done = false
  const readings = readInotifyLimits(ctx, ['n1', 'n2']).finally(() => (done = true))
  await new Promise((r) => setTimeout(r, 50))
  assert.not.ok(done, 'one of its pods is still Pending')
  b = 'Succeeded'
  changed()
  assert.equal((await readings)[0].limits, { maxUserInstances: 128, maxUserWatches: 8192 })
})

readTest('no namespace yet: every node says so, with the script that creates it; nothing to delete', async () => {
  const { ctx, asked } = probeWorld({
    created: output(1, '', 'Error from server (NotFound): namespaces "monitoring" not found'),
    listed: () => [],
  })
  const readings = await readInotifyLimits(ctx, ['n1'])
  assert.equal(readings.map(english), [
    {
      node: 'n1',
      error: 'the monitoring namespace does not exist yet; npx zx scripts/01-namespace.mts creates it',
    },
  ])
  assert.not.ok(asked.some((a) => a.includes(' delete ')))
})

readTest.run()
