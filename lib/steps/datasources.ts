// Grafana's datasource provisioning as its sidecar sees it: every ConfigMap and Secret with the
// sidecar's label in the namespace, each data entry a provisioning file. Grafana refuses the
// whole set when two datasources share a name or more than one is the default, so the set is
// checked as a whole, not file by file. Each datasource is then followed to the cluster: a URL is
// only as good as the Service it names, in the namespace it names.
import { YAML } from 'zx'
import { parseUrl, serviceOfUrl, type ServiceTarget } from '../core/services.ts'
import type { ServicePort } from '../core/stack.ts'
import type { KubeObject } from '../tools/kubectl.ts'
import type { Check } from '../ui/report.ts'

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

/** The Services and EndpointSlices of one namespace, as read for the datasources naming it. */
export interface NamespaceServices {
  services: KubeObject[]
  endpointSlices: KubeObject[]
  /** why they could not be read (e.g. not allowed to list them there) */
  unreadable?: string
}

/** What the checks expect: Grafana's namespace (a bare host's), and the stack's, which holds its backends. */
export interface DatasourceExpectations {
  grafanaNamespace: string
  stackNamespace: string
  backends: readonly { title: string; type: string; service: ServicePort }[]
}

/** Every namespace a datasource's host names, each once: where its Services are read. */
export function namespacesOf(datasources: ProvisionedDatasource[], grafanaNamespace: string): string[] {
  const named = datasources.flatMap((d) => {
    const url = d.url === undefined ? undefined : parseUrl(d.url)
    const target = url && serviceOfUrl(url, grafanaNamespace)
    return target ? [target.namespace] : []
  })
  return [...new Set(named)]
}

/**
 * Each datasource followed to the cluster: its URL's host names a Service that exists, has the port
 * and has ready endpoints; a host outside the cluster is not checked. Each of the stack's backends
 * needs a datasource of its type at its Service in the stack's namespace (seed §2.2), else that
 * type's datasources fail saying where they should point, or a check says it is missing.
 */
export function datasourceChecks(
  datasources: ProvisionedDatasource[],
  cluster: Record<string, NamespaceServices>,
  expect: DatasourceExpectations,
): Check[] {
  const targets = datasources.map((d) => {
    const url = d.url === undefined ? undefined : parseUrl(d.url)
    return url && serviceOfUrl(url, expect.grafanaNamespace)
  })
  const ours = (b: DatasourceExpectations['backends'][number], t: ServiceTarget | undefined) =>
    t?.namespace === expect.stackNamespace && t.service === b.service.name && t.port === b.service.port
  const unserved = expect.backends.filter((b) => !datasources.some((d, i) => d.type === b.type && ours(b, targets[i])))
  const seen = new Map<string, number>()
  const checks = datasources.map((d, i): Check => {
    // a name twice (its own ❌ below) still gives each datasource its own id
    const base = `datasource/${d.name.toLowerCase()}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    const id = n === 1 ? base : `${base}-${n}`
    const where = `${d.url ?? 'no url'}, ${d.source}`
    const reached = reach(d, targets[i], cluster)
    const backend = unserved.find((b) => b.type === d.type)
    const want =
      backend && `want service ${backend.service.name}:${backend.service.port} in namespace ${expect.stackNamespace}`
    const ok = reached.ok && !want
    return {
      id,
      group: 'datasources',
      title: `${d.name} datasource`,
      ok,
      detail: `${[reached.detail, want].filter(Boolean).join('; ')} (${where})`,
      hint: ok ? undefined : fixHint(reached.ok, expect.stackNamespace),
    }
  })
  for (const b of unserved.filter((b) => !datasources.some((d) => d.type === b.type)))
    checks.push({
      id: `datasource/${b.type}`,
      group: 'datasources',
      title: `${b.title} datasource`,
      ok: false,
      detail: `missing: no datasource of type ${b.type}`,
      hint: 'check grafana-values.yaml (grafana.additionalDataSources) and re-run scripts/02-lgtm.mts',
    })
  return checks
}

function fixHint(reached: boolean, namespace: string): string {
  return reached
    ? `point it at the stack in namespace ${namespace} (values/grafana-values.yaml, or --namespace), then run` +
        ' scripts/02-lgtm.mts'
    : `point it at a Service that serves (kubectl get services,endpointslices -n <its namespace>), or install what` +
        ` it names; the stack's are in namespace ${namespace}`
}

/** Where a datasource's URL leads: `→ service loki:3100 in namespace monitoring, 1 ready endpoint`, or why not. */
function reach(
  d: ProvisionedDatasource,
  target: ServiceTarget | undefined,
  cluster: Record<string, NamespaceServices>,
): { ok: boolean; detail: string } {
  if (d.url === undefined) return { ok: true, detail: 'no URL: not checked' }
  if (!parseUrl(d.url)) return { ok: false, detail: `"${d.url}" is not a URL` }
  if (!target) return { ok: true, detail: 'not a Service of the cluster: not checked' }
  const judged = judgeService(target, cluster[target.namespace])
  return { ok: judged.ok, detail: `→ service ${target.service} in namespace ${target.namespace}: ${judged.detail}` }
}

/**
 * A Service as a client in the cluster meets it: there, with the port, with ready endpoints
 * (EndpointSlices of the Service whose port carries the Service port's name; `ready` unset means ready).
 */
export function judgeService(
  target: ServiceTarget,
  ns: NamespaceServices | undefined,
): { ok: boolean; detail: string } {
  if (ns?.unreadable) return { ok: false, detail: `could not be read: ${ns.unreadable}` }
  const svc = ns?.services.find((s) => s.metadata.name === target.service)
  if (!svc) return { ok: false, detail: 'not found' }
  if (svc.spec?.type === 'ExternalName')
    return { ok: true, detail: `an ExternalName for ${svc.spec.externalName}: not followed` }
  const ports: { name?: string; port: number }[] = svc.spec?.ports ?? []
  const port = ports.find((p) => p.port === target.port)
  if (!port)
    return {
      ok: false,
      detail: `no port ${target.port}${ports.length ? ` (it has ${ports.map((p) => p.port).join(', ')})` : ''}`,
    }
  const endpoints = (ns?.endpointSlices ?? [])
    .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === target.service)
    .filter((s) =>
      ((s.ports as { name?: string }[] | undefined) ?? []).some((p) => (p.name ?? '') === (port.name ?? '')),
    )
    .flatMap((s) => (s.endpoints as { addresses?: string[]; conditions?: { ready?: boolean } }[] | undefined) ?? [])
  const ready = endpoints.filter((e) => e.conditions?.ready !== false).length
  if (!ready)
    return {
      ok: false,
      detail: `no ready endpoints on port ${target.port}${endpoints.length ? ` (${endpoints.length} not ready)` : ''}`,
    }
  return { ok: true, detail: `port ${target.port}, ${ready} ready endpoint${ready === 1 ? '' : 's'}` }
}

/** The set as Grafana loads it: names unique, exactly one default. */
export function checkDatasourceSet(datasources: ProvisionedDatasource[]) {
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
  return { unique, oneDefault }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
