import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { renderCommand, Runner } from '../../lib/tools/exec.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { JsonStreamSplitter, Watches } from '../../lib/tools/watch.ts'
import { waitCommands, waitForWorkloads, waitUntilAnswers, type WorkloadRef } from '../../lib/steps/wait.ts'
import { StepError } from '../../lib/core/errors.ts'
import { anEvent, anOutput, aPod, aStatefulSet, captureLog } from './builders.ts'

// JsonStreamSplitter

const splitterTest = suite('JsonStreamSplitter')

/** A watch event as `kubectl get --watch --output-watch-events -o json` prints it (indented). */
const watchEvent = (type: string, object: unknown) => JSON.stringify({ type, object }, null, 4)

const tricky = aPod({
  name: 'loki-0',
  containers: [{ waiting: { reason: 'CrashLoopBackOff', message: 'back-off {restarting} "loki" \\ } { \\" }' } }],
})
const docs = [
  watchEvent('ADDED', aPod({ name: 'tempo-0' })),
  watchEvent('MODIFIED', tricky),
  watchEvent('DELETED', aPod({ name: 'tempo-0' })),
]
const stream = docs.join('\n')

splitterTest('works: several documents in one chunk', () => {
  const out = new JsonStreamSplitter().push(stream)
  assert.is(out.length, 3)
  assert.equal(
    out.map((d) => JSON.parse(d).type),
    ['ADDED', 'MODIFIED', 'DELETED'],
  )
})

splitterTest('each document is returned exactly as it was printed', () => {
  assert.equal(new JsonStreamSplitter().push(`${stream}\n`), docs)
})

splitterTest('one document split at every possible boundary', () => {
  const [doc] = docs
  for (let cut = 1; cut < doc.length; cut++) {
    const splitter = new JsonStreamSplitter()
    const first = splitter.push(doc.slice(0, cut))
    const second = splitter.push(doc.slice(cut))
    assert.equal([first, second], [[], [doc]], `cut at ${cut}: ${JSON.stringify(doc.slice(cut - 5, cut + 5))}`)
  }
})

splitterTest('braces and escaped quotes inside strings, split at every boundary', () => {
  const doc = docs[1]
  for (let cut = 1; cut < doc.length; cut++) {
    const splitter = new JsonStreamSplitter()
    const out = [...splitter.push(doc.slice(0, cut)), ...splitter.push(doc.slice(cut))]
    assert.is(out.length, 1, `cut at ${cut}`)
    assert.is(
      JSON.parse(out[0]).object.status.containerStatuses[0].state.waiting.message,
      'back-off {restarting} "loki" \\ } { \\" }',
    )
  }
})

splitterTest('byte by byte: the same documents', () => {
  const splitter = new JsonStreamSplitter()
  const out = [...stream].flatMap((ch) => splitter.push(ch))
  assert.equal(out, docs)
})

splitterTest('two documents, the cut in the middle of the second, kept across pushes', () => {
  const splitter = new JsonStreamSplitter()
  const cut = docs[0].length + 1 + 20
  assert.equal(splitter.push(stream.slice(0, cut)), [docs[0]])
  assert.equal(splitter.push(stream.slice(cut)), [docs[1], docs[2]])
})

splitterTest('compact documents back to back, without a newline', () => {
  assert.equal(new JsonStreamSplitter().push('{"a":1}{"b":"}"}{"c":{}}'), ['{"a":1}', '{"b":"}"}', '{"c":{}}'])
})

splitterTest('non-ASCII text in a document', () => {
  const doc = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'x' }, message: '파드 — 준비됨 ✓' } })
  const splitter = new JsonStreamSplitter()
  const out = [...splitter.push(doc.slice(0, 60)), ...splitter.push(doc.slice(60))]
  assert.equal(out, [doc])
})

splitterTest('nothing yet: no documents', () => {
  assert.equal(new JsonStreamSplitter().push(''), [])
  assert.equal(new JsonStreamSplitter().push('\n  '), [])
})

splitterTest.run()

// waitCommands

const waitCommandsTest = suite('waitCommands')

const loki: WorkloadRef = { kind: 'StatefulSet', name: 'loki', namespace: 'monitoring' }
const promtail: WorkloadRef = { kind: 'DaemonSet', name: 'loki-promtail', namespace: 'monitoring' }
const prometheus: WorkloadRef = {
  kind: 'StatefulSet',
  name: 'prometheus-kube-prometheus-stack-prometheus',
  namespace: 'monitoring',
  mayNotExistYet: true,
}

