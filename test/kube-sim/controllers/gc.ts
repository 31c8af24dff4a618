// Garbage collector: an index of ownerReferences kept from the store's events. When an owner is
// gone its dependents are deleted (background), unless another owner of theirs still lives, in
// which case only the dangling reference is dropped. An owner marked for deletion with the
// `foregroundDeletion` finalizer keeps it until its dependents are gone; with `orphan`, its
// dependents lose their reference to it and stay.
import { resKey, type KObject, type ResourceId, type StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { isDeleting } from './objects.ts'
import { deleteIfPresent, mutate } from './writes.ts'

const FOREGROUND = 'foregroundDeletion'
const ORPHAN = 'orphan'

interface Ref {
  res: ResourceId
  namespace?: string
  name: string
}

export class GarbageCollector implements Controller {
  /** every object's uid → where it is */
  private readonly live = new Map<string, Ref>()
  /** owner uid → dependents' keys */
  private readonly dependents = new Map<string, Set<string>>()
  /** dependent key → its ref and owner uids */
  private readonly owners = new Map<string, Ref & { uids: string[] }>()

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    const o = e.object
    const uid = o.metadata.uid!
    const key = depKey(e.res, o)
    const ref = { res: e.res, namespace: o.metadata.namespace, name: o.metadata.name }
    for (const owner of this.owners.get(key)?.uids ?? []) this.dependents.get(owner)?.delete(key)
    this.owners.delete(key)
    if (e.type === 'DELETED') {
      this.live.delete(uid)
      this.ctx.loop.enqueue(`gc-orphans:${uid}`, () => this.collect(uid))
    } else {
      this.live.set(uid, ref)
      const uids = (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter(Boolean)
      if (uids.length) this.owners.set(key, { ...ref, uids })
      for (const owner of uids) this.dependents.set(owner, (this.dependents.get(owner) ?? new Set()).add(key))
      if (isDeleting(o) && hasFinalizer(o, FOREGROUND, ORPHAN))
        this.ctx.loop.enqueue(`gc-owner:${uid}`, () => this.finalize(uid))
      if (uids.some((u) => !this.live.has(u)))
        this.ctx.loop.enqueue(`gc-dangling:${key}`, () => this.collectDependent(key))
    }
    // A dependent that went may be what a foreground deletion was waiting for.
    if (e.type === 'DELETED')
      for (const owner of (o.metadata.ownerReferences ?? []).map((r) => r.uid))
        this.ctx.loop.enqueue(`gc-owner:${owner}`, () => this.finalize(owner))
  }

  resync(): void {
    for (const res of this.ctx.store.resources()) {
      for (const object of this.ctx.store.list(res).items) this.onEvent({ type: 'ADDED', res, object, rv: 0 })
    }
  }

  /** The owner `uid` is gone: collect each of its dependents. */
  private collect(uid: string): void {
    for (const key of [...(this.dependents.get(uid) ?? [])]) this.collectDependent(key)
    if (!this.live.has(uid)) this.dependents.delete(uid)
  }

  /** Deletes a dependent whose owners are all gone, or drops its references to the gone ones. */
  private collectDependent(key: string): void {
    const dep = this.owners.get(key)
    if (!dep) return
    const gone = dep.uids.filter((u) => !this.live.has(u))
    if (!gone.length) return
    if (gone.length === dep.uids.length) return deleteIfPresent(this.ctx.store, dep.res, dep.namespace, dep.name)
    mutate(this.ctx.store, dep.res, dep.namespace, dep.name, (o) => {
      o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => !gone.includes(r.uid))
    })
  }

  /** An owner being deleted in the foreground or with orphaning: act on its dependents, then let it go. */
  private finalize(uid: string): void {
    const ref = this.live.get(uid)
    const owner = ref && this.ctx.store.get(ref.res, ref.namespace, ref.name)
    if (!ref || !owner || !isDeleting(owner) || !hasFinalizer(owner, FOREGROUND, ORPHAN)) return
    const deps = [...(this.dependents.get(uid) ?? [])].map((k) => this.owners.get(k)!).filter(Boolean)
    if (hasFinalizer(owner, ORPHAN)) {
      for (const d of deps) {
        mutate(this.ctx.store, d.res, d.namespace, d.name, (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid)
          if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences
        })
      }
      return this.removeFinalizer(ref, ORPHAN)
    }
    if (!deps.length) return this.removeFinalizer(ref, FOREGROUND)
    for (const d of deps) this.deleteForeground(d)
  }

  /** Deletes a dependent; one with dependents of its own is deleted in the foreground too. */
  private deleteForeground(d: Ref): void {
    const current = this.ctx.store.get(d.res, d.namespace, d.name)
    if (!current || isDeleting(current)) return
    if (this.dependents.get(current.metadata.uid!)?.size) {
      mutate(this.ctx.store, d.res, d.namespace, d.name, (o) => {
        o.metadata.finalizers = [...(o.metadata.finalizers ?? []), FOREGROUND]
      })
    }
    deleteIfPresent(this.ctx.store, d.res, d.namespace, d.name)
  }

  private removeFinalizer(ref: Ref, finalizer: string): void {
    mutate(this.ctx.store, ref.res, ref.namespace, ref.name, (o) => {
      if (!o.metadata.finalizers?.includes(finalizer)) return false
      o.metadata.finalizers = o.metadata.finalizers.filter((f) => f !== finalizer)
    })
  }
}

const depKey = (res: ResourceId, o: KObject) => `${resKey(res)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`
const hasFinalizer = (o: KObject, ...names: string[]) => (o.metadata.finalizers ?? []).some((f) => names.includes(f))
