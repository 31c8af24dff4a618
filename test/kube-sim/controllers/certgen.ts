// What a kube-webhook-certgen container does while it runs (kube-prometheus-stack's and
// ingress-nginx's admission hook Jobs): `create` writes a Secret with a self-signed CA and serving
// pair (keys ca, cert, key) unless it exists; `patch` copies that CA into the caBundle of the
// named Mutating/ValidatingWebhookConfiguration. The kubelet simulates no containers, so without
// this the chart's webhook pod would wait forever for its Secret and its webhooks would fail x509.
// It acts when the pod is Running, i.e. before the container exits and the Job completes.
import type { KObject, StoreEvent } from '../store.ts'
import type { Controller, Ctx } from './context.ts'
import { is, R } from './objects.ts'
import { createIn, mutate } from './writes.ts'

const IMAGE = /(^|\/)kube-webhook-certgen(:|@|$)/
const CONFIGS = [
  { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', flag: 'patch-mutating' },
  { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', flag: 'patch-validating' },
]

export class WebhookCertgen implements Controller {
  /** pods whose run already had its effect, by uid */
  private readonly done = new Set<string>()

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (!is(e.res, R.pods)) return
    const uid = e.object.metadata.uid!
    if (e.type === 'DELETED') return void this.done.delete(uid)
    if (e.object.status?.phase !== 'Running' || this.done.has(uid)) return
    const runs = (e.object.spec?.containers ?? []).filter((c: any) => IMAGE.test(c.image ?? ''))
    if (!runs.length) return
    this.done.add(uid)
    const pod = e.object
    this.ctx.loop.enqueue(`certgen:${uid}`, () => {
      for (const c of runs) this.run(pod, flags(c))
    })
  }

  resync(): void {}

  private run(pod: KObject, f: Map<string, string>): void {
    const namespace = f.get('namespace') ?? pod.metadata.namespace!
    const secretName = f.get('secret-name')
    if (!secretName) return
    if (f.has('create') && !this.ctx.store.get(R.secrets, namespace, secretName)) {
      createIn(this.ctx.store, R.secrets, certgenSecret(namespace, secretName, f.get('host') ?? ''))
    }
    if (!f.has('patch')) return
    const ca = this.ctx.store.get(R.secrets, namespace, secretName)?.data?.ca
    const webhookName = f.get('webhook-name')
    if (!ca || !webhookName) return // the real one exits 1 and is retried; its create Job ran first
    const policy = f.get('patch-failure-policy')
    for (const config of CONFIGS) {
      if (f.get(config.flag) === 'false') continue
      mutate(this.ctx.store, config, undefined, webhookName, (o) => {
        o.webhooks = (o.webhooks ?? []).map((w: any) => ({
          ...w,
          clientConfig: { ...w.clientConfig, caBundle: ca },
          ...(policy ? { failurePolicy: policy } : {}),
        }))
      })
    }
  }
}

/** `create` / `patch` and the `--flag=value` arguments of a certgen container. */
function flags(container: any): Map<string, string> {
  const out = new Map<string, string>()
  for (const arg of [...(container.command ?? []), ...(container.args ?? [])] as string[]) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg)
    if (m) out.set(m[1], m[2] ?? 'true')
    else if (arg === 'create' || arg === 'patch') out.set(arg, 'true')
  }
  return out
}

function certgenSecret(namespace: string, name: string, hosts: string): KObject {
  const pemOf = (label: string, text: string) => {
    const body = Buffer.from(text).toString('base64')
    return Buffer.from(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`).toString('base64')
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace },
    data: {
      ca: pemOf('CERTIFICATE', `kube-webhook-certgen CA for ${namespace}/${name}`),
      cert: pemOf('CERTIFICATE', `kube-webhook-certgen serving certificate for ${hosts}`),
      key: pemOf('EC PRIVATE KEY', `kube-webhook-certgen key for ${namespace}/${name}`),
    },
  }
}