waitCommandsTest('works: a rollout status per workload, with the timeout', () => {
  assert.equal(waitCommands({}, [loki, promtail], 600_000).map(renderCommand), [
    'kubectl rollout status statefulset/loki -n monitoring --timeout=10m',
    'kubectl rollout status daemonset/loki-promtail -n monitoring --timeout=10m',
  ])
})

waitCommandsTest('a workload an operator creates later: kubectl wait --for=create first', () => {
  assert.equal(
    waitCommands({}, [prometheus], 300_000).map((c) => c.argv),
    [
      [
        'kubectl',
        'wait',
        '--for=create',
        'statefulset/prometheus-kube-prometheus-stack-prometheus',
        '-n',
        'monitoring',
        '--timeout=5m',
      ],
      [
        'kubectl',
        'rollout',
        'status',
        'statefulset/prometheus-kube-prometheus-stack-prometheus',
        '-n',
        'monitoring',
        '--timeout=5m',
      ],
    ],
  )
})

waitCommandsTest('the timeout is rendered as kubectl reads it', () => {
  const [cmd] = waitCommands({}, [loki], 90_000)
  assert.is(cmd.argv.at(-1), '--timeout=1m30s')
})

waitCommandsTest('with a context: --context first', () => {
  const [cmd] = waitCommands(
    { context: 'kind-kind' },
    [{ kind: 'Deployment', name: 'cert-manager-webhook', namespace: 'cert-manager' }],
    600_000,
  )
  assert.equal(cmd.argv.slice(0, 6), [
    'kubectl',
    '--context',
    'kind-kind',
    'rollout',
    'status',
    'deployment/cert-manager-webhook',
  ])
})

waitCommandsTest('no workloads: no commands', () => {
  assert.equal(waitCommands({}, [], 600_000), [])
})

waitCommandsTest.run()

// waitForWorkloads: when it gives up, on a clock the test moves

const waitTest = suite('waitForWorkloads')

const tempo: WorkloadRef = { kind: 'StatefulSet', name: 'tempo', namespace: 'monitoring' }
const tempoNotReady = aStatefulSet({ name: 'tempo', status: { observedGeneration: 1, replicas: 1, readyReplicas: 0 } })
const tempoPulling = aPod({
  name: 'tempo-0',
  phase: 'Pending',
  containers: [{ name: 'tempo', image: 'grafana/tempo:2.9.9', waiting: { reason: 'ImagePullBackOff' } }],
})

/** A watch the test feeds: what it holds, and each wait on it told of every change, as by a watch event. */
function aFedStream() {
  const objects = new Map<string, KubeObject>()
  const listeners = new Set<() => void>()
  return {
    get: (name: string) => objects.get(name),
    all: () => [...objects.values()],
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    put(obj: KubeObject) {
      objects.set(obj.metadata.name, obj)
      for (const l of listeners) l()
    },
  }
}

/**
 * A wait on tempo, fed by the test's watches, on a clock that moves only when the test says
 * (`at(ms)`: that much after the wait began, then a watch event). `gaveUpAt`: when the wait asked
 * the cluster for its diagnosis, which it does once it has given up.
 */
function aTimedWait(opts: { timeoutMs: number; stuckAfterMs: number }, cluster: KubeObject[] = [], previousLog = '') {
  const start = Date.UTC(2026, 0, 10, 10, 0, 0)
  let now = start
  const streams = { StatefulSet: aFedStream(), Pod: aFedStream(), Event: aFedStream() }
  const watches = { stream: (kind: keyof typeof streams) => streams[kind] } as unknown as Watches
  const { log } = captureLog()
  const runner = new Runner(log, {})
  let gaveUpAt: number | undefined
  // what the diagnosis reads: `kubectl get <resource> -n monitoring -o json`
  runner.query = async (cmd) => {
    gaveUpAt ??= now - start
    const kind = { pods: 'Pod', events: 'Event', statefulsets: 'StatefulSet' }[cmd.argv[2]]
    return anOutput(0, { items: cluster.filter((o) => o.kind === kind) })
  }
  // the previous log of a crashed container: `kubectl logs … --previous`
  const logs: string[][] = []
  runner.probe = async (cmd) => {
    logs.push(cmd.argv)
    return { ...anOutput(0, {}), stdout: previousLog } as Awaited<ReturnType<Runner['probe']>>
  }
  const ctx = { runner, log, target: {}, watches }
  const failed = waitForWorkloads(ctx, 'tempo', [tempo], { ...opts, now: () => now }).then(
    () => undefined,
    (e: StepError) => e,
  )
  const waiting = failed.then((e) => e?.message ?? 'ready')
  return {
    streams,
    waiting,
    failed,
    gaveUpAt: () => gaveUpAt,
    logs,
    async at(ms: number) {
      now = start + ms
      streams.StatefulSet.put(streams.StatefulSet.get('tempo') ?? tempoNotReady)
      // what the event sets off (a verdict, then the diagnosis) runs before the test looks
      await new Promise((r) => setImmediate(r))
    },
  }
}

