// How controllers write: read-modify-write with the object's resourceVersion (retried on Conflict),
// status through the status subresource, and creates refused in a namespace that is going away
// (as the NamespaceLifecycle admission plugin refuses them).
import { ApiError, type KObject, type ResourceId, type Store } from '../store.ts'
import { R } from './objects.ts'

/**
 * Re-reads the object, lets `change` edit it (return false to skip) and writes it with the
 * resourceVersion it read, retrying on Conflict. Returns the stored object, or undefined if gone.
 */
export function mutate(
  store: Store,
  res: ResourceId,
  namespace: string | undefined,
  name: string,
  /** false: nothing to write; anything else (true, or nothing returned): write */
  // biome-ignore lint/suspicious/noConfusingVoidType: the callers' changes return nothing when they changed something
  change: (o: KObject) => boolean | void,
): KObject | undefined {
  for (let attempt = 0; ; attempt++) {
    const current = store.get(res, namespace, name)
    if (!current) return undefined
    if (change(current) === false) return current
    try {
      return store.update(res, current)
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'Conflict') || attempt >= 5) throw err
    }
  }
}

/**
 * Writes `status` through the status subresource. The controller computed it from a fresh read
 * and is its only writer, so no resourceVersion precondition: the latest computation wins.
 * A status equal to the stored one is a no-op in the store (no event, no resourceVersion bump).
 */
export function writeStatus(store: Store, res: ResourceId, obj: KObject, status: unknown): KObject | undefined {
  const { resourceVersion: _rv, ...metadata } = obj.metadata
  try {
    return store.update(res, { ...obj, metadata, status }, { subresource: 'status' })
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined
    throw err
  }
}

/** Creates an object in a namespace, refused (403) while that namespace is terminating or absent. */
export function createIn(store: Store, res: ResourceId, obj: KObject): KObject {
  const namespace = obj.metadata.namespace
  if (namespace) {
    const ns = store.get(R.namespaces, undefined, namespace)
    if (!ns) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`)
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      )
    }
  }
  return store.create(res, obj)
}

/** Creates with a generated `<prefix><5 chars>` name, picking another suffix on a clash. */
export function createGenerated(store: Store, res: ResourceId, obj: KObject, suffix: () => string): KObject {
  for (let attempt = 0; ; attempt++) {
    const name = `${obj.metadata.generateName}${suffix()}`
    try {
      return createIn(store, res, { ...obj, metadata: { ...obj.metadata, name } })
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists') || attempt >= 5) throw err
    }
  }
}

/** Deletes, treating "already gone" as done. */
export function deleteIfPresent(store: Store, res: ResourceId, namespace: string | undefined, name: string): void {
  try {
    store.delete(res, namespace, name)
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err
  }
}
