// Grafana's datasource provisioning as its sidecar sees it: every ConfigMap and Secret with the
// sidecar's label in the namespace, each data entry a provisioning file. Grafana refuses the
// whole set when two datasources share a name or more than one is the default, so the set is
// checked as a whole, not file by file. Each datasource is then followed to the cluster: a URL is
// only as good as the Service it names, in the namespace it names.
import { YAML } from '../core/zx.ts'
import { parseUrl, serviceOfUrl, type ServiceTarget } from '../core/services.ts'
import type { ServicePort } from '../core/stack.ts'
import { asIs, inBoth, type Text } from '../core/text.ts'
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
  message: Text
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
        const said = (e as Error).message.split('\n')[0]
        problems.push({
          check: 'parse',
          message: {
            en: `${source} is not valid YAML: ${said}`,
            ko: `${source}: 올바른 YAML이 아닙니다 — ${said}`,
          },
        })
        continue
      }
      if (doc?.datasources !== undefined && !Array.isArray(doc.datasources)) {
        const message = {
          en: `${source}: "datasources" must be a list`,
          ko: `${source}: "datasources"는 목록이어야 합니다`,
        }
        problems.push({ check: 'parse', message })
        continue
      }
      for (const ds of doc?.datasources ?? []) {
        const d = ds as { name?: unknown; type?: unknown; url?: unknown; isDefault?: unknown }
        if (typeof d?.name !== 'string') {
          const message = {
            en: `${source} has a datasource without a name`,
            ko: `${source}: 이름 없는 데이터소스가 있습니다`,
          }
          problems.push({ check: 'parse', message })
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
    const where = { en: `${d.url ?? 'no url'}, ${d.source}`, ko: `${d.url ?? 'URL 없음'}, ${d.source}` }
    const reached = reach(d, targets[i], cluster)
    const backend = unserved.find((b) => b.type === d.type)
    const service = backend && `${backend.service.name}:${backend.service.port}`
    const want = service && {
      en: `; want service ${service} in namespace ${expect.stackNamespace}`,
      ko: `; 필요한 것: ${expect.stackNamespace} 네임스페이스의 서비스 ${service}`,
    }
    const ok = reached.ok && !want
    return {
      id,
      group: 'datasources',
      title: { en: `${d.name} datasource`, ko: `${d.name} 데이터소스` },
      ok,
      detail: inBoth((l) => `${reached.detail[l]}${want ? want[l] : ''} (${where[l]})`),
      hint: ok ? undefined : fixHint(reached.ok, expect.stackNamespace),
    }
  })
  for (const b of unserved.filter((b) => !datasources.some((d) => d.type === b.type)))
    checks.push({
      id: `datasource/${b.type}`,
      group: 'datasources',
      title: { en: `${b.title} datasource`, ko: `${b.title} 데이터소스` },
      ok: false,
      detail: {
        en: `missing: no datasource of type ${b.type}`,
        ko: `없음: 타입이 ${b.type}인 데이터소스가 없습니다`,
      },
      hint: {
        en: 'check grafana-values.yaml (grafana.additionalDataSources) and re-run scripts/02-lgtm.mts',
        ko: `grafana-values.yaml(grafana.additionalDataSources)을 확인하고 \
scripts/02-lgtm.mts를 다시 실행하세요`,
      },
    })
  return checks
}

function fixHint(reached: boolean, namespace: string): Text {
  const services = 'kubectl get services,endpointslices -n'
  return reached
    ? {
        en: `point it at the stack in namespace ${namespace} (values/grafana-values.yaml, or --namespace), then run \
scripts/02-lgtm.mts`,
        ko: `${namespace} 네임스페이스의 스택을 가리키게 하고\
(values/grafana-values.yaml 또는 --namespace) scripts/02-lgtm.mts를 실행하세요`,
      }
    : {
        en: `point it at a Service that serves (${services} <its namespace>), or install what it names; the stack's \
are in namespace ${namespace}`,
        ko: `응답하는 Service를 가리키게 하거나(${services} <그 네임스페이스>) \
가리키는 것을 설치하세요. 스택의 Service는 ${namespace} 네임스페이스에 있습니다`,
      }
}

/** Where a datasource's URL leads: `→ service loki:3100 in namespace monitoring, 1 ready endpoint`, or why not. */
function reach(
  d: ProvisionedDatasource,
  target: ServiceTarget | undefined,
  cluster: Record<string, NamespaceServices>,
): { ok: boolean; detail: Text } {
  if (d.url === undefined) return { ok: true, detail: { en: 'no URL: not checked', ko: 'URL 없음: 확인 안 함' } }
  if (!parseUrl(d.url))
    return { ok: false, detail: { en: `"${d.url}" is not a URL`, ko: `URL이 아닙니다: "${d.url}"` } }
  if (!target)
    return {
      ok: true,
      detail: {
        en: 'not a Service of the cluster: not checked',
        ko: '클러스터의 Service가 아님: 확인 안 함',
      },
    }
  const judged = judgeService(target, cluster[target.namespace])
  const { service, namespace } = target
  return {
    ok: judged.ok,
    detail: {
      en: `→ service ${service} in namespace ${namespace}: ${judged.detail.en}`,
      ko: `→ ${namespace} 네임스페이스의 서비스 ${service}: ${judged.detail.ko}`,
    },
  }
}

