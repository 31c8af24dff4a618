// DaemonSet controller: one pod (`<ds>-<5 chars>`) per node its nodeSelector allows, pinned by
// node affinity as the real controller does (the scheduler then binds it there), rolling updates
// within maxUnavailable, and the desired/current/ready/available/updated counts.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import {
  controllerOf,
  is,
  isDeleting,
  isOwnedBy,
  isPodAvailable,
  isPodReady,
  R,
  randomSuffix,
  scaledValue,
} from './objects.ts'
import { listNodes } from './nodes.ts'
import { podFromTemplate } from './podtemplate.ts'
import { omitZero } from './replicasets.ts'
import { ensureRevision, pruneRevisions } from './revisions.ts'
import { pinnedNode } from './scheduler.ts'
import { createGenerated, deleteIfPresent, writeStatus } from './writes.ts'

const source = { component: 'daemonset-controller' }
const REVISION_LABEL = 'controller-revision-hash'

/** The tolerations the DaemonSet controller adds so its pods run on nodes in trouble too. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
]

export class DaemonSets implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.daemonsets) && e.type !== 'DELETED')
      this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
    if (is(e.res, R.pods)) {
      const ref = controllerOf(e.object)
      if (ref?.kind === 'DaemonSet') this.enqueue(e.object.metadata.namespace!, ref.name)
    }
    if (is(e.res, R.nodes)) this.resync()
  }

  resync(): void {
    for (const ds of this.ctx.store.list(R.daemonsets).items) this.enqueue(ds.metadata.namespace!, ds.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`daemonset:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const ds = this.ctx.store.get(R.daemonsets, namespace, name)
    if (!ds || isDeleting(ds)) return
    const revision = ensureRevision(this.ctx, ds)
    const nodes = this.eligibleNodes(ds)
    this.manage(ds, nodes, revision.hash)
    this.writeStatus(ds, nodes, revision.hash)
    pruneRevisions(this.ctx, ds, new Set([revision.name]))
  }

  private manage(ds: KObject, nodes: string[], hash: string): void {
    for (const pod of this.ownedPods(ds).filter((p) => p.status?.phase === 'Failed')) this.deletePod(ds, pod)
    const byNode = groupByNode(this.ownedPods(ds))
    for (const node of nodes) {
      const [, ...extra] = byNode.get(node) ?? []
      if (!byNode.has(node)) this.createPod(ds, node, hash)
      for (const pod of extra) this.deletePod(ds, pod)
    }
    for (const [node, pods] of byNode) if (!nodes.includes(node)) for (const p of pods) this.deletePod(ds, p)
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') this.rollOut(ds, nodes, hash)
  }

  /** Deletes outdated pods: unavailable ones at once, available ones within maxUnavailable. */
  private rollOut(ds: KObject, nodes: string[], hash: string): void {
    const pods = this.ownedPods(ds).filter((p) => nodes.includes(nodeOf(p)))
    const minReady = ds.spec?.minReadySeconds ?? 0
    const outdated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash)
    const unavailable = nodes.filter((n) => !pods.some((p) => nodeOf(p) === n && isPodAvailable(p, minReady))).length
    let budget =
      scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, nodes.length, true, 1) - unavailable
    for (const pod of outdated) {
      if (!isPodAvailable(pod, minReady)) this.deletePod(ds, pod)
      else if (budget-- > 0) this.deletePod(ds, pod)
    }
  }

  private createPod(ds: KObject, node: string, hash: string): void {
    const template = ds.spec?.template ?? {}
    const affinity = {
      ...template.spec?.affinity,
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
        },
      },
    }
    const tolerations = [
      ...(template.spec?.tolerations ?? []),
      ...DAEMON_TOLERATIONS.filter((t) => !(template.spec?.tolerations ?? []).some((u: any) => u.key === t.key)),
    ]
    const pod = createGenerated(
      this.ctx.store,
      R.pods,
      podFromTemplate({
        owner: ds,
        template,
        generateName: `${ds.metadata.name}-`,
        labels: { [REVISION_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
        spec: { affinity, tolerations },
      }),
      randomSuffix,
    )
    this.ctx.recorder.tryRecord(ds, source, {
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: `Created pod: ${pod.metadata.name}`,
    })
  }

  private deletePod(ds: KObject, pod: KObject): void {
    deleteIfPresent(this.ctx.store, R.pods, pod.metadata.namespace, pod.metadata.name)
    this.ctx.recorder.tryRecord(ds, source, {
      type: 'Normal',
      reason: 'SuccessfulDelete',
      message: `Deleted pod: ${pod.metadata.name}`,
    })
  }

  private writeStatus(ds: KObject, nodes: string[], hash: string): void {
    const byNode = groupByNode(this.ownedPods(ds))
    const minReady = ds.spec?.minReadySeconds ?? 0
    const scheduled = nodes.filter((n) => byNode.has(n))
    const withPod = (ok: (p: KObject) => boolean) => scheduled.filter((n) => byNode.get(n)!.some(ok)).length
    const available = withPod((p) => isPodAvailable(p, minReady))
    writeStatus(this.ctx.store, R.daemonsets, ds, {
      currentNumberScheduled: scheduled.length,
      numberMisscheduled: [...byNode.keys()].filter((n) => !nodes.includes(n)).length,
      desiredNumberScheduled: nodes.length,
      numberReady: withPod(isPodReady),
      observedGeneration: ds.metadata.generation,
      ...omitZero({
        updatedNumberScheduled: withPod((p) => p.metadata.labels?.[REVISION_LABEL] === hash),
        numberAvailable: available,
        numberUnavailable: nodes.length - available,
      }),
    })
    // Ready pods become available minReadySeconds later: look again then.
    if (minReady && withPod(isPodReady) > available) {
      this.ctx.loop.after(`daemonset-available:${ds.metadata.namespace}/${ds.metadata.name}`, 1000, () =>
        this.sync(ds.metadata.namespace!, ds.metadata.name),
      )
    }
  }

  /** Nodes the pod template's nodeSelector allows. */
  private eligibleNodes(ds: KObject): string[] {
    const selector: Record<string, string> = ds.spec?.template?.spec?.nodeSelector ?? {}
    return listNodes(this.ctx.store)
      .filter((n) => Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v))
      .map((n) => n.metadata.name)
  }

  private ownedPods(ds: KObject): KObject[] {
    return this.ctx.store.list(R.pods, ds.metadata.namespace).items.filter((p) => isOwnedBy(p, ds) && !isDeleting(p))
  }
}

const nodeOf = (pod: KObject): string => pinnedNode(pod) ?? pod.spec?.nodeName ?? ''

function groupByNode(pods: KObject[]): Map<string, KObject[]> {
  const byNode = new Map<string, KObject[]>()
  for (const pod of pods) byNode.set(nodeOf(pod), [...(byNode.get(nodeOf(pod)) ?? []), pod])
  return byNode
}