waitTest('works: a workload not ready gives up at --timeout, not a moment before or after', async () => {
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 })
  await wait.at(0)
  await wait.at(599_999)
  assert.is(wait.gaveUpAt(), undefined, 'gave up before --timeout')
  await wait.at(600_000)
  await wait.at(1_200_000) // a wait that overstays gives up here at the latest, so the test ends
  assert.is(await wait.waiting, 'tempo not ready after 10m')
  assert.is(wait.gaveUpAt(), 600_000)
})

waitTest('a pod stuck pulling its image fails the wait once stuck for --stuck-after, not at first sight', async () => {
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 })
  await wait.at(0)
  wait.streams.Pod.put(tempoPulling)
  await wait.at(59_999)
  assert.is(wait.gaveUpAt(), undefined, 'judged stuck before --stuck-after')
  await wait.at(60_000)
  assert.is(await wait.waiting, 'tempo: a pod is stuck and will not become ready by waiting')
  assert.is(wait.gaveUpAt(), 60_000)
})

waitTest("its diagnosis at --timeout: each workload not ready, its pods (no one else's), what to try", async () => {
  const pending = aPod({ name: 'tempo-0', phase: 'Pending', containers: [{ ready: false }] })
  const othersPod = aPod({ name: 'loki-0', labels: { 'app.kubernetes.io/name': 'loki' } })
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 }, [tempoNotReady, pending, othersPod])
  await wait.at(0)
  await wait.at(600_000)
  const error = await wait.failed
  assert.is(
    error?.details.output,
    'statefulset/tempo in monitoring: 0/1 ready\n  monitoring/tempo-0 Pending, not ready',
  )
  assert.match(error?.details.hint ?? '', /pods may still be pulling images .* --timeout=20m$/)
})

waitTest('a workload not created by its deadline: said, with no pods yet', async () => {
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 })
  await wait.at(0)
  await wait.at(600_000)
  assert.is((await wait.failed)?.details.output, 'statefulset/tempo in monitoring: not created yet\n  no pods yet')
})

waitTest('a stuck pod: its reason in the diagnosis, and the cause to fix rather than more time', async () => {
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 0 }, [tempoNotReady, tempoPulling])
  await wait.at(0)
  wait.streams.Pod.put(tempoPulling)
  const error = await wait.failed
  assert.match(error?.details.output ?? '', /^ {2}monitoring\/tempo-0 Pending: ImagePullBackOff in container tempo/m)
  assert.match(error?.details.hint ?? '', /^fix the cause above, then run the same command again/)
})

waitTest("a pod waiting for a Secret's mount: its FailedMount event fails the wait at --stuck-after", async () => {
  const creating = aPod({
    name: 'tempo-0',
    phase: 'Pending',
    containers: [{ name: 'tempo', waiting: { reason: 'ContainerCreating' } }],
  })
  const failedMount = anEvent({
    type: 'Warning',
    reason: 'FailedMount',
    message: 'MountVolume.SetUp failed for volume "tls" : secret "tempo-tls" not found',
  })
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 }, [tempoNotReady, creating, failedMount])
  await wait.at(0)
  wait.streams.Pod.put(creating)
  await wait.at(30_000)
  wait.streams.Event.put(failedMount)
  await wait.at(89_999)
  assert.is(wait.gaveUpAt(), undefined, 'judged stuck before --stuck-after')
  await wait.at(90_000)
  const judged = wait.gaveUpAt()
  await wait.at(1_200_000) // a wait that overstays gives up here at the latest, so the test ends
  assert.is(judged, 90_000, 'not judged stuck at --stuck-after')
  assert.is(await wait.waiting, 'tempo: a pod is stuck and will not become ready by waiting')
  const output = (await wait.failed)?.details.output ?? ''
  assert.match(output, /tempo-0 Pending: FailedMount — MountVolume\.SetUp failed for volume "tls"/)
  assert.match(output, /try: a Secret it mounts does not exist: /)
})

