// Service IPs, as the apiserver's allocators and a cloud load-balancer controller give them: a
// clusterIP from 10.96.0.0/12 (headless `None` and ExternalName left alone), nodePorts for
// NodePort/LoadBalancer ports, and a load-balancer ingress IP (helm 3 waits for one).
// Done right after the Service appears, idempotently, so the API layer may allocate first.
import type { KObject, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { is, isDeleting, R } from './objects.ts'
import { mutate, writeStatus } from './writes.ts'

export class Services implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.services) && e.type !== 'DELETED')
      this.enqueue(e.object.metadata.namespace!, e.object.metadata.name)
  }

  resync(): void {
    if (!this.ctx.store.get(R.services, 'default', 'kubernetes')) this.ctx.store.create(R.services, kubernetesService())
    for (const svc of this.ctx.store.list(R.services).items) this.enqueue(svc.metadata.namespace!, svc.metadata.name)
  }

  private enqueue(namespace: string, name: string): void {
    this.ctx.loop.enqueue(`service:${namespace}/${name}`, () => this.sync(namespace, name))
  }

  private sync(namespace: string, name: string): void {
    const current = this.ctx.store.get(R.services, namespace, name)
    if (!current || isDeleting(current) || current.spec?.type === 'ExternalName') return
    const svc = mutate(this.ctx.store, R.services, namespace, name, (s) => this.allocate(s))
    if (svc?.spec?.type === 'LoadBalancer' && !svc.status?.loadBalancer?.ingress?.length) {
      writeStatus(this.ctx.store, R.services, svc, {
        ...svc.status,
        loadBalancer: { ingress: [{ ip: this.nextLoadBalancerIP(), ipMode: 'VIP' }] },
      })
    }
  }

  /** Fills in what is missing; returns false when nothing was (so nothing is written). */
  private allocate(svc: KObject): boolean {
    const spec = (svc.spec ??= {})
    const before = JSON.stringify(spec)
    if (!spec.clusterIP) spec.clusterIP = this.nextClusterIP()
    spec.clusterIPs ??= [spec.clusterIP]
    spec.ipFamilies ??= ['IPv4']
    spec.ipFamilyPolicy ??= 'SingleStack'
    spec.type ??= 'ClusterIP'
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const used = this.usedNodePorts()
      for (const port of spec.ports ?? []) port.nodePort ??= nextFree(used, 30000, 32767)
    }
    return JSON.stringify(spec) !== before
  }

  private nextClusterIP(): string {
    const used = new Set(
      this.ctx.store.list(R.services).items.flatMap((s) => s.spec?.clusterIPs ?? [s.spec?.clusterIP]),
    )
    for (let n = 10; ; n++) {
      const ip = `10.96.${Math.floor(n / 256)}.${n % 256}`
      if (n % 256 !== 0 && n % 256 !== 255 && !used.has(ip)) return ip
    }
  }

  private nextLoadBalancerIP(): string {
    const used = new Set(
      this.ctx.store
        .list(R.services)
        .items.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).map((i: { ip: string }) => i.ip)),
    )
    for (let n = 200; ; n++) if (!used.has(`172.18.255.${n}`)) return `172.18.255.${n}`
  }

  private usedNodePorts(): Set<number> {
    return new Set(
      this.ctx.store
        .list(R.services)
        .items.flatMap((s) => (s.spec?.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter(Boolean)),
    )
  }
}

function nextFree(used: Set<number>, from: number, to: number): number {
  for (let port = from; port <= to; port++) {
    if (!used.has(port)) {
      used.add(port)
      return port
    }
  }
  throw new Error('no free node port')
}

/** `default/kubernetes`, which every cluster has. */
function kubernetesService(): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  }
}
