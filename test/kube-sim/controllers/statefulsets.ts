// StatefulSet controller: ordinal pods `<sts>-0 … <sts>-(n-1)`, one at a time in order unless
// podManagementPolicy is Parallel, their PVCs `<template>-<sts>-<ordinal>` created first,
// scale-down from the highest ordinal, rolling updates from the highest ordinal down to the
// partition, and the status helm, kstatus and `rollout status` read (current/update revisions).
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { controllerOf, controllerRef, is, isDeleting, isOwnedBy, isPodAvailable, isPodReady, R } from './objects.ts'
import { podFromTemplate } from './podtemplate.ts'
import { ensureRevision, pruneRevisions, revisionTemplate, type Revision } from './revisions.ts'
import { createIn, deleteIfPresent, writeStatus } from './writes.ts'

const source = { component: 'statefulset-controller' }
const REVISION_LABEL = 'controller-revision-hash'

export class StatefulSets implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.statefulsets) && e.type !== 'DELETED')
      this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
    if (is(e.res, R.pods)) {
      const ref = controllerOf(e.object)
      if (ref?.kind === 'StatefulSet') this.enqueue(e.object.metadata.namespace!, ref.name)
    }
  }

  resync(): void {
    for (const sts of this.ctx.store.list(R.statefulsets).items)
      this.enqueue(sts.metadata.namespace!, sts.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`statefulset:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const sts = this.ctx.store.get(R.statefulsets, namespace, name)
    if (!sts || isDeleting(sts)) return
    const update = ensureRevision(this.ctx, sts)
    const currentName =
      sts.status?.currentRevision && this.ctx.store.get(R.controllerrevisions, namespace, sts.status.currentRevision)
        ? sts.status.currentRevision
        : update.name
    this.manage(sts, update, currentName)
    this.writeStatus(sts, update, currentName)
    pruneRevisions(this.ctx, sts, new Set([update.name, currentName]))
  }

  /** One pass of the controller: replace failed pods, create missing ones, scale down, update. */
  private manage(sts: KObject, update: Revision, currentName: string): void {
    const replicas = sts.spec?.replicas ?? 1
    const ordered = (sts.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel'
    const pods = this.ownedPods(sts)
    for (const pod of pods.filter((p) => p.status?.phase === 'Failed' && !isDeleting(p))) this.deletePod(sts, pod)
    const byOrdinal = new Map(this.ownedPods(sts).map((p) => [ordinalOf(sts, p), p]))
    const healthy = (p: KObject | undefined) => !!p && !isDeleting(p) && p.status?.phase === 'Running' && isPodReady(p)
    for (let i = 0; i < replicas; i++) {
      const pod = byOrdinal.get(i)
      if (!pod) {
        const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
        this.createPod(sts, i, i < partition ? currentName : update.name)
        if (ordered) return
      } else if (ordered && !healthy(pod)) return
    }
    const condemned = [...byOrdinal].filter(([i]) => i >= replicas).sort(([a], [b]) => b - a)
    for (const [, pod] of condemned) {
      if (isDeleting(pod)) return
      if (ordered && [...byOrdinal.values()].some((p) => p !== pod && !healthy(p))) return
      this.deletePod(sts, pod)
      if (ordered) return
    }
    if ((sts.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return
    if ([...byOrdinal.values()].some((p) => !healthy(p))) return // one pod at a time, all others Ready
    const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = byOrdinal.get(i)
      if (pod && pod.metadata.labels?.[REVISION_LABEL] !== update.name) return this.deletePod(sts, pod)
    }
  }

  private createPod(sts: KObject, ordinal: number, revision: string): void {
    const name = `${sts.metadata.name}-${ordinal}`
    const template = revisionTemplate(this.ctx, sts.metadata.namespace!, revision) ?? sts.spec?.template
    const claims: KObject[] = sts.spec?.volumeClaimTemplates ?? []
    for (const claim of claims) this.ensureClaim(sts, claim, name)
    const claimVolumes = claims.map((c) => ({
      name: c.metadata.name,
      persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` },
    }))
    const volumes = [
      ...(template?.spec?.volumes ?? []).filter((v: any) => !claimVolumes.some((c) => c.name === v.name)),
      ...claimVolumes,
    ]
    createIn(
      this.ctx.store,
      R.pods,
      podFromTemplate({
        owner: sts,
        template,
        name,
        labels: {
          [REVISION_LABEL]: revision,
          'statefulset.kubernetes.io/pod-name': name,
          'apps.kubernetes.io/pod-index': String(ordinal),
        },
        spec: {
          hostname: name,
          ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}),
          ...(volumes.length ? { volumes } : {}),
        },
      }),
    )
    this.ctx.recorder.tryRecord(sts, source, {
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
    })
  }

  private ensureClaim(sts: KObject, claim: KObject, podName: string): void {
    const name = `${claim.metadata.name}-${podName}`
    if (this.ctx.store.get(R.pvcs, sts.metadata.namespace, name)) return
    const retainOnDelete = (sts.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain') === 'Retain'
    createIn(this.ctx.store, R.pvcs, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        namespace: sts.metadata.namespace,
        labels: { ...claim.metadata?.labels, ...sts.spec?.selector?.matchLabels },
        ...(claim.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
        ...(retainOnDelete ? {} : { ownerReferences: [controllerRef(sts)] }),
      },
      spec: { volumeMode: 'Filesystem', ...structuredClone(claim.spec ?? {}) },
      status: { phase: 'Pending' },
    })
    this.ctx.recorder.tryRecord(sts, source, {
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: `create Claim ${name} Pod ${podName} in StatefulSet ${sts.metadata.name} success`,
    })
  }

  private deletePod(sts: KObject, pod: KObject): void {
    deleteIfPresent(this.ctx.store, R.pods, pod.metadata.namespace, pod.metadata.name)
    this.ctx.recorder.tryRecord(sts, source, {
      type: 'Normal',
      reason: 'SuccessfulDelete',
      message: `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
    })
  }

  private writeStatus(sts: KObject, update: Revision, currentName: string): void {
    const pods = this.ownedPods(sts).filter((p) => !isDeleting(p))
    const count = (ok: (p: KObject) => boolean) => pods.filter(ok).length
    const status = {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: count(isPodReady),
      currentReplicas: count((p) => p.metadata.labels?.[REVISION_LABEL] === currentName),
      updatedReplicas: count((p) => p.metadata.labels?.[REVISION_LABEL] === update.name),
      currentRevision: currentName,
      updateRevision: update.name,
      collisionCount: sts.status?.collisionCount ?? 0,
      availableReplicas: count((p) => isPodAvailable(p, sts.spec?.minReadySeconds ?? 0)),
    }
    const rolledOut = status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas
    if ((sts.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && rolledOut) {
      status.currentRevision = update.name
      status.currentReplicas = status.updatedReplicas
    }
    writeStatus(this.ctx.store, R.statefulsets, sts, status)
  }

  private ownedPods(sts: KObject): KObject[] {
    return this.ctx.store
      .list(R.pods, sts.metadata.namespace)
      .items.filter((p) => isOwnedBy(p, sts) && ordinalOf(sts, p) >= 0)
  }
}

function ordinalOf(sts: KObject, pod: KObject): number {
  const m = new RegExp(`^${sts.metadata.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(pod.metadata.name)
  return m ? Number(m[1]) : -1
}