waitTest("a crash loop: the diagnosis reads the crashed run's log, and its cause names the remedy", async () => {
  const crashing = aPod({
    name: 'tempo-0',
    containers: [{ name: 'tempo', waiting: { reason: 'CrashLoopBackOff' }, restartCount: 3 }],
  })
  crashing.status.containerStatuses[0].lastState = { terminated: { exitCode: 1, reason: 'Error' } }
  const log = 'level=info msg="starting"\nlevel=error msg="error creating promtail" error="too many open files"\n'
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 0 }, [tempoNotReady, crashing], log)
  await wait.at(0)
  wait.streams.Pod.put(crashing)
  const output = (await wait.failed)?.details.output ?? ''
  assert.equal(wait.logs, [
    ['kubectl', 'logs', '-n', 'monitoring', 'tempo-0', '-c', 'tempo', '--previous', '--tail=20'],
  ])
  assert.match(output, /its log before it ended:\n {8}level=info msg="starting"\n {8}level=error msg="error creating/)
  assert.match(output, /try: the node's inotify limits are spent .*: raise them on the host/)
})

waitTest('ready before the deadline: done, nothing asked of the cluster', async () => {
  const wait = aTimedWait({ timeoutMs: 600_000, stuckAfterMs: 60_000 })
  await wait.at(0)
  wait.streams.StatefulSet.put(aStatefulSet({ name: 'tempo' }))
  assert.is(await wait.waiting, 'ready')
  assert.is(wait.gaveUpAt(), undefined)
})

waitTest('workloads seen ready as just listed: ready at once, no watch started; one not ready: watched', async () => {
  const { log, err } = captureLog()
  const started: string[] = []
  const stream = aFedStream()
  const watches = {
    stream: (kind: string) => {
      started.push(kind)
      return stream
    },
  } as unknown as Watches
  const ctx = { runner: new Runner(log, {}), log, target: {}, watches }
  const ready = aStatefulSet({ name: 'tempo' })
  await waitForWorkloads(ctx, 'tempo', [{ ...tempo, seen: ready }], { timeoutMs: 1000, stuckAfterMs: 1000 })
  assert.equal(started, [])
  assert.match(err(), /✓ tempo ready/)
  const waiting = waitForWorkloads(ctx, 'tempo', [{ ...tempo, seen: tempoNotReady }], {
    timeoutMs: 60_000,
    stuckAfterMs: 60_000,
  })
  stream.put(ready)
  await waiting
  assert.equal(started, ['StatefulSet', 'Pod', 'Event'])
})

waitTest.run()

// Watches.stop: an interrupted run's steps go on briefly; a wait they begin must not start a watch

const watchesTest = suite('Watches.stop')

watchesTest('after stop(), asking for a stream is refused: no kubectl watch starts that nobody would end', async () => {
  // PATH without kubectl: a watch wrongly started fails at once, then restarts until stopped (hence the finally)
  const watches = new Watches({}, captureLog().log, { PATH: '/nonexistent' })
  await watches.stop()
  try {
    assert.throws(() => watches.stream('Pod', 'monitoring'), /not watching Pod in monitoring: the run is stopping/)
  } finally {
    await watches.stop() // ends a watch that was wrongly started, so a failing test does not hang
  }
})

watchesTest('a wait under way when the watches stop (a signal) ends without throwing from its timer', async () => {
  const env = { PATH: '/nonexistent' }
  const { log } = captureLog()
  const watches = new Watches({}, log, env)
  const crashes: unknown[] = []
  const onCrash = (error: unknown) => crashes.push(error)
  process.on('uncaughtException', onCrash)
  try {
    const waiting = waitForWorkloads({ runner: new Runner(log, env), log, target: {}, watches }, 'loki', [loki], {
      timeoutMs: 1500,
      stuckAfterMs: 60_000,
    })
    await watches.stop()
    // it fails (no kubectl here), which is not what this test is about; a wait whose timer throws never settles
    await Promise.race([waiting.catch(() => {}), new Promise((r) => setTimeout(r, 4000))])
    assert.equal(crashes.map(String), [])
  } finally {
    process.off('uncaughtException', onCrash)
    await watches.stop()
  }
})

