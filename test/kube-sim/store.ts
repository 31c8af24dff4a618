// The simulator's object store: every object of every resource, one global resourceVersion,
// watch events with a bounded history so a watch can resume from a recent resourceVersion.
// The HTTP layer (api) and the controllers (workloads, namespaces, GC, …) both go through it,
// so every change a controller makes is seen by watches exactly as a real apiserver shows it.
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'

/** A resource, version-independent: `{ group: 'apps', resource: 'deployments' }`; core group is ''. */
export interface ResourceId {
  group: string
  resource: string
}

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  generateName?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: string[]
  ownerReferences?: OwnerReference[]
  managedFields?: unknown[]
  [key: string]: unknown
}

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface KObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  spec?: any
  status?: any
  [key: string]: any
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  type: WatchEventType
  res: ResourceId
  object: KObject
  /** the global resourceVersion this event produced */
  rv: number
}

/** A Kubernetes-style failure; the HTTP layer turns it into a `Status` body with this code. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }
}

export const resKey = (res: ResourceId) => (res.group ? `${res.resource}.${res.group}` : res.resource)
const objKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`
const clone = <T>(v: T): T => structuredClone(v)

export interface WriteOptions {
  /** server-side dry-run: validate and return what would be stored, store nothing */
  dryRun?: boolean
  /** a status-subresource write: only `.status` changes, generation does not move */
  subresource?: 'status'
}

export class Store {
  private rv = 1
  private readonly data = new Map<string, Map<string, KObject>>()
  private readonly history: StoreEvent[] = []
  private readonly events = new EventEmitter().setMaxListeners(0)

  constructor(private readonly historyLimit = 5000) {}

  get resourceVersion(): string {
    return String(this.rv)
  }

  get(res: ResourceId, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.bucket(res).get(objKey(namespace, name))
    return obj && clone(obj)
  }

  /**
   * Objects of a resource, in one namespace or all (`namespace` undefined), sorted by ns/name; with
   * `where`, only those it accepts, asked before they are copied (it reads the stored object: it must
   * not change it).
   */
  list(
    res: ResourceId,
    namespace?: string,
    where?: (stored: Readonly<KObject>) => boolean,
  ): { items: KObject[]; resourceVersion: string } {
    const items = [...this.bucket(res).values()]
      .filter((o) => (namespace === undefined || o.metadata.namespace === namespace) && (!where || where(o)))
      .sort((a, b) =>
        objKey(a.metadata.namespace, a.metadata.name).localeCompare(objKey(b.metadata.namespace, b.metadata.name)),
      )
      .map(clone)
    return { items, resourceVersion: this.resourceVersion }
  }

