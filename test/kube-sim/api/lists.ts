// How the built-in types' lists merge, by field name, as their Go struct tags say
// (patchStrategy/patchMergeKey, listType/listMapKeys): the knowledge strategic merge patch and
// server-side apply share. Custom resources have no struct tags here, so their lists are atomic,
// except in metadata, which is ObjectMeta for every kind.

export type ListKind =
  /** merged by the value of these keys (SMP patchMergeKey is the first) */
  | { type: 'map'; keys: string[] }
  /** a set of primitives, merged by value */
  | { type: 'set' }
  /** replaced as a whole */
  | { type: 'atomic' }

const byName: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  resourceClaims: ['name'],
  readinessGates: ['conditionType'],
  containerStatuses: ['name'],
  initContainerStatuses: ['name'],
  // Mutating/ValidatingWebhookConfiguration: a cainjector or certgen owns only each webhook's caBundle
  webhooks: ['name'],
}

/**
 * The kind of list at `path` (field names from the object root, e.g. ['spec','template','spec',
 * 'containers']), looking at its items where the struct differs by context (ports).
 */
export function listKind(path: string[], items: unknown[], custom: boolean): ListKind {
  const field = path[path.length - 1]
  const inMetadata = path.length === 2 && path[0] === 'metadata'
  if (inMetadata && field === 'finalizers') return { type: 'set' }
  if (inMetadata && field === 'ownerReferences') return { type: 'map', keys: ['uid'] }
  if (custom) return { type: 'atomic' }
  if (field === 'ports') return portKeys(path, items)
  const keys = byName[field]
  return keys ? { type: 'map', keys } : { type: 'atomic' }
}

/** Container ports merge by containerPort(+protocol), Service ports by port(+protocol). */
function portKeys(path: string[], items: unknown[]): ListKind {
  const containerish =
    path.includes('containers') ||
    path.includes('initContainers') ||
    items.some((i) => typeof i === 'object' && i !== null && 'containerPort' in i)
  return { type: 'map', keys: containerish ? ['containerPort', 'protocol'] : ['port', 'protocol'] }
}

/** The identity of a list item: its key fields (protocol defaults to TCP, as the server does). */
export function itemKey(item: unknown, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (typeof item !== 'object' || item === null) return out
  for (const k of keys) {
    const v = (item as any)[k]
    if (v !== undefined) out[k] = v
    else if (k === 'protocol') out[k] = 'TCP'
  }
  return out
}

export const sameKey = (a: unknown, b: unknown, keys: string[]) =>
  JSON.stringify(itemKey(a, keys)) === JSON.stringify(itemKey(b, keys))
