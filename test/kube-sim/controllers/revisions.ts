// ControllerRevisions, as StatefulSets and DaemonSets keep them: one per pod template
// (`<owner>-<hash>`, label controller.kubernetes.io/hash), numbered; a template that comes back
// gets the next number again; old unused ones pruned beyond revisionHistoryLimit.
import type { KObject } from '../store.ts'
import type { Ctx } from './context.ts'
import { controllerRef, isOwnedBy, R, templateHash } from './objects.ts'
import { createIn, deleteIfPresent, mutate } from './writes.ts'

export const HASH_LABEL = 'controller.kubernetes.io/hash'

export interface Revision {
  name: string
  hash: string
  number: number
}

/** The revision of the owner's current template, created or renumbered as needed. */
export function ensureRevision(ctx: Ctx, owner: KObject): Revision {
  const hash = templateHash(owner.spec?.template, owner.status?.collisionCount ?? 0)
  const name = `${owner.metadata.name}-${hash}`
  const owned = ownedRevisions(ctx, owner)
  const max = Math.max(0, ...owned.map((r) => r.revision ?? 0))
  const existing = owned.find((r) => r.metadata.name === name)
  if (existing) {
    const isLatest = (existing.revision ?? 0) === max
    if (!isLatest)
      mutate(ctx.store, R.controllerrevisions, existing.metadata.namespace, name, (r) => {
        r.revision = max + 1
      })
    return { name, hash, number: isLatest ? max : max + 1 }
  }
  createIn(ctx.store, R.controllerrevisions, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...owner.spec?.selector?.matchLabels, [HASH_LABEL]: hash },
      ownerReferences: [controllerRef(owner)],
    },
    data: { spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: 'replace' } } },
    revision: max + 1,
  })
  return { name, hash, number: max + 1 }
}

/** The pod template a revision recorded (for pods that stay at the current revision). */
export function revisionTemplate(ctx: Ctx, namespace: string, name: string): any | undefined {
  const rev = ctx.store.get(R.controllerrevisions, namespace, name)
  if (!rev) return undefined
  const { $patch: _patch, ...template } = rev.data?.spec?.template ?? {}
  return template
}

/** Deletes the oldest revisions beyond revisionHistoryLimit, never one still in use. */
export function pruneRevisions(ctx: Ctx, owner: KObject, inUse: Set<string>): void {
  const limit = owner.spec?.revisionHistoryLimit ?? 10
  const unused = ownedRevisions(ctx, owner)
    .filter((r) => !inUse.has(r.metadata.name))
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
  for (const r of unused.slice(0, Math.max(0, unused.length - limit)))
    deleteIfPresent(ctx.store, R.controllerrevisions, r.metadata.namespace, r.metadata.name)
}

function ownedRevisions(ctx: Ctx, owner: KObject): KObject[] {
  return ctx.store.list(R.controllerrevisions, owner.metadata.namespace).items.filter((r) => isOwnedBy(r, owner))
}
