// Namespace lifecycle: the four namespaces every cluster starts with; a new namespace gets the
// `kubernetes` finalizer, the kubernetes.io/metadata.name label and phase Active; a deleted one
// turns Terminating, its content is deleted (every resource in the store), and once nothing is
// left the finalizer is removed and the namespace goes.
import { resKey, type KObject, type ResourceId, type StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { is, isDeleting, R, setCondition, type Condition } from './objects.ts'
import { deleteIfPresent, mutate, writeStatus } from './writes.ts'

export const INITIAL_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system']
const NAME_LABEL = 'kubernetes.io/metadata.name'

export class Namespaces implements Controller {
  private readonly terminating = new Set<string>()

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    const { name, namespace } = e.object.metadata
    if (is(e.res, R.namespaces)) {
      if (e.type === 'DELETED') this.ctx.loop.enqueue(`namespace-purge:${name}`, () => this.purge(name))
      else this.enqueue(name)
    } else if (namespace && this.terminating.has(namespace) && e.type !== 'ADDED') {
      this.enqueue(namespace)
    }
  }

  resync(): void {
    for (const name of INITIAL_NAMESPACES) {
      if (!this.ctx.store.get(R.namespaces, undefined, name)) this.ctx.store.create(R.namespaces, namespaceObject(name))
    }
    for (const ns of this.ctx.store.list(R.namespaces).items) this.enqueue(ns.metadata.name)
  }

  private enqueue(name: string): void {
    this.ctx.loop.enqueue(`namespace:${name}`, () => this.sync(name))
  }

  private sync(name: string): void {
    const ns = this.ctx.store.get(R.namespaces, undefined, name)
    if (!ns) return
    if (isDeleting(ns)) return this.terminate(ns)
    const updated = mutate(this.ctx.store, R.namespaces, undefined, name, (o) => {
      if (o.metadata.labels?.[NAME_LABEL] === name && o.spec?.finalizers) return false
      o.metadata.labels = { ...o.metadata.labels, [NAME_LABEL]: name }
      o.spec = { ...o.spec, finalizers: o.spec?.finalizers ?? ['kubernetes'] }
    })
    if (updated && updated.status?.phase !== 'Active')
      writeStatus(this.ctx.store, R.namespaces, updated, { ...updated.status, phase: 'Active' })
  }

  /** Deletes what is in the namespace; once it is empty, finalizes it. */
  private terminate(ns: KObject): void {
    const name = ns.metadata.name
    this.terminating.add(name)
    for (const { res, obj } of this.contents(name)) {
      if (!isDeleting(obj)) deleteIfPresent(this.ctx.store, res, name, obj.metadata.name)
    }
    const left = this.contents(name)
    writeStatus(this.ctx.store, R.namespaces, ns, {
      phase: 'Terminating',
      conditions: terminatingConditions(ns.status?.conditions ?? [], left),
    })
    if (left.length) return
    this.terminating.delete(name)
    mutate(this.ctx.store, R.namespaces, undefined, name, (o) => {
      if (!o.spec?.finalizers?.includes('kubernetes')) return false
      o.spec.finalizers = o.spec.finalizers.filter((f: string) => f !== 'kubernetes')
    })
  }

  /** A namespace that went without being finalized: nothing may stay behind in it. */
  private purge(name: string): void {
    this.terminating.delete(name)
    for (const { res, obj } of this.contents(name)) deleteIfPresent(this.ctx.store, res, name, obj.metadata.name)
  }

  private contents(namespace: string): { res: ResourceId; obj: KObject }[] {
    return this.ctx.store
      .resources()
      .flatMap((res) => this.ctx.store.list(res, namespace).items.map((obj) => ({ res, obj })))
  }
}

function namespaceObject(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [NAME_LABEL]: name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }
}

/** The conditions the namespace controller reports while it empties a namespace. */
function terminatingConditions(prior: Condition[], left: { res: ResourceId; obj: KObject }[]): Condition[] {
  const byResource = new Map<string, number>()
  const finalizers = new Map<string, number>()
  for (const { res, obj } of left) {
    byResource.set(resKey(res), (byResource.get(resKey(res)) ?? 0) + 1)
    for (const f of obj.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1)
  }
  const list = (m: Map<string, number>, word: string) =>
    [...m].map(([k, n]) => `${k} ${word} ${n} resource instances`).join(', ')
  let c = prior
  c = setCondition(c, {
    type: 'NamespaceDeletionDiscoveryFailure',
    status: 'False',
    reason: 'ResourcesDiscovered',
    message: 'All resources successfully discovered',
  })
  c = setCondition(c, {
    type: 'NamespaceDeletionGroupVersionParsingFailure',
    status: 'False',
    reason: 'ParsedGroupVersions',
    message: 'All legacy kube types successfully parsed',
  })
  c = setCondition(c, {
    type: 'NamespaceDeletionContentFailure',
    status: 'False',
    reason: 'ContentDeleted',
    message: 'All content successfully deleted, may be waiting on finalization',
  })
  c = byResource.size
    ? setCondition(c, {
        type: 'NamespaceContentRemaining',
        status: 'True',
        reason: 'SomeResourcesRemain',
        message: `Some resources are remaining: ${list(byResource, 'has')}`,
      })
    : setCondition(c, {
        type: 'NamespaceContentRemaining',
        status: 'False',
        reason: 'ContentRemoved',
        message: 'All content successfully removed',
      })
  c = finalizers.size
    ? setCondition(c, {
        type: 'NamespaceFinalizersRemaining',
        status: 'True',
        reason: 'SomeFinalizersRemain',
        message: `Some content in the namespace has finalizers remaining: ${list(finalizers, 'in')}`,
      })
    : setCondition(c, {
        type: 'NamespaceFinalizersRemaining',
        status: 'False',
        reason: 'ContentHasNoFinalizers',
        message: 'All content-preserving finalizers finished',
      })
  return c
}
