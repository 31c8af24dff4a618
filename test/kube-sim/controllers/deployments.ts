// Deployment controller: one ReplicaSet per pod template (`<deploy>-<template hash>`, with the
// pod-template-hash label and the revision annotations), rolled over by the RollingUpdate or
// Recreate strategy, old ones pruned beyond revisionHistoryLimit, status from the ReplicaSets.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { canonicalJson, controllerOf, controllerRef, is, isDeleting, isOwnedBy, R, templateHash } from './objects.ts'
import { deploymentStatus, maxSurge, msUntilDeadline, newReplicaSetTarget, oldReplicaSetTargets } from './rollout.ts'
import { createIn, deleteIfPresent, mutate, writeStatus } from './writes.ts'

const source = { component: 'deployment-controller' }
const REVISION = 'deployment.kubernetes.io/revision'
const HASH = 'pod-template-hash'

export class Deployments implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.deployments) && e.type !== 'DELETED')
      this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
    if (is(e.res, R.replicasets)) {
      const ref = controllerOf(e.object)
      if (ref?.kind === 'Deployment') this.enqueue(e.object.metadata.namespace!, ref.name)
    }
  }

  resync(): void {
    for (const d of this.ctx.store.list(R.deployments).items) this.enqueue(d.metadata.namespace!, d.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`deployment:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const d = this.ctx.store.get(R.deployments, namespace, name)
    if (!d || isDeleting(d)) return
    let note: { reason: string; message: string } | undefined
    let newRS = this.ownedReplicaSets(d).find((rs) => sameTemplate(rs, d))
    if (!newRS && !d.spec?.paused) {
      newRS = this.createReplicaSet(d)
      note = { reason: 'NewReplicaSetCreated', message: `Created new replica set "${newRS.metadata.name}"` }
    } else if (newRS) {
      this.syncRevision(d, newRS)
    }
    if (newRS && !d.spec?.paused) this.rollOut(d, newRS)
    const all = this.ownedReplicaSets(d)
    const current = all.find((rs) => rs.metadata.uid === newRS?.metadata.uid)
    this.pruneHistory(
      d,
      all.filter((rs) => rs !== current),
    )
    const { status, progressing } = deploymentStatus(d, current, all, note)
    writeStatus(this.ctx.store, R.deployments, d, status)
    const wait = progressing ? msUntilDeadline(d, status) : undefined
    const key = `deployment-deadline:${namespace}/${name}`
    if (wait === undefined) this.ctx.loop.cancel(key)
    else this.ctx.loop.after(key, wait, () => this.sync(namespace, name))
  }

  /** Scales the new ReplicaSet up and the old ones down, as far as the strategy allows now. */
  private rollOut(d: KObject, newRS: KObject): void {
    const old = () => this.ownedReplicaSets(d).filter((rs) => rs.metadata.uid !== newRS.metadata.uid)
    if (d.spec?.strategy?.type === 'Recreate') {
      for (const rs of old()) if ((rs.spec?.replicas ?? 0) > 0) this.scale(d, rs, 0)
      if (old().some((rs) => (rs.status?.replicas ?? 0) > 0)) return // wait for the old pods to go
      this.scale(d, newRS, d.spec?.replicas ?? 1)
      return
    }
    const fresh = this.ctx.store.get(R.replicasets, newRS.metadata.namespace, newRS.metadata.name) ?? newRS
    this.scale(d, fresh, newReplicaSetTarget(d, fresh, [fresh, ...old()]))
    const latest = this.ctx.store.get(R.replicasets, newRS.metadata.namespace, newRS.metadata.name) ?? fresh
    const olds = old()
    for (const [name, replicas] of oldReplicaSetTargets(d, latest, olds)) {
      const rs = olds.find((r) => r.metadata.name === name)
      if (rs) this.scale(d, rs, replicas)
    }
  }

  private createReplicaSet(d: KObject): KObject {
    const hash = templateHash(d.spec?.template, d.status?.collisionCount ?? 0)
    const revision = this.maxRevision(d) + 1
    const template = structuredClone(d.spec?.template ?? {})
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH]: hash } }
    const selector = structuredClone(d.spec?.selector ?? {})
    selector.matchLabels = { ...selector.matchLabels, [HASH]: hash }
    const replicas = newReplicaSetTarget(d, undefined, this.ownedReplicaSets(d))
    const rs = createIn(this.ctx.store, R.replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations: { ...copiedAnnotations(d), ...this.replicaAnnotations(d), [REVISION]: String(revision) },
        ownerReferences: [controllerRef(d)],
      },
      spec: { replicas, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    })
    mutate(this.ctx.store, R.deployments, d.metadata.namespace, d.metadata.name, (o) =>
      setAnnotation(o, REVISION, String(revision)),
    )
    if (replicas > 0) this.scaledEvent(d, rs, 0, replicas)
    return rs
  }

  /** A template rolled back to an older ReplicaSet makes that one the newest revision again. */
  private syncRevision(d: KObject, newRS: KObject): void {
    const max = this.maxRevision(d)
    const own = Number(newRS.metadata.annotations?.[REVISION] ?? 0)
    const revision = String(own < max || !own ? max + 1 : own)
    mutate(this.ctx.store, R.replicasets, newRS.metadata.namespace, newRS.metadata.name, (rs) =>
      setAnnotation(rs, REVISION, revision),
    )
    mutate(this.ctx.store, R.deployments, d.metadata.namespace, d.metadata.name, (o) =>
      setAnnotation(o, REVISION, revision),
    )
  }

  private scale(d: KObject, rs: KObject, replicas: number): void {
    const from = rs.spec?.replicas ?? 1
    const annotations = this.replicaAnnotations(d)
    mutate(this.ctx.store, R.replicasets, rs.metadata.namespace, rs.metadata.name, (o) => {
      const same =
        o.spec.replicas === replicas && Object.entries(annotations).every(([k, v]) => o.metadata.annotations?.[k] === v)
      if (same) return false
      o.spec.replicas = replicas
      o.metadata.annotations = { ...o.metadata.annotations, ...annotations }
    })
    if (from !== replicas) this.scaledEvent(d, rs, from, replicas)
  }

  private scaledEvent(d: KObject, rs: KObject, from: number, to: number): void {
    const direction = to > from ? 'up' : 'down'
    this.ctx.recorder.tryRecord(d, source, {
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${to}`,
    })
  }

  /** Old ReplicaSets scaled to zero, beyond revisionHistoryLimit, oldest revision first. */
  private pruneHistory(d: KObject, old: KObject[]): void {
    const limit = d.spec?.revisionHistoryLimit ?? 10
    const idle = old
      .filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0))
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
      deleteIfPresent(this.ctx.store, R.replicasets, rs.metadata.namespace, rs.metadata.name)
  }

  private replicaAnnotations(d: KObject): Record<string, string> {
    const replicas = d.spec?.replicas ?? 1
    return {
      'deployment.kubernetes.io/desired-replicas': String(replicas),
      'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge(d)),
    }
  }

  private maxRevision(d: KObject): number {
    return Math.max(0, ...this.ownedReplicaSets(d).map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)))
  }

  private ownedReplicaSets(d: KObject): KObject[] {
    return this.ctx.store
      .list(R.replicasets, d.metadata.namespace)
      .items.filter((rs) => isOwnedBy(rs, d) && !isDeleting(rs))
  }
}

/** Is this ReplicaSet's template the Deployment's, apart from the pod-template-hash label? */
function sameTemplate(rs: KObject, d: KObject): boolean {
  const template = structuredClone(rs.spec?.template ?? {})
  if (template.metadata?.labels) {
    delete template.metadata.labels[HASH]
    if (!Object.keys(template.metadata.labels).length) delete template.metadata.labels
  }
  return canonicalJson(template) === canonicalJson(d.spec?.template ?? {})
}

/** The Deployment's annotations a ReplicaSet carries (not kubectl's, not the controller's own). */
function copiedAnnotations(d: KObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(d.metadata.annotations ?? {}).filter(
      ([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration' && !k.startsWith('deployment.kubernetes.io/'),
    ),
  )
}

function setAnnotation(o: KObject, key: string, value: string): boolean | undefined {
  if (o.metadata.annotations?.[key] === value) return false
  o.metadata.annotations = { ...o.metadata.annotations, [key]: value }
  return undefined
}