  create(res: ResourceId, input: KObject, opts: WriteOptions = {}): KObject {
    const obj = clone(input)
    const meta = obj.metadata
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomUUID().slice(0, 5)
    if (!meta.name)
      throw new ApiError(
        422,
        'Invalid',
        `${obj.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      )
    const key = objKey(meta.namespace, meta.name)
    if (this.bucket(res).has(key)) {
      throw new ApiError(409, 'AlreadyExists', `${resKey(res)} "${meta.name}" already exists`, {
        name: meta.name,
        group: res.group,
        kind: res.resource,
      })
    }
    meta.uid = randomUUID()
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    meta.generation = 1
    delete meta.deletionTimestamp
    if (opts.dryRun) return { ...obj, metadata: { ...meta, resourceVersion: this.resourceVersion } }
    meta.resourceVersion = String(++this.rv)
    this.bucket(res).set(key, obj)
    this.emit({ type: 'ADDED', res, object: clone(obj), rv: this.rv })
    return clone(obj)
  }

  /**
   * Replaces an object. A non-empty `metadata.resourceVersion` in the input must match the stored
   * one (409 Conflict otherwise), as optimistic concurrency works in a real apiserver.
   */
  update(res: ResourceId, input: KObject, opts: WriteOptions = {}): KObject {
    const { namespace, name } = input.metadata
    const current = this.bucket(res).get(objKey(namespace, name))
    if (!current) throw notFound(res, name)
    const want = input.metadata.resourceVersion
    if (want && want !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resKey(res)} "${name}": the object has been modified; ` +
          'please apply your changes to the latest version and try again',
        { name, group: res.group, kind: res.resource },
      )
    }
    const next: KObject =
      opts.subresource === 'status' ? { ...clone(current), status: clone(input.status) } : clone(input)
    // Fields the server owns are never taken from the client.
    const meta = next.metadata
    meta.uid = current.metadata.uid
    meta.creationTimestamp = current.metadata.creationTimestamp
    meta.deletionTimestamp = current.metadata.deletionTimestamp
    if (!meta.deletionTimestamp) delete meta.deletionTimestamp
    if (opts.subresource !== 'status' && current.status !== undefined && next.status === undefined)
      next.status = clone(current.status)
    const specChanged = JSON.stringify(stripVolatile(current)) !== JSON.stringify(stripVolatile(next))
    meta.generation = (current.metadata.generation ?? 1) + (opts.subresource !== 'status' && specChanged ? 1 : 0)
    if (opts.dryRun) return { ...next, metadata: { ...meta, resourceVersion: current.metadata.resourceVersion } }
    const unchanged =
      JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...next, metadata: { ...meta, resourceVersion: '' } })
    if (unchanged) return clone(current) // a no-op write does not bump resourceVersion, as in a real apiserver
    meta.resourceVersion = String(++this.rv)
    this.bucket(res).set(objKey(namespace, name), next)
    // An object marked for deletion whose last finalizer was just removed goes away now.
    if (meta.deletionTimestamp && !pendingFinalizers(res, next)) return this.remove(res, next)
    this.emit({ type: 'MODIFIED', res, object: clone(next), rv: this.rv })
    return clone(next)
  }

  /**
   * Deletes an object: with finalizers it is only marked (deletionTimestamp set, MODIFIED);
   * without, it is removed (DELETED). Returns the object as last seen.
   */
  delete(res: ResourceId, namespace: string | undefined, name: string, opts: WriteOptions = {}): KObject {
    const current = this.bucket(res).get(objKey(namespace, name))
    if (!current) throw notFound(res, name)
    if (opts.dryRun) return clone(current)
    if (pendingFinalizers(res, current)) {
      if (current.metadata.deletionTimestamp) return clone(current)
      const marked = clone(current)
      marked.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      marked.metadata.deletionGracePeriodSeconds = 0
      marked.metadata.resourceVersion = String(++this.rv)
      this.bucket(res).set(objKey(namespace, name), marked)
      this.emit({ type: 'MODIFIED', res, object: clone(marked), rv: this.rv })
      return clone(marked)
    }
    return this.remove(res, current)
  }

  /**
   * Calls `listener` for every event on `res` (optionally one namespace) after `sinceRv`
   * (replayed from history first), then live. Throws 410 Gone when `sinceRv` is older than
   * the history kept. Returns the function that stops the watch.
   */
  watch(
    res: ResourceId,
    namespace: string | undefined,
    sinceRv: number | undefined,
    listener: (e: StoreEvent) => void,
  ): () => void {
    const matches = (e: StoreEvent) =>
      resKey(e.res) === resKey(res) && (namespace === undefined || e.object.metadata.namespace === namespace)
    if (sinceRv !== undefined && sinceRv < this.rv) {
      const oldest = this.history[0]?.rv ?? this.rv + 1
      if (sinceRv + 1 < oldest)
        throw new ApiError(410, 'Expired', `too old resource version: ${sinceRv} (${oldest - 1})`)
      for (const e of this.history) if (e.rv > sinceRv && matches(e)) listener(e)
    }
    const live = (e: StoreEvent) => matches(e) && listener(e)
    this.events.on('event', live)
    return () => this.events.off('event', live)
  }

  /** Every event on every resource, live: what controllers subscribe to. */
  onAny(listener: (e: StoreEvent) => void): () => void {
    this.events.on('event', listener)
    return () => this.events.off('event', listener)
  }

  /** Every resource that has ever held an object (for GC and namespace termination). */
  resources(): ResourceId[] {
    return [...this.data.keys()].map((k) => {
      const dot = k.indexOf('.')
      return dot < 0 ? { group: '', resource: k } : { group: k.slice(dot + 1), resource: k.slice(0, dot) }
    })
  }

  private remove(res: ResourceId, obj: KObject): KObject {
    this.bucket(res).delete(objKey(obj.metadata.namespace, obj.metadata.name))
    const gone = clone(obj)
    gone.metadata.resourceVersion = String(++this.rv)
    this.emit({ type: 'DELETED', res, object: clone(gone), rv: this.rv })
    return gone
  }

  private emit(e: StoreEvent) {
    this.history.push(e)
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit)
    this.events.emit('event', e)
  }

  private bucket(res: ResourceId): Map<string, KObject> {
    const key = resKey(res)
    let b = this.data.get(key)
    if (!b) this.data.set(key, (b = new Map()))
    return b
  }
}

export function notFound(res: ResourceId, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${resKey(res)} "${name}" not found`, {
    name,
    group: res.group,
    kind: res.resource,
  })
}

/**
 * How many finalizers still hold an object: its metadata.finalizers plus, for a Namespace, its
 * spec.finalizers (`kubernetes`, which the namespace controller removes once the namespace is empty).
 */
function pendingFinalizers(res: ResourceId, obj: KObject): number {
  const namespaceFinalizers =
    res.group === '' && res.resource === 'namespaces' ? (obj.spec?.finalizers?.length ?? 0) : 0
  return (obj.metadata.finalizers?.length ?? 0) + namespaceFinalizers
}

/** What counts for `generation`: everything but metadata and status. */
function stripVolatile(o: KObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o
  return rest
}