/**
 * A Service as a client in the cluster meets it: there, with the port, with ready endpoints
 * (EndpointSlices of the Service whose port carries the Service port's name; `ready` unset means ready).
 */
export function judgeService(target: ServiceTarget, ns: NamespaceServices | undefined): { ok: boolean; detail: Text } {
  if (ns?.unreadable)
    return {
      ok: false,
      detail: {
        en: `could not be read: ${ns.unreadable}`,
        ko: `읽지 못함 — ${ns.unreadable}`,
      },
    }
  const svc = ns?.services.find((s) => s.metadata.name === target.service)
  if (!svc) return { ok: false, detail: { en: 'not found', ko: '없음' } }
  if (svc.spec?.type === 'ExternalName') {
    const name = svc.spec.externalName
    return {
      ok: true,
      detail: { en: `an ExternalName for ${name}: not followed`, ko: `${name}의 ExternalName: 따라가지 않음` },
    }
  }
  const ports: { name?: string; port: number }[] = svc.spec?.ports ?? []
  const port = ports.find((p) => p.port === target.port)
  if (!port) {
    const has = ports.map((p) => p.port).join(', ')
    return {
      ok: false,
      detail: {
        en: `no port ${target.port}${ports.length ? ` (it has ${has})` : ''}`,
        ko: `포트 ${target.port} 없음${ports.length ? ` (있는 포트: ${has})` : ''}`,
      },
    }
  }
  const endpoints = (ns?.endpointSlices ?? [])
    .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === target.service)
    .filter((s) =>
      ((s.ports as { name?: string }[] | undefined) ?? []).some((p) => (p.name ?? '') === (port.name ?? '')),
    )
    .flatMap((s) => (s.endpoints as { addresses?: string[]; conditions?: { ready?: boolean } }[] | undefined) ?? [])
  const ready = endpoints.filter((e) => e.conditions?.ready !== false).length
  const n = endpoints.length
  if (!ready)
    return {
      ok: false,
      detail: {
        en: `no ready endpoints on port ${target.port}${n ? ` (${n} not ready)` : ''}`,
        ko: `포트 ${target.port}에 준비된 엔드포인트 없음${n ? ` (${n}개 준비 안 됨)` : ''}`,
      },
    }
  return {
    ok: true,
    detail: {
      en: `port ${target.port}, ${ready} ready endpoint${ready === 1 ? '' : 's'}`,
      ko: `포트 ${target.port}, 준비된 엔드포인트 ${ready}개`,
    },
  }
}

/** The set as Grafana loads it: names unique, exactly one default. */
export function checkDatasourceSet(datasources: ProvisionedDatasource[]) {
  const byName = new Map<string, ProvisionedDatasource[]>()
  for (const d of datasources) byName.set(d.name, [...(byName.get(d.name) ?? []), d])
  const duplicates = [...byName.entries()].filter(([, list]) => list.length > 1)
  const times = { en: '×', ko: '개' }
  const names = datasources.map((d) => d.name).join(', ')
  const unique = {
    ok: duplicates.length === 0,
    detail: duplicates.length
      ? inBoth((l) =>
          duplicates
            .map(([name, list]) => `"${name}" ${list.length}${times[l]} (${list.map((d) => d.source).join(', ')})`)
            .join('; '),
        )
      : datasources.length
        ? {
            en: `${datasources.length} datasources: ${names}`,
            ko: `데이터소스 ${datasources.length}개: ${names}`,
          }
        : { en: 'no datasources provisioned', ko: '프로비저닝된 데이터소스 없음' },
  }
  const defaults = datasources.filter((d) => d.isDefault)
  const listed = defaults.map((d) => `${d.name} (${d.source})`).join(', ')
  const oneDefault = {
    ok: defaults.length === 1,
    detail:
      defaults.length === 1
        ? asIs(listed)
        : defaults.length
          ? {
              en: `${defaults.length} defaults: ${listed}; Grafana refuses more than one`,
              ko: `기본값 ${defaults.length}개: ${listed}. Grafana는 둘 이상을 거부합니다`,
            }
          : { en: 'none is marked isDefault', ko: 'isDefault로 표시된 것이 없습니다' },
  }
  return { unique, oneDefault }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
