// The scheduler's decision for one pod, as a pure function of the pod and the nodes: an explicit
// node (a DaemonSet pod's node affinity), else the nodes its nodeSelector allows, round-robin.
import type { KObject } from '../store.ts'

export type Placement = { node: KObject } | { reason: 'Unschedulable'; message: string }

/**
 * `lacking`: what no node has room for (a test's fault: the sim keeps no account of requests);
 * `unboundClaims`: a PersistentVolumeClaim of the pod will not be bound (no class to provision it).
 */
export function place(
  pod: KObject,
  nodes: KObject[],
  turn: number,
  opts: { lacking?: ('cpu' | 'memory')[]; unboundClaims?: boolean } = {},
): Placement {
  const total = nodes.length
  if (opts.unboundClaims)
    return unschedulable(
      `0/${total} nodes are available: pod has unbound immediate PersistentVolumeClaims. ` +
        `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
    )
  if (opts.lacking?.length)
    return unschedulable(
      `0/${total} nodes are available: ${opts.lacking.map((r) => `${total} Insufficient ${r}`).join(', ')}. ` +
        `preemption: 0/${total} nodes are available: ${total} No preemption victims found for incoming pod.`,
    )
  const pinned = pinnedNode(pod)
  const selector: Record<string, string> = pod.spec?.nodeSelector ?? {}
  const fits = nodes.filter(
    (n) =>
      (!pinned || n.metadata.name === pinned) &&
      Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v),
  )
  if (!total) return unschedulable('no nodes available to schedule pods')
  if (!fits.length)
    return unschedulable(
      `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. ` +
        `preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
    )
  return { node: fits[turn % fits.length] }
}

/** The node a `matchFields: metadata.name In [node]` affinity pins the pod to (DaemonSet pods). */
export function pinnedNode(pod: KObject): string | undefined {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
  for (const term of terms) {
    for (const f of term.matchFields ?? [])
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length) return f.values[0]
  }
  return undefined
}

function unschedulable(message: string): Placement {
  return { reason: 'Unschedulable', message }
}
