// One step of a pod's simulated life per action the kubelet planned: what changes in the run
// (rendered into the pod's status afterwards) and which events the step records.
import type { KObject } from '../store.ts'
import type { Ctx } from './context.ts'
import type { podEvents } from './kubelet-events.ts'
import { R } from './objects.ts'
import { failedMounts } from './mounts.ts'
import { unboundClaims } from './volumes.ts'
import { listNodes } from './nodes.ts'
import type { PodRun } from './podstatus.ts'
import { place } from './scheduler.ts'
import { mutate } from './writes.ts'

export type Action =
  | 'bind'
  | 'schedule'
  | 'mount'
  | 'pulled'
  | 'backOff'
  | 'pull'
  | 'start'
  | 'ready'
  | 'probeFail'
  | 'crash'
  | 'restart'
  | 'complete'
  | 'kill'

export interface Step {
  ctx: Ctx
  pod: KObject
  run: PodRun
  events: ReturnType<typeof podEvents>
  time: string
  /** the scheduler's round-robin turn */
  turn: number
  /** the kubelet of `node` accepts the pod */
  bind(node: KObject | undefined): void
}

export const steps: Record<Action, (s: Step) => void> = {
  schedule(s) {
    const noRoom = s.ctx.faults.find(s.run.name, 'unschedulable')
    const placed = place(s.pod, listNodes(s.ctx.store), s.turn, {
      lacking: noRoom && (noRoom.insufficient ?? ['cpu', 'memory']),
      unboundClaims: unboundClaims(s.ctx.store, s.pod).length > 0,
    })
    if ('reason' in placed) {
      s.run.stage = 'unschedulable'
      s.run.unschedulable = placed.message
      return s.events.failedScheduling(placed.message)
    }
    // the binding: spec.nodeName is the scheduler's answer
    mutate(s.ctx.store, R.pods, s.run.namespace, s.run.name, (p) => {
      p.spec.nodeName = placed.node.metadata.name
    })
    s.events.scheduled(placed.node.metadata.name)
    s.bind(placed.node)
  },
  bind(s) {
    s.bind(listNodes(s.ctx.store).find((n) => n.metadata.name === s.pod.spec?.nodeName))
  },
  mount(s) {
    // another attempt at the volumes that failed: still missing, another FailedMount; else on to the images
    const failures = failedMounts(s.ctx.store, s.pod)
    if (failures.length) {
      s.run.mountFailures = (s.run.mountFailures ?? 0) + 1
      return s.events.failedMount(failures)
    }
    s.run.stage = 'pulling'
    s.events.pulling()
  },
  pulled(s) {
    s.run.sandbox = true
    const refused = s.ctx.faults.find(s.run.name, 'imagePull')
    if (refused) {
      s.run.pullRefusal = refused.refusal
      s.run.stage = 'pullFailed'
      s.run.pullFailures++
      return s.events.pullFailed()
    }
    s.events.pulled()
    if (!s.run.initDone) s.events.initContainersRan()
    s.run.initDone = true
    s.run.stage = 'starting'
  },
  backOff(s) {
    s.run.stage = 'pullBackOff'
    s.events.pullBackOff()
  },
  pull(s) {
    s.run.stage = 'pulling'
    s.events.pulling()
  },
  start: (s) => run(s, false),
  restart: (s) => run(s, true),
  ready(s) {
    s.run.stage = 'ready'
  },
  probeFail(s) {
    s.run.stage = 'running'
    s.events.unhealthy()
  },
  crash(s) {
    const log = s.ctx.faults.find(s.run.name, 'crashLoop')?.log
    for (const c of s.pod.spec?.containers ?? []) if (log) s.ctx.logs.record(s.run.uid, c.name, log)
    const ended = {
      exitCode: 1,
      reason: 'Error',
      // the kubelet's fallback: the log's last 80 lines, at most 2 KiB, when the container wrote no message
      ...(log && fallsBackToLogs(s.pod) ? { message: log.split('\n').slice(-80).join('\n').slice(-2048) } : {}),
      startedAt: s.run.startedAt ?? s.time,
      finishedAt: s.time,
    }
    if (s.pod.spec?.restartPolicy === 'Never') {
      s.run.stage = 'failed'
      s.run.finished = ended
      return
    }
    s.run.stage = 'crashed'
    s.run.lastTermination = ended
    s.run.restarts++
    s.events.crashBackOff()
  },
  complete: (s) => exit(s),
  kill(s) {
    s.events.killing()
    exit(s)
  },
}

function run(s: Step, restart: boolean): void {
  const refused = s.ctx.faults.has(s.run.name, 'rootNotShared') && propagatedHostPaths(s.pod)[0]
  if (refused) {
    // docker checks the source's propagation as it makes the bind mount (the host's /, /proc, /sys are
    // mount points of their own): the container never runs
    const error = `path ${refused} is mounted on ${refused} but it is not a shared or slave mount`
    s.run.stage = 'crashed'
    s.run.lastTermination = {
      exitCode: 128,
      reason: 'ContainerCannotRun',
      message: error,
      startedAt: s.time,
      finishedAt: s.time,
    }
    s.run.restarts++
    s.events.failedStart(error)
    return s.events.crashBackOff()
  }
  s.run.stage = 'running'
  s.run.startedAt = s.time
  s.events.started(restart)
}

/** Every container exited 0, having written what its command writes: the pod Succeeded. */
function exit(s: Step): void {
  for (const c of s.pod.spec?.containers ?? []) {
    const written = s.ctx.kernel.output(c.command)
    if (written !== undefined) s.ctx.logs.record(s.run.uid, c.name, written)
  }
  s.run.stage = 'succeeded'
  s.run.finished = { exitCode: 0, reason: 'Completed', startedAt: s.run.startedAt ?? s.time, finishedAt: s.time }
}

/** Host paths the pod's containers mount with propagation (HostToContainer is rslave, Bidirectional rshared). */
function propagatedHostPaths(pod: KObject): string[] {
  const hostPaths = new Map<string, string>(
    (pod.spec?.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]),
  )
  return (pod.spec?.containers ?? []).flatMap((c: any) =>
    (c.volumeMounts ?? [])
      .filter((m: any) => hostPaths.has(m.name) && m.mountPropagation && m.mountPropagation !== 'None')
      .map((m: any) => hostPaths.get(m.name)!),
  )
}

/** Every main container asks for its log as the termination message when it writes none. */
function fallsBackToLogs(pod: KObject): boolean {
  return (pod.spec?.containers ?? []).some((c: any) => c.terminationMessagePolicy === 'FallbackToLogsOnError')
}
