// ReplicaSet controller: keeps spec.replicas active pods (`<rs>-<5 chars>`) and reports replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas and observedGeneration.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import {
  controllerOf,
  findCondition,
  is,
  isDeleting,
  isOwnedBy,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  R,
  randomSuffix,
} from './objects.ts'
import { podFromTemplate } from './podtemplate.ts'
import { createGenerated, deleteIfPresent, writeStatus } from './writes.ts'

const source = { component: 'replicaset-controller' }

export class ReplicaSets implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.replicasets) && e.type !== 'DELETED')
      this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
    if (is(e.res, R.pods)) {
      const ref = controllerOf(e.object)
      if (ref?.kind === 'ReplicaSet') this.enqueue(e.object.metadata.namespace!, ref.name)
    }
  }

  resync(): void {
    for (const rs of this.ctx.store.list(R.replicasets).items) this.enqueue(rs.metadata.namespace!, rs.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`replicaset:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const rs = this.ctx.store.get(R.replicasets, namespace, name)
    if (!rs) return
    // A ReplicaSet being deleted keeps its pods as they are; the garbage collector takes them.
    if (!isDeleting(rs)) this.manage(rs, activePods(this.ownedPods(rs)))
    this.writeStatus(rs, this.ownedPods(rs))
  }

  /** Creates or deletes pods until spec.replicas are active. */
  private manage(rs: KObject, active: KObject[]): void {
    const want = rs.spec?.replicas ?? 1
    for (let i = active.length; i < want; i++) {
      const pod = createGenerated(
        this.ctx.store,
        R.pods,
        podFromTemplate({ owner: rs, template: rs.spec?.template, generateName: `${rs.metadata.name}-` }),
        randomSuffix,
      )
      this.ctx.recorder.tryRecord(rs, source, {
        type: 'Normal',
        reason: 'SuccessfulCreate',
        message: `Created pod: ${pod.metadata.name}`,
      })
    }
    for (const pod of [...active].sort(deletionOrder).slice(0, Math.max(0, active.length - want))) {
      deleteIfPresent(this.ctx.store, R.pods, pod.metadata.namespace, pod.metadata.name)
      this.ctx.recorder.tryRecord(rs, source, {
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${pod.metadata.name}`,
      })
    }
  }

  private writeStatus(rs: KObject, pods: KObject[]): void {
    const active = activePods(pods)
    const minReady = rs.spec?.minReadySeconds ?? 0
    const templateLabels: Record<string, string> = rs.spec?.template?.metadata?.labels ?? {}
    const count = (ok: (p: KObject) => boolean) => active.filter(ok).length
    const status = omitZero(
      {
        replicas: active.length,
        fullyLabeledReplicas: count((p) =>
          Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
        ),
        readyReplicas: count(isPodReady),
        availableReplicas: count((p) => isPodAvailable(p, minReady)),
        observedGeneration: rs.metadata.generation,
      },
      ['replicas'],
    )
    writeStatus(this.ctx.store, R.replicasets, rs, status)
    // Ready pods become available minReadySeconds later: look again then.
    if (minReady && count(isPodReady) > count((p) => isPodAvailable(p, minReady))) {
      this.ctx.loop.after(`replicaset-available:${rs.metadata.namespace}/${rs.metadata.name}`, 1000, () =>
        this.sync(rs.metadata.namespace!, rs.metadata.name),
      )
    }
  }

  private ownedPods(rs: KObject): KObject[] {
    return this.ctx.store.list(R.pods, rs.metadata.namespace).items.filter((p) => isOwnedBy(p, rs))
  }
}

export const activePods = (pods: KObject[]) => pods.filter((p) => !isDeleting(p) && !isPodTerminal(p))

/** Which pods go first on scale-down: unscheduled, then pending, then not ready, then the newest. */
export function deletionOrder(a: KObject, b: KObject): number {
  const rank = (p: KObject) => (!p.spec?.nodeName ? 0 : p.status?.phase === 'Pending' ? 1 : !isPodReady(p) ? 2 : 3)
  const readySince = (p: KObject) => findCondition(p.status?.conditions, 'Ready')?.lastTransitionTime ?? ''
  return (
    rank(a) - rank(b) ||
    readySince(b).localeCompare(readySince(a)) ||
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')
  )
}

/** Status counters are `omitempty` in the API types: a zero is left out, as the apiserver prints it. */
export function omitZero<T extends Record<string, unknown>>(status: T, keep: (keyof T)[] = []): Partial<T> {
  return Object.fromEntries(
    Object.entries(status).filter(([k, v]) => (v !== 0 && v !== undefined) || keep.includes(k)),
  ) as Partial<T>
}