watchesTest(
  'a watch whose kubectl has ended (between restarts) stops without "Too late to kill the process"',
  async () => {
    const watches = new Watches({}, captureLog().log, { PATH: '/nonexistent' })
    const stream = watches.stream('Pod', 'monitoring')
    // no kubectl here: the watch fails at once and waits to restart
    await until(() => stream.all().length === 0 && (stream as unknown as { restarts: number }).restarts > 0)
    await watches.stop()
  },
)

watchesTest.run()

// The API server gone: waits and probes say so, retry for --api-unreachable-after, then fail with it

const goneTest = suite('waits with the API server gone')

const refused = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'

/** A folder with a `kubectl` that is always refused, as when the API server is gone. */
function refusingKubectl(): { env: NodeJS.ProcessEnv; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-'))
  fs.writeFileSync(path.join(dir, 'kubectl'), `#!/bin/sh\necho '${refused}' >&2\nexit 1\n`, { mode: 0o755 })
  return { env: { PATH: `${dir}:/usr/bin:/bin` }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** The run's context on a clock the test moves on (the outage's), with real processes. */
function aContext(env: NodeJS.ProcessEnv) {
  let now = new Date(2026, 0, 10, 10, 0, 0).getTime()
  const { log, err } = captureLog()
  const runner = new Runner(log, env, {
    unreachableLimitMs: 60_000,
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
  })
  const watches = new Watches({}, log, env, runner.api)
  return { ctx: { runner, log, target: {}, watches }, err, pass: (ms: number) => (now += ms) }
}

goneTest('works: a workload wait fails with the outage once it lasted the limit, before its own timeout', async () => {
  const kubectl = refusingKubectl()
  const { ctx, err, pass } = aContext(kubectl.env)
  try {
    const waiting = waitForWorkloads(ctx, 'loki', [loki], { timeoutMs: 60_000, stuckAfterMs: 60_000 }).catch(
      (e: Error) => e,
    )
    await until(() => ctx.runner.api.down)
    assert.match(err(), /! the API server 127\.0\.0\.1:6443 stopped answering at 10:00:00/)
    pass(60_000)
    const error = await waiting
    assert.instance(error, StepError)
    assert.is(
      (error as StepError).message,
      'the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 1m',
    )
    // the first error of the outage: it explains it (what the wait saw, what to try)
    assert.is((error as StepError).details.output, refused)
    assert.not.match(err(), /not created yet|not ready after/, err())
  } finally {
    await ctx.watches.stop()
    kubectl.remove()
  }
})

goneTest('a webhook probe refused by the API server fails with the outage, not "did not answer in time"', async () => {
  const kubectl = refusingKubectl()
  const { ctx, err, pass } = aContext(kubectl.env)
  try {
    const probing = waitUntilAnswers(
      ctx,
      {
        title: { en: 'OpenTelemetry Operator webhook to answer', ko: 'OpenTelemetry Operator 웹훅 응답' },
        probe: { argv: ['kubectl', 'create', '--dry-run=server', '-f', '-'], input: 'kind: Instrumentation' },
        onTimeout: (error) => new StepError(`OpenTelemetry Operator webhook did not answer in time: ${error}`),
      },
      60_000,
    ).catch((e: Error) => e)
    await until(() => ctx.runner.api.down)
    pass(60_000)
    const error = await probing
    assert.is(
      (error as Error).message,
      'the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 1m',
    )
    assert.is(err().match(/stopped answering at 10:00:00 \(/g)?.length, 1, 'said once')
  } finally {
    await ctx.watches.stop()
    kubectl.remove()
  }
})

goneTest("the wait's own timeout passes during an outage: it says both", async () => {
  const kubectl = refusingKubectl()
  const { ctx } = aContext(kubectl.env)
  try {
    const error = await waitForWorkloads(ctx, 'loki', [loki], { timeoutMs: 2000, stuckAfterMs: 60_000 }).catch(
      (e: Error) => e,
    )
    assert.is(
      (error as Error).message,
      'loki not ready after 2s: the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 0s',
    )
  } finally {
    await ctx.watches.stop()
    kubectl.remove()
  }
})

goneTest.run()

/** Resolves once `check` holds, looking every 20 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20))
}
