// Small shared vocabulary of the controllers: resource ids, timestamps as the apiserver writes them,
// owner references, label selectors, conditions, pod predicates and the name/hash helpers.
import { randomBytes } from 'node:crypto'
import type { KObject, OwnerReference, ResourceId } from '../store.ts'

export const R = {
  namespaces: { group: '', resource: 'namespaces' },
  nodes: { group: '', resource: 'nodes' },
  pods: { group: '', resource: 'pods' },
  services: { group: '', resource: 'services' },
  endpoints: { group: '', resource: 'endpoints' },
  events: { group: '', resource: 'events' },
  secrets: { group: '', resource: 'secrets' },
  configmaps: { group: '', resource: 'configmaps' },
  serviceaccounts: { group: '', resource: 'serviceaccounts' },
  pvcs: { group: '', resource: 'persistentvolumeclaims' },
  pvs: { group: '', resource: 'persistentvolumes' },
  deployments: { group: 'apps', resource: 'deployments' },
  replicasets: { group: 'apps', resource: 'replicasets' },
  statefulsets: { group: 'apps', resource: 'statefulsets' },
  daemonsets: { group: 'apps', resource: 'daemonsets' },
  controllerrevisions: { group: 'apps', resource: 'controllerrevisions' },
  jobs: { group: 'batch', resource: 'jobs' },
  endpointslices: { group: 'discovery.k8s.io', resource: 'endpointslices' },
  storageclasses: { group: 'storage.k8s.io', resource: 'storageclasses' },
  crds: { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
} satisfies Record<string, ResourceId>

export const is = (res: ResourceId, id: ResourceId) => res.group === id.group && res.resource === id.resource

/** `metav1.Time`: RFC 3339 with whole seconds. */
export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

export const keyOf = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`

/** The ownerReference a controller puts on what it creates. */
export function controllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  }
}

export function controllerOf(o: KObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller)
}

export const isOwnedBy = (o: KObject, owner: KObject) => controllerOf(o)?.uid === owner.metadata.uid

export const isDeleting = (o: KObject) => Boolean(o.metadata.deletionTimestamp)

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

/** Does `selector` select `labels`? An empty selector selects everything, as in the API. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = e.key in labels
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key])
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key])
        case 'Exists':
          return has
        case 'DoesNotExist':
          return !has
        default:
          return false
      }
    })
  )
}

export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastTransitionTime?: string
  lastUpdateTime?: string
  lastProbeTime?: null
  [key: string]: unknown
}

export const findCondition = (conditions: Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type)

/**
 * Sets a condition the way the controllers do: lastTransitionTime moves only when the status
 * flips, so rewriting the same condition leaves the object byte-identical (and the store quiet).
 * `touch` also moves lastUpdateTime (the Deployment's progress clock).
 */
export interface ConditionInput {
  type: string
  status: Condition['status']
  reason?: string
  message?: string
  lastProbeTime?: null
}

export function setCondition(
  conditions: Condition[],
  want: ConditionInput,
  opts: { touch?: boolean; withUpdateTime?: boolean } = {},
): Condition[] {
  const old = findCondition(conditions, want.type)
  const time = now()
  const same = old && old.status === want.status && old.reason === want.reason && old.message === want.message
  const next: Condition = {
    ...want,
    ...(opts.withUpdateTime ? { lastUpdateTime: same && !opts.touch ? (old.lastUpdateTime ?? time) : time } : {}),
    lastTransitionTime: old && old.status === want.status ? (old.lastTransitionTime ?? time) : time,
  }
  return old ? conditions.map((c) => (c.type === want.type ? next : c)) : [...conditions, next]
}

export const isPodReady = (pod: KObject) => findCondition(pod.status?.conditions, 'Ready')?.status === 'True'
export const isPodTerminal = (pod: KObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
/** Ready for at least minReadySeconds (availability as the workload controllers count it). */
export function isPodAvailable(pod: KObject, minReadySeconds = 0, at = Date.now()): boolean {
  if (!isPodReady(pod)) return false
  if (!minReadySeconds) return true
  const since = Date.parse(findCondition(pod.status?.conditions, 'Ready')?.lastTransitionTime ?? '')
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= at
}

/** The alphabet Kubernetes uses for generated name suffixes and hashes (no vowels, no look-alikes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789'

export function randomSuffix(length = 5): string {
  return [...randomBytes(length)].map((b) => SAFE[b % SAFE.length]).join('')
}

/** A template hash: FNV-1a (32 bit) over a canonical JSON, its decimal digits spelled in SAFE. */
export function templateHash(value: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5
  const text = canonicalJson(value) + (collisionCount ? String(collisionCount) : '')
  for (const byte of Buffer.from(text)) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return [...String(h)].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join('')
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** `intstr` values: 3, "25%" of `total`, rounded up or down. */
export function scaledValue(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  fallback: number | string,
): number {
  const v = value ?? fallback
  if (typeof v === 'number') return v
  const pct = /^(\d+)%$/.exec(v)
  if (!pct) return Number.parseInt(v, 10) || 0
  const exact = (Number(pct[1]) * total) / 100
  return roundUp ? Math.ceil(exact) : Math.floor(exact)
}
