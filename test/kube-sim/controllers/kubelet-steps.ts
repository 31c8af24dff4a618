// One step of a pod's simulated life per action the kubelet planned: what changes in the run
// (rendered into the pod's status afterwards) and which events the step records.
import type { KObject } from '../store.ts'
import type { Ctx } from './context.ts'
import type { podEvents } from './kubelet-events.ts'
import { R } from './objects.ts'
import { failedMounts } from './mounts.ts'
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
    const placed = place(s.pod, listNodes(s.ctx.store), s.turn, {
      noRoom: s.ctx.faults.has(s.run.name, 'unschedulable'),
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
    if (s.ctx.faults.has(s.run.name, 'imagePull')) {
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
    const ended = { exitCode: 1, reason: 'Error', startedAt: s.run.startedAt ?? s.time, finishedAt: s.time }
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
  s.run.stage = 'running'
  s.run.startedAt = s.time
  s.events.started(restart)
}

/** Every container exited 0: the pod Succeeded. */
function exit(s: Step): void {
  s.run.stage = 'succeeded'
  s.run.finished = { exitCode: 0, reason: 'Completed', startedAt: s.run.startedAt ?? s.time, finishedAt: s.time }
}
