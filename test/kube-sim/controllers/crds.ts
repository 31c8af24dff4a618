// CustomResourceDefinitions, as the apiextensions controllers handle them: names accepted and
// the CRD Established (so helm, kstatus and the API layer's discovery see it), storedVersions
// kept, and on deletion every custom resource of it deleted before the CRD goes (the
// `customresourcecleanup.apiextensions.k8s.io` finalizer).
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { is, isDeleting, R, setCondition, type Condition } from './objects.ts'
import { deleteIfPresent, mutate, writeStatus } from './writes.ts'

const CLEANUP = 'customresourcecleanup.apiextensions.k8s.io'

export class CustomResourceDefinitions implements Controller {
  /** CRDs waiting for their custom resources to go */
  private readonly terminating = new Set<string>()

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.crds) && e.type !== 'DELETED') this.enqueue(e.object.metadata.name)
    // a custom resource went: its terminating CRD may be empty now
    const crdName = `${e.res.resource}.${e.res.group}`
    if (e.type === 'DELETED' && this.terminating.has(crdName)) this.enqueue(crdName)
    if (e.type === 'DELETED' && is(e.res, R.crds)) this.terminating.delete(e.object.metadata.name)
  }

  resync(): void {
    for (const crd of this.ctx.store.list(R.crds).items) this.enqueue(crd.metadata.name)
  }

  private enqueue(name: string): void {
    this.ctx.loop.enqueue(`crd:${name}`, () => this.sync(name))
  }

  private sync(name: string): void {
    const crd = this.ctx.store.get(R.crds, undefined, name)
    if (!crd) return
    if (isDeleting(crd)) return this.cleanUp(crd)
    const withFinalizer = mutate(this.ctx.store, R.crds, undefined, name, (o) => {
      if (o.metadata.finalizers?.includes(CLEANUP)) return false
      o.metadata.finalizers = [...(o.metadata.finalizers ?? []), CLEANUP]
    })
    if (withFinalizer) writeStatus(this.ctx.store, R.crds, withFinalizer, establishedStatus(withFinalizer))
  }

  /** Deletes the CRD's custom resources; when none is left, lets the CRD go. */
  private cleanUp(crd: KObject): void {
    const res = { group: crd.spec?.group, resource: crd.spec?.names?.plural }
    const left = this.ctx.store.list(res).items
    for (const cr of left)
      if (!isDeleting(cr)) deleteIfPresent(this.ctx.store, res, cr.metadata.namespace, cr.metadata.name)
    const remaining = this.ctx.store.list(res).items.length
    let conditions: Condition[] = crd.status?.conditions ?? []
    conditions = setCondition(
      conditions,
      remaining
        ? {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionInProgress',
            message: 'CustomResource deletion is in progress',
          }
        : {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionCompleted',
            message: `removed all instances`,
          },
    )
    writeStatus(this.ctx.store, R.crds, crd, { ...crd.status, conditions })
    if (remaining) return void this.terminating.add(crd.metadata.name)
    mutate(this.ctx.store, R.crds, undefined, crd.metadata.name, (o) => {
      if (!o.metadata.finalizers?.includes(CLEANUP)) return false
      o.metadata.finalizers = o.metadata.finalizers.filter((f) => f !== CLEANUP)
    })
  }
}

function establishedStatus(crd: KObject): Record<string, unknown> {
  const names = crd.spec?.names ?? {}
  const kind: string = names.kind ?? ''
  const acceptedNames = {
    ...names,
    singular: names.singular ?? kind.toLowerCase(),
    listKind: names.listKind ?? `${kind}List`,
  }
  const storage = (crd.spec?.versions ?? [])
    .filter((v: { storage?: boolean }) => v.storage)
    .map((v: { name: string }) => v.name)
  const storedVersions = [...new Set([...(crd.status?.storedVersions ?? []), ...storage])]
  let conditions: Condition[] = crd.status?.conditions ?? []
  conditions = setCondition(conditions, {
    type: 'NamesAccepted',
    status: 'True',
    reason: 'NoConflicts',
    message: 'no conflicts found',
  })
  conditions = setCondition(conditions, {
    type: 'Established',
    status: 'True',
    reason: 'InitialNamesAccepted',
    message: 'the initial names have been accepted',
  })
  return { ...crd.status, acceptedNames, conditions, storedVersions }
}
