// Which resources exist right now: the built-ins, plus every served version of every CRD in the
// store. A CRD is served as soon as it is created (the controllers set Established; real tools
// poll for that themselves) and stops being served once it is gone from the store.
import type { KObject, ResourceId, Store } from '../store.ts'
import { builtinGroupOrder, builtinResources } from './builtins.ts'
import type { GroupInfo, ResourceDef, SubresourceDef } from './resources.ts'

export type { GroupInfo, PrinterColumn, ResourceDef, SubresourceDef } from './resources.ts'

export const CRDS: ResourceId = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }

export const idOf = (def: { group: string; resource: string }): ResourceId => ({
  group: def.group,
  resource: def.resource,
})
export const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version)

export class Registry {
  /** each CRD's served resources, with the generation they were read from */
  private readonly crds = new Map<string, { generation?: number; defs: ResourceDef[] }>()
  private crdCache: ResourceDef[] | undefined
  private readonly unsubscribe: () => void

  constructor(store: Store) {
    // Each CRD is read from its own event, and again only when its spec changes (its generation moves),
    // not on the status writes that follow: the store is never listed for it, as a CRD can be 400 KB.
    for (const crd of store.list(CRDS).items) this.noteCrd(crd)
    this.unsubscribe = store.onAny((e) => {
      if (e.res.group !== CRDS.group || e.res.resource !== CRDS.resource) return
      const { name, generation } = e.object.metadata
      // a status write leaves the spec, and so the generation, as it was
      if (e.type === 'MODIFIED' && this.crds.get(name)?.generation === generation) return
      if (e.type === 'DELETED') this.crds.delete(name)
      else this.noteCrd(e.object)
      this.crdCache = undefined
    })
  }

  private noteCrd(crd: KObject): void {
    this.crds.set(crd.metadata.name, { generation: crd.metadata.generation, defs: crdToResources(crd) })
  }

  stop(): void {
    this.unsubscribe()
  }

  /** Every served resource, built-ins first. */
  all(): ResourceDef[] {
    return [...builtinResources, ...this.crdResources()]
  }

  find(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.all().find((r) => r.group === group && r.version === version && r.resource === resource)
  }

  /** Any served version of a group/kind (admission and owner lookups need no version). */
  findKind(group: string, kind: string): ResourceDef | undefined {
    return this.all().find((r) => r.group === group && r.kind === kind)
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return this.all().filter((r) => r.group === group && r.version === version)
  }

  /** The API groups (not the core group ''), in the order discovery lists them. */
  groups(): GroupInfo[] {
    const out: GroupInfo[] = []
    const order = [...builtinGroupOrder, ...this.crdResources().map((r) => r.group)]
    for (const group of new Set(order)) {
      if (group === '') continue
      out.push({ group, versions: this.versionsOf(group) })
    }
    return out
  }

  versionsOf(group: string): string[] {
    const seen: string[] = []
    for (const r of this.all()) if (r.group === group && !seen.includes(r.version)) seen.push(r.version)
    return seen
  }

  private crdResources(): ResourceDef[] {
    // in the store's order (by name), as a list of them would give
    this.crdCache ??= [...this.crds.keys()].sort((a, b) => a.localeCompare(b)).flatMap((n) => this.crds.get(n)!.defs)
    return this.crdCache
  }
}

/** The served versions of one CRD, storage version first (that is the preferred one). */
function crdToResources(crd: KObject): ResourceDef[] {
  const spec = crd.spec ?? {}
  const names = spec.names ?? {}
  if (!spec.group || !names.plural || !names.kind) return []
  const versions: any[] = (spec.versions ?? []).filter((v: any) => v.served !== false)
  versions.sort((a, b) => Number(!!b.storage) - Number(!!a.storage))
  return versions.map((v) => ({
    group: spec.group,
    version: v.name,
    resource: names.plural,
    kind: names.kind,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    subresources: crdSubresources(spec.group, v, names.kind),
    columns: v.additionalPrinterColumns ?? [],
    custom: true,
  }))
}

function crdSubresources(group: string, version: any, kind: string): SubresourceDef[] {
  const out: SubresourceDef[] = []
  const sub = version.subresources ?? {}
  if (sub.status) out.push({ name: 'status', kind, group, version: version.name, verbs: ['get', 'patch', 'update'] })
  if (sub.scale)
    out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] })
  return out
}
