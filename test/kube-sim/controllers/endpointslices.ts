// EndpointSlices (discovery.k8s.io/v1) for one Service: one slice per set of ports the backends
// serve, named `<service>-<5 chars>`, labelled kubernetes.io/service-name, owned by the Service,
// each endpoint with its ready/serving/terminating conditions. An empty Service keeps one empty slice.
import type { KObject } from '../store.ts'
import type { Ctx } from './context.ts'
import { canonicalJson, controllerRef, isPodReady, R } from './objects.ts'
import { createGenerated, deleteIfPresent, mutate } from './writes.ts'

export interface Port {
  name?: string
  port: number
  protocol: string
  appProtocol?: string
}

export interface Backend {
  ip: string
  pod: KObject
  ready: boolean
  terminating: boolean
  hostname?: string
  ports: Port[]
}

const SERVICE_NAME = 'kubernetes.io/service-name'
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by'
const CONTROLLER = 'endpointslice-controller.k8s.io'

export function endpointSlices(ctx: Ctx, svc: KObject, backends: Backend[], suffix: () => string): void {
  const { namespace, name } = svc.metadata
  const wanted = desiredSlices(svc, backends)
  const existing = ctx.store
    .list(R.endpointslices, namespace)
    .items.filter((s) => s.metadata.labels?.[SERVICE_NAME] === name && s.metadata.labels?.[MANAGED_BY] === CONTROLLER)
  const unused = [...existing]
  for (const want of wanted) {
    const key = canonicalJson(want.ports)
    const at = unused.findIndex((s) => canonicalJson(s.ports ?? []) === key)
    const match = at >= 0 ? unused.splice(at, 1)[0] : unused.shift()
    if (!match) {
      createGenerated(
        ctx.store,
        R.endpointslices,
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: '',
            generateName: `${name}-`,
            namespace,
            labels: sliceLabels(svc),
            ownerReferences: [controllerRef(svc)],
          },
          addressType: 'IPv4',
          endpoints: want.endpoints,
          ports: want.ports,
        },
        suffix,
      )
      continue
    }
    mutate(ctx.store, R.endpointslices, namespace, match.metadata.name, (s) => {
      const labels = sliceLabels(svc)
      if (
        canonicalJson([s.endpoints, s.ports, s.metadata.labels]) === canonicalJson([want.endpoints, want.ports, labels])
      )
        return false
      s.endpoints = want.endpoints
      s.ports = want.ports
      s.metadata.labels = labels
    })
  }
  for (const s of unused) deleteIfPresent(ctx.store, R.endpointslices, namespace, s.metadata.name)
}

function desiredSlices(svc: KObject, backends: Backend[]): { ports: unknown[]; endpoints: unknown[] }[] {
  const groups = new Map<string, { ports: unknown[]; endpoints: unknown[] }>()
  for (const b of backends) {
    if (!b.ports.length) continue
    const ports = b.ports.map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol,
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }))
    const key = canonicalJson(ports)
    const group = groups.get(key) ?? { ports, endpoints: [] }
    groups.set(key, group)
    group.endpoints.push({
      addresses: [b.ip],
      // serving is readiness regardless of termination; ready is serving and not terminating
      conditions: {
        ready: b.ready || svc.spec?.publishNotReadyAddresses === true,
        serving: isPodReady(b.pod),
        terminating: b.terminating,
      },
      ...(b.hostname ? { hostname: b.hostname } : {}),
      nodeName: b.pod.spec?.nodeName,
      targetRef: {
        kind: 'Pod',
        namespace: b.pod.metadata.namespace,
        name: b.pod.metadata.name,
        uid: b.pod.metadata.uid,
      },
    })
  }
  const slices = [...groups.values()]
  for (const s of slices)
    (s.endpoints as { addresses: string[] }[]).sort((a, b) =>
      a.addresses[0].localeCompare(b.addresses[0], 'en', { numeric: true }),
    )
  return slices.length ? slices : [{ ports: [], endpoints: [] }]
}

function sliceLabels(svc: KObject): Record<string, string> {
  return {
    ...svc.metadata.labels,
    [SERVICE_NAME]: svc.metadata.name,
    [MANAGED_BY]: CONTROLLER,
    ...(svc.spec?.clusterIP === 'None' ? { 'service.kubernetes.io/headless': '' } : {}),
  }
}
