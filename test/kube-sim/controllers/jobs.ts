// Job controller: runs pods (`<job>-<5 chars>`) until spec.completions succeeded, then
// SuccessCriteriaMet + Complete; replaces failed ones after a back-off until backoffLimit, then
// FailureTarget + Failed (BackoffLimitExceeded); activeDeadlineSeconds → DeadlineExceeded;
// ttlSecondsAfterFinished deletes the finished Job (helm hooks often set it).
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import {
  controllerOf,
  findCondition,
  is,
  isDeleting,
  isOwnedBy,
  isPodReady,
  now,
  R,
  randomSuffix,
  setCondition,
  type Condition,
} from './objects.ts'
import { podFromTemplate } from './podtemplate.ts'
import { backoffMs } from './profile.ts'
import { activePods } from './replicasets.ts'
import { createGenerated, deleteIfPresent, writeStatus } from './writes.ts'

const source = { component: 'job-controller' }

interface Outcome {
  type: 'Complete' | 'Failed'
  reason: string
  message: string
}

export class Jobs implements Controller {
  /** when each Job may next create a pod (after a failure), by uid */
  private readonly notBefore = new Map<string, number>()

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.jobs)) {
      if (e.type === 'DELETED') this.forget(e.object)
      else this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
    }
    if (is(e.res, R.pods)) {
      const ref = controllerOf(e.object)
      if (ref?.kind === 'Job') this.enqueue(e.object.metadata.namespace!, ref.name)
    }
  }

  resync(): void {
    for (const job of this.ctx.store.list(R.jobs).items) this.enqueue(job.metadata.namespace!, job.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`job:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private forget(job: KObject): void {
    this.notBefore.delete(job.metadata.uid!)
    this.ctx.loop.cancelPrefix(`job-timer:${job.metadata.uid}`)
  }

  private sync(namespace: string, name: string): void {
    const job = this.ctx.store.get(R.jobs, namespace, name)
    if (!job || isDeleting(job)) return
    if (finished(job)) return this.expire(job)
    const pods = this.ctx.store.list(R.pods, namespace).items.filter((p) => isOwnedBy(p, job))
    const active = activePods(pods)
    const succeeded = Math.max(job.status?.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length)
    const failed = Math.max(job.status?.failed ?? 0, pods.filter((p) => p.status?.phase === 'Failed').length)
    const startTime = job.status?.startTime ?? now()
    const outcome = this.outcome(job, { active, succeeded, failed, startTime })
    if (outcome) {
      for (const pod of active) deleteIfPresent(this.ctx.store, R.pods, namespace, pod.metadata.name)
      return this.finish(job, { active: [], succeeded, failed, startTime }, outcome)
    }
    const created = this.createPods(job, { active, succeeded, failed })
    this.write(job, { active: [...active, ...created], succeeded, failed, startTime })
    this.armDeadline(job, startTime)
  }

  /** Whether the Job is done: enough successes, too many failures, or out of time. */
  private outcome(
    job: KObject,
    s: { active: KObject[]; succeeded: number; failed: number; startTime: string },
  ): Outcome | undefined {
    const completions: number | undefined =
      job.spec?.completions ?? (job.spec?.parallelism === undefined ? 1 : undefined)
    const done = completions === undefined ? s.succeeded > 0 && !s.active.length : s.succeeded >= completions
    if (done)
      return { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }
    const limit = job.spec?.backoffLimit ?? 6
    const onFailure = job.spec?.template?.spec?.restartPolicy === 'OnFailure'
    const restarts = s.active.reduce(
      (n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: any) => m + (c.restartCount ?? 0), 0),
      0,
    )
    if (
      s.failed > limit ||
      (onFailure && limit > 0 && restarts >= limit) ||
      (onFailure && limit === 0 && restarts > 0)
    ) {
      return { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
    }
    const deadline = job.spec?.activeDeadlineSeconds
    if (deadline !== undefined && Date.parse(s.startTime) + deadline * 1000 <= Date.now()) {
      return { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
    }
    return undefined
  }

  /** Creates pods up to parallelism (and no more than completions still need), after any back-off. */
  private createPods(job: KObject, s: { active: KObject[]; succeeded: number; failed: number }): KObject[] {
    const uid = job.metadata.uid!
    const parallelism = job.spec?.parallelism ?? 1
    const remaining = job.spec?.completions === undefined ? parallelism : job.spec.completions - s.succeeded
    const missing = Math.min(parallelism, remaining) - s.active.length
    if (missing <= 0) return []
    const seenFailures = job.status?.failed ?? 0
    if (s.failed > seenFailures) this.notBefore.set(uid, Date.now() + backoffMs(this.ctx.profile.default, s.failed))
    const wait = (this.notBefore.get(uid) ?? 0) - Date.now()
    if (wait > 0) {
      this.ctx.loop.after(`job-timer:${uid}:backoff`, wait, () =>
        this.enqueue(job.metadata.namespace!, job.metadata.name),
      )
      return []
    }
    const labels = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': uid,
      'job-name': job.metadata.name,
    }
    return Array.from({ length: missing }, () => {
      const pod = createGenerated(
        this.ctx.store,
        R.pods,
        podFromTemplate({ owner: job, template: job.spec?.template, generateName: `${job.metadata.name}-`, labels }),
        randomSuffix,
      )
      this.ctx.recorder.tryRecord(job, source, {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        message: `Created pod: ${pod.metadata.name}`,
      })
      return pod
    })
  }

  private finish(
    job: KObject,
    s: { active: KObject[]; succeeded: number; failed: number; startTime: string },
    outcome: Outcome,
  ): void {
    let conditions: Condition[] = job.status?.conditions ?? []
    const interim = outcome.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget'
    conditions = setCondition(conditions, {
      type: interim,
      status: 'True',
      reason: outcome.reason,
      message: outcome.message,
      lastProbeTime: null,
    })
    conditions = setCondition(conditions, {
      type: outcome.type,
      status: 'True',
      reason: outcome.reason,
      message: outcome.message,
      lastProbeTime: null,
    })
    this.write(job, s, { conditions, ...(outcome.type === 'Complete' ? { completionTime: now() } : {}) })
    const [type, reason, message] =
      outcome.type === 'Complete'
        ? (['Normal', 'Completed', 'Job completed'] as const)
        : (['Warning', outcome.reason, outcome.message] as const)
    this.ctx.recorder.tryRecord(job, source, { type, reason, message })
    this.ctx.loop.cancelPrefix(`job-timer:${job.metadata.uid}`)
    this.expire(this.ctx.store.get(R.jobs, job.metadata.namespace, job.metadata.name) ?? job)
  }

  private write(
    job: KObject,
    s: { active: KObject[]; succeeded: number; failed: number; startTime: string },
    extra: Record<string, unknown> = {},
  ): void {
    writeStatus(this.ctx.store, R.jobs, job, {
      ...(job.status?.conditions ? { conditions: job.status.conditions } : {}),
      startTime: s.startTime,
      ...(job.status?.completionTime ? { completionTime: job.status.completionTime } : {}),
      ...(s.active.length ? { active: s.active.length } : {}),
      ...(s.succeeded ? { succeeded: s.succeeded } : {}),
      ...(s.failed ? { failed: s.failed } : {}),
      terminating: 0,
      uncountedTerminatedPods: {},
      ready: s.active.filter(isPodReady).length,
      ...extra,
    })
  }

  private armDeadline(job: KObject, startTime: string): void {
    const deadline = job.spec?.activeDeadlineSeconds
    if (deadline === undefined) return
    const ms = Date.parse(startTime) + deadline * 1000 - Date.now()
    this.ctx.loop.after(`job-timer:${job.metadata.uid}:deadline`, ms + 10, () =>
      this.enqueue(job.metadata.namespace!, job.metadata.name),
    )
  }

  /** The TTL-after-finished controller: a finished Job with a TTL is deleted when it runs out. */
  private expire(job: KObject): void {
    const ttl = job.spec?.ttlSecondsAfterFinished
    const finishedAt = finishTime(job)
    if (ttl === undefined || !finishedAt) return
    const ms = Date.parse(finishedAt) + ttl * 1000 - Date.now()
    this.ctx.loop.after(`job-timer:${job.metadata.uid}:ttl`, ms, () =>
      deleteIfPresent(this.ctx.store, R.jobs, job.metadata.namespace, job.metadata.name),
    )
  }
}

const finished = (job: KObject) =>
  ['Complete', 'Failed'].some((t) => findCondition(job.status?.conditions, t)?.status === 'True')
const finishTime = (job: KObject): string | undefined =>
  job.status?.completionTime ??
  ['Complete', 'Failed'].map((t) => findCondition(job.status?.conditions, t)).find((c) => c?.status === 'True')
    ?.lastTransitionTime
