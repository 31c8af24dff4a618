// The scheduler and the kubelets of every node, as one state machine per pod (KWOK-style: no
// containers, only the status a kubelet would post). Each step waits the profile's delay for the
// pod, then writes the status and the events the real components record. Faults are looked up at
// every step, and a fault change re-plans every pod, so existing pods pick it up and recover.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { findCondition, is, now, R } from './objects.ts'
import { podEvents } from './kubelet-events.ts'
import { failedMounts } from './mounts.ts'
import { steps, type Action } from './kubelet-steps.ts'
import { nodeIP } from './nodes.ts'
import { renderPodStatus, type PodRun } from './podstatus.ts'
import { backoffMs, delaysFor, probePeriodMs } from './profile.ts'
import { writeStatus } from './writes.ts'

export class Kubelet implements Controller {
  private readonly runs = new Map<string, PodRun & { planned?: Action }>()
  private readonly podIPs = new Map<string, number>()
  private turn = 0

  constructor(private readonly ctx: Ctx) {
    ctx.faults.onChange(() => {
      for (const run of this.runs.values())
        this.ctx.loop.enqueue(`kubelet-replan:${run.uid}`, () => this.plan(run, true))
    })
  }

  onEvent(e: StoreEvent): void {
    if ((is(e.res, R.secrets) || is(e.res, R.configmaps)) && e.type !== 'DELETED') return this.retryMounts(e.object)
    if (!is(e.res, R.pods)) return
    const pod = e.object
    const uid = pod.metadata.uid!
    if (e.type === 'DELETED') return this.forget(uid)
    const run = this.runs.get(uid)
    if (!run) return this.adopt(pod)
    if (pod.metadata.deletionTimestamp && run.stage !== 'succeeded' && run.stage !== 'failed')
      this.schedule(run, 'kill', 0)
  }

  resync(): void {
    for (const pod of this.ctx.store.list(R.pods).items) this.adopt(pod)
  }

  /** First sight of a pod: pick up where its status says it is. */
  private adopt(pod: KObject): void {
    const run = runFromStatus(pod)
    this.runs.set(run.uid, run)
    if (!pod.status?.phase) this.ctx.loop.enqueue(`kubelet-write:${run.uid}`, () => this.write(run))
    if (pod.spec?.nodeName && run.stage === 'unscheduled') this.schedule(run, 'bind', 0)
    else this.ctx.loop.enqueue(`kubelet-plan:${run.uid}`, () => this.plan(run, false))
  }

  /**
   * A Secret or ConfigMap appeared (or changed): pods of its namespace waiting on a volume try
   * again now, rather than at their next back-off (a kubelet's retry that happens to come soon).
   */
  private retryMounts(source: KObject): void {
    for (const run of this.runs.values()) {
      if (run.stage === 'mounting' && run.namespace === source.metadata.namespace) this.schedule(run, 'mount', 0)
    }
  }

  private forget(uid: string): void {
    this.ctx.logs.forget(uid)
    this.ctx.loop.cancelPrefix(`kubelet:${uid}`)
    this.runs.delete(uid)
  }

  /** Decides the next step from the stage and the faults, and arms its timer. */
  private plan(run: PodRun & { planned?: Action }, replan: boolean): void {
    const pod = this.ctx.store.get(R.pods, run.namespace, run.name)
    if (!pod || pod.metadata.uid !== run.uid) return this.forget(run.uid)
    const d = delaysFor(this.ctx.profile, run.name)
    const has = (kind: 'imagePull' | 'crashLoop' | 'unschedulable' | 'neverReady') =>
      this.ctx.faults.has(run.name, kind)
    const extra = this.ctx.faults.find(run.name, 'delay')?.ms ?? 0
    const runsForever = (pod.spec?.restartPolicy ?? 'Always') === 'Always'
    const next = ((): [Action, number] | undefined => {
      switch (run.stage) {
        case 'unscheduled':
          return ['schedule', d.scheduleMs]
        case 'unschedulable':
          return has('unschedulable') ? undefined : ['schedule', d.scheduleMs]
        case 'mounting':
          return ['mount', backoffMs(d, run.mountFailures ?? 1)]
        case 'pulling':
          return ['pulled', d.pullMs]
        case 'pullFailed':
          return has('imagePull') ? ['backOff', d.pullMs] : ['pull', d.pullMs]
        case 'pullBackOff':
          return ['pull', has('imagePull') ? backoffMs(d, run.pullFailures) : d.pullMs]
        case 'starting':
          return ['start', d.startMs]
        case 'running':
          if (has('crashLoop')) return ['crash', Math.min(d.startMs, d.readyMs)]
          if (has('neverReady')) return runsForever ? ['probeFail', probePeriodMs(d)] : ['complete', d.readyMs + extra]
          return ['ready', d.readyMs + extra]
        case 'ready':
          if (has('crashLoop')) return ['crash', Math.min(d.startMs, d.readyMs)]
          if (runsForever && has('neverReady')) return ['probeFail', probePeriodMs(d)]
          return runsForever ? undefined : ['complete', d.readyMs]
        case 'crashed':
          return ['restart', backoffMs(d, run.restarts)]
        default:
          return undefined
      }
    })()
    if (!next) {
      run.planned = undefined
      return this.ctx.loop.cancel(`kubelet:${run.uid}`)
    }
    if (!replan && run.planned === next[0] && this.ctx.loop.has(`kubelet:${run.uid}`)) return
    this.schedule(run, next[0], next[1])
  }

