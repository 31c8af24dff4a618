// Grafana's datasource provisioning as its sidecar sees it: every ConfigMap and Secret with the
// sidecar's label in the namespace, each data entry a provisioning file. Grafana refuses the
// whole set when two datasources share a name or more than one is the default, so the set is
// checked as a whole, not file by file.
import { YAML } from 'zx'
import type { KubeObject } from '../tools/kubectl.ts'

export interface ProvisionedDatasource {
  name: string
  type?: string
  url?: string
  isDefault: boolean
  /** `configmap/kube-prometheus-stack-grafana-datasource (datasource.yaml)` */
  source: string
}

export interface DatasourceProblem {
  /** which check it breaks */
  check: 'present' | 'unique' | 'default' | 'parse'
  message: string
}

/** Reads every datasource from the labelled ConfigMaps and Secrets. Unreadable files are problems. */
export function collectDatasources(objects: KubeObject[]): {
  datasources: ProvisionedDatasource[]
  problems: DatasourceProblem[]
} {
  const datasources: ProvisionedDatasource[] = []
  const problems: DatasourceProblem[] = []
  for (const obj of objects) {
    const secret = obj.kind === 'Secret'
    for (const [key, raw] of Object.entries(obj.data ?? {})) {
      const source = `${secret ? 'secret' : 'configmap'}/${obj.metadata.name} (${key})`
      const text = secret ? Buffer.from(raw, 'base64').toString('utf8') : raw
      let doc: { datasources?: unknown[] } | null
      try {
        doc = YAML.parse(text)
      } catch (e) {
        problems.push({
          check: 'parse',
          message: `${source} is not valid YAML: ${(e as Error).message.split('\n')[0]}`,
        })
        continue
      }
      if (doc?.datasources !== undefined && !Array.isArray(doc.datasources)) {
        problems.push({ check: 'parse', message: `${source}: "datasources" must be a list` })
        continue
      }
      for (const ds of doc?.datasources ?? []) {
        const d = ds as { name?: unknown; type?: unknown; url?: unknown; isDefault?: unknown }
        if (typeof d?.name !== 'string') {
          problems.push({ check: 'parse', message: `${source} has a datasource without a name` })
          continue
        }
        datasources.push({
          name: d.name,
          type: str(d.type),
          url: str(d.url),
          isDefault: d.isDefault === true || d.isDefault === 'true',
          source,
        })
      }
    }
  }
  return { datasources, problems }
}

/**
 * The checks of seed §2.2: each expected datasource present with its type at its URL; names
 * unique; exactly one default. Returns one result per check, with the detail that explains it.
 */
export function checkDatasources(
  datasources: ProvisionedDatasource[],
  expected: { name: string; type: string; url: string }[],
) {
  const present = expected.map((want) => {
    const found = datasources.filter((d) => d.name === want.name)
    const exact = found.find((d) => d.type === want.type && d.url === want.url)
    const detail = exact
      ? `${want.url} (${exact.source})`
      : found.length
        ? 'found at ' +
          found.map((d) => `${d.url ?? 'no url'} type ${d.type ?? '?'} (${d.source})`).join(', ') +
          `, want ${want.url} type ${want.type}`
        : `missing; want ${want.url}: check grafana-values.yaml (grafana.additionalDataSources)` +
          ' and re-run scripts/02-lgtm.mts'
    return { name: want.name, ok: Boolean(exact), detail }
  })
  const byName = new Map<string, ProvisionedDatasource[]>()
  for (const d of datasources) byName.set(d.name, [...(byName.get(d.name) ?? []), d])
  const duplicates = [...byName.entries()].filter(([, list]) => list.length > 1)
  const unique = {
    ok: duplicates.length === 0,
    detail: duplicates.length
      ? duplicates
          .map(([name, list]) => `"${name}" ${list.length}× (${list.map((d) => d.source).join(', ')})`)
          .join('; ')
      : datasources.length
        ? `${datasources.length} datasources: ${datasources.map((d) => d.name).join(', ')}`
        : 'no datasources provisioned',
  }
  const defaults = datasources.filter((d) => d.isDefault)
  const oneDefault = {
    ok: defaults.length === 1,
    detail:
      defaults.length === 1
        ? `${defaults[0].name} (${defaults[0].source})`
        : defaults.length
          ? `${defaults.length} defaults: ` +
            defaults.map((d) => `${d.name} (${d.source})`).join(', ') +
            '; Grafana refuses more than one'
          : 'none is marked isDefault',
  }
  return { present, unique, oneDefault }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
