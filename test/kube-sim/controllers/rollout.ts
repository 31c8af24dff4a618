// The Deployment controller's arithmetic, pure: surge and unavailability budgets, how far the new
// ReplicaSet may scale up and the old ones down, and the status with its Available/Progressing
// conditions — the fields `kubectl rollout status`, helm's ready check and kstatus read.
import type { KObject } from '../store.ts'
import { findCondition, scaledValue, setCondition, type Condition } from './objects.ts'
import { omitZero } from './replicasets.ts'

const specReplicas = (o: KObject): number => o.spec?.replicas ?? 1
const sum = (rss: KObject[], f: (rs: KObject) => number) => rss.reduce((n, rs) => n + f(rs), 0)
const available = (rs: KObject): number => rs.status?.availableReplicas ?? 0
const isRolling = (d: KObject) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'

export function maxSurge(d: KObject): number {
  if (!isRolling(d)) return 0
  return scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge, specReplicas(d), true, '25%')
}

/** As deploymentutil.MaxUnavailable: 0 for Recreate; at least 1 when the surge is 0 too. */
export function maxUnavailable(d: KObject): number {
  if (!isRolling(d) || specReplicas(d) === 0) return 0
  const unavailable = scaledValue(d.spec?.strategy?.rollingUpdate?.maxUnavailable, specReplicas(d), false, '25%')
  const budget = unavailable === 0 && maxSurge(d) === 0 ? 1 : unavailable
  return Math.min(budget, specReplicas(d))
}

/** The new ReplicaSet's replicas under the surge budget (or scaled down to the Deployment's). */
export function newReplicaSetTarget(d: KObject, newRS: KObject | undefined, all: KObject[]): number {
  const want = specReplicas(d)
  const current = newRS ? specReplicas(newRS) : 0
  if (!isRolling(d)) return want
  if (current >= want) return want
  const room = want + maxSurge(d) - sum(all, specReplicas)
  return room > 0 ? current + Math.min(room, want - current) : current
}

/**
 * How far each old ReplicaSet may scale down now: first their unavailable pods, then available
 * ones while at least `replicas - maxUnavailable` pods stay available. Oldest first.
 */
export function oldReplicaSetTargets(d: KObject, newRS: KObject, old: KObject[]): Map<string, number> {
  const targets = new Map<string, number>()
  const oldest = [...old].filter((rs) => specReplicas(rs) > 0).sort(byCreation)
  if (!oldest.length) return targets
  const all = [newRS, ...old]
  const minAvailable = specReplicas(d) - maxUnavailable(d)
  const newUnavailable = specReplicas(newRS) - available(newRS)
  let budget = sum(all, specReplicas) - minAvailable - newUnavailable
  if (budget <= 0) return targets
  for (const rs of oldest) {
    const unhealthy = Math.max(0, specReplicas(rs) - available(rs))
    const cut = Math.min(unhealthy, budget)
    if (cut > 0) targets.set(rs.metadata.name, specReplicas(rs) - cut)
    budget -= cut
  }
  let surplus = sum(all, available) - minAvailable
  for (const rs of oldest) {
    const replicas = targets.get(rs.metadata.name) ?? specReplicas(rs)
    const cut = Math.min(replicas, Math.max(0, surplus))
    if (cut > 0) targets.set(rs.metadata.name, replicas - cut)
    surplus -= cut
  }
  return targets
}

const byCreation = (a: KObject, b: KObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')

export interface RolloutStatus {
  status: Record<string, unknown>
  /** the Deployment is still rolling out (the progress deadline applies) */
  progressing: boolean
}

/** The Deployment's status computed from its ReplicaSets, as calculateStatus + syncRolloutStatus do. */
export function deploymentStatus(
  d: KObject,
  newRS: KObject | undefined,
  all: KObject[],
  note?: { reason: string; message: string },
): RolloutStatus {
  const prev = d.status ?? {}
  const want = specReplicas(d)
  const counts = {
    replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum(all, available),
  }
  const unavailableReplicas = Math.max(0, sum(all, specReplicas) - counts.availableReplicas)
  let conditions: Condition[] = prev.conditions ?? []
  conditions =
    counts.availableReplicas >= want - maxUnavailable(d)
      ? setCondition(
          conditions,
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
          { withUpdateTime: true },
        )
      : setCondition(
          conditions,
          {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
          { withUpdateTime: true },
        )
  const complete = counts.updatedReplicas === want && counts.replicas === want && counts.availableReplicas === want
  const rsName = newRS?.metadata.name ?? ''
  const progressing = (reason: string, message: string, touch = false) =>
    (conditions = setCondition(
      conditions,
      { type: 'Progressing', status: 'True', reason, message },
      { withUpdateTime: true, touch },
    ))
  const deadline = d.spec?.progressDeadlineSeconds
  if (deadline === undefined) conditions = conditions.filter((c) => c.type !== 'Progressing')
  else if (d.spec?.paused)
    conditions = setCondition(
      conditions,
      { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' },
      { withUpdateTime: true },
    )
  else if (note) progressing(note.reason, note.message, true)
  else if (
    !(
      counts.replicas === counts.updatedReplicas &&
      findCondition(conditions, 'Progressing')?.reason === 'NewReplicaSetAvailable'
    )
  ) {
    if (complete && newRS) progressing('NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
    else if (madeProgress(prev, counts))
      progressing('ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`, true)
    else if (timedOut(findCondition(conditions, 'Progressing'), deadline)) {
      conditions = setCondition(
        conditions,
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        },
        { withUpdateTime: true },
      )
    }
  }
  conditions = [...conditions].sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0))
  const status = {
    observedGeneration: d.metadata.generation,
    ...omitZero({ ...counts, unavailableReplicas }),
    conditions,
    ...(prev.collisionCount ? { collisionCount: prev.collisionCount } : {}),
  }
  return {
    status,
    progressing:
      deadline !== undefined &&
      !d.spec?.paused &&
      findCondition(conditions, 'Progressing')?.reason !== 'NewReplicaSetAvailable',
  }
}

function madeProgress(
  prev: any,
  next: { replicas: number; updatedReplicas: number; readyReplicas: number; availableReplicas: number },
): boolean {
  const oldPods = (s: any) => (s.replicas ?? 0) - (s.updatedReplicas ?? 0)
  return (
    next.updatedReplicas > (prev.updatedReplicas ?? 0) ||
    oldPods(next) < oldPods(prev) ||
    next.readyReplicas > (prev.readyReplicas ?? 0) ||
    next.availableReplicas > (prev.availableReplicas ?? 0)
  )
}

function timedOut(cond: Condition | undefined, deadlineSeconds: number): boolean {
  if (!cond) return false
  if (cond.reason === 'ProgressDeadlineExceeded') return true
  const from = Date.parse(cond.lastUpdateTime ?? '')
  return !Number.isNaN(from) && from + deadlineSeconds * 1000 < Date.now()
}

/** When the progress deadline of a still-progressing Deployment runs out (ms from now). */
export function msUntilDeadline(d: KObject, status: Record<string, any>): number | undefined {
  const cond = findCondition(status.conditions, 'Progressing')
  const deadline = d.spec?.progressDeadlineSeconds
  if (!cond || deadline === undefined || cond.status !== 'True') return undefined
  return Date.parse(cond.lastUpdateTime ?? '') + deadline * 1000 - Date.now() + 1000
}