  private schedule(run: PodRun & { planned?: Action }, action: Action, ms: number): void {
    run.planned = action
    this.ctx.loop.after(`kubelet:${run.uid}`, ms, () => this.step(run, action))
  }

  /** Performs one step on the pod as it is now, writes its status, then plans the next. */
  private step(run: PodRun & { planned?: Action }, action: Action): void {
    run.planned = undefined
    const pod = this.ctx.store.get(R.pods, run.namespace, run.name)
    if (!pod || pod.metadata.uid !== run.uid) return this.forget(run.uid)
    steps[action]({
      ctx: this.ctx,
      pod,
      run,
      time: now(),
      turn: this.turn++,
      events: podEvents(this.ctx, pod, run),
      bind: (node) => this.bind(run, pod, node),
    })
    this.write(run)
    this.plan(run, false)
  }

  /** The kubelet accepts the pod: it is on a node now, ContainerCreating. */
  private bind(run: PodRun, pod: KObject, node: KObject | undefined): void {
    run.nodeName = pod.spec?.nodeName ?? node?.metadata.name
    run.hostIP = node ? nodeIP(node) : '172.18.0.2'
    run.podIP = pod.spec?.hostNetwork ? run.hostIP : this.allocateIP(node)
    run.startTime = now()
    run.initDone = !pod.spec?.initContainers?.length
    const failures = failedMounts(this.ctx.store, pod)
    // volumes first: no sandbox, no image pulls, until every one of them can be set up
    run.stage = failures.length ? 'mounting' : 'pulling'
    if (failures.length) {
      run.mountFailures = 1
      podEvents(this.ctx, pod, run).failedMount(failures)
    } else podEvents(this.ctx, pod, run).pulling()
  }

  private allocateIP(node: KObject | undefined): string {
    const cidr: string = node?.spec?.podCIDR ?? '10.244.0.0/24'
    const n = ((this.podIPs.get(cidr) ?? 1) % 253) + 1
    this.podIPs.set(cidr, n)
    return cidr.replace(/\.0\/\d+$/, `.${n}`)
  }

  private write(run: PodRun): void {
    const pod = this.ctx.store.get(R.pods, run.namespace, run.name)
    if (pod && pod.metadata.uid === run.uid) writeStatus(this.ctx.store, R.pods, pod, renderPodStatus(pod, run, now()))
  }
}

/** A run picked up from a pod's status (a pod the kubelet has not seen before). */
function runFromStatus(pod: KObject): PodRun & { planned?: Action } {
  const s = pod.status ?? {}
  const base: PodRun = {
    namespace: pod.metadata.namespace!,
    name: pod.metadata.name,
    uid: pod.metadata.uid!,
    stage: 'unscheduled',
    sandbox: false,
    initDone: false,
    restarts: 0,
    pullFailures: 0,
    flips: {},
  }
  for (const c of s.conditions ?? []) base.flips[c.type] = { status: c.status, time: c.lastTransitionTime }
  if (s.phase === 'Succeeded' || s.phase === 'Failed')
    return { ...base, stage: s.phase === 'Succeeded' ? 'succeeded' : 'failed' }
  if (pod.spec?.nodeName && s.phase === 'Running' && findCondition(s.conditions, 'Ready')?.status === 'True') {
    const cs = s.containerStatuses?.[0]
    return {
      ...base,
      stage: 'ready',
      nodeName: pod.spec.nodeName,
      hostIP: s.hostIP,
      podIP: s.podIP,
      startTime: s.startTime,
      sandbox: true,
      initDone: true,
      startedAt: cs?.state?.running?.startedAt,
      restarts: cs?.restartCount ?? 0,
    }
  }
  return base
}
