// What kube-controller-manager puts in every namespace: the ServiceAccount `default` (the
// serviceaccount controller) and the ConfigMap `kube-root-ca.crt` with the cluster's CA (the
// root-ca-cert-publisher). Both are created as soon as a namespace is active and again whenever
// they are deleted, never in a namespace that is going away.
import { ApiError, type KObject, type StoreEvent } from '../store.ts'
import type { Controller, Ctx } from './context.ts'
import { is, isDeleting, R } from './objects.ts'
import { createIn } from './writes.ts'

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt'
export const DEFAULT_SERVICE_ACCOUNT = 'default'

/** The simulated cluster's CA, as the publisher copies it: PEM, not a key anyone could use. */
const CLUSTER_CA = [
  '-----BEGIN CERTIFICATE-----',
  Buffer.from('kube-sim cluster CA').toString('base64'),
  '-----END CERTIFICATE-----',
  '',
].join('\n')

export class NamespaceDefaults implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    const { name, namespace } = e.object.metadata
    if (is(e.res, R.namespaces) && e.type !== 'DELETED') this.enqueue(name)
    else if (e.type === 'DELETED' && namespace && isDefault(e.res, name)) this.enqueue(namespace)
  }

  /** The namespaces there at start have theirs from the start, as in a cluster that has been running. */
  resync(): void {
    for (const ns of this.ctx.store.list(R.namespaces).items) this.sync(ns.metadata.name)
  }

  private enqueue(namespace: string): void {
    this.ctx.loop.enqueue(`namespace-defaults:${namespace}`, () => this.sync(namespace))
  }

  private sync(namespace: string): void {
    const ns = this.ctx.store.get(R.namespaces, undefined, namespace)
    if (!ns || isDeleting(ns)) return
    for (const [res, object] of [
      [R.serviceaccounts, serviceAccount(namespace)],
      [R.configmaps, rootCA(namespace)],
    ] as const) {
      if (this.ctx.store.get(res, namespace, object.metadata.name)) continue
      try {
        createIn(this.ctx.store, res, object)
      } catch (err) {
        // the namespace began terminating meanwhile, or another writer was first: nothing to add
        if (!(err instanceof ApiError && (err.code === 403 || err.code === 404 || err.reason === 'AlreadyExists')))
          throw err
      }
    }
  }
}

function isDefault(res: StoreEvent['res'], name: string): boolean {
  return (
    (is(res, R.serviceaccounts) && name === DEFAULT_SERVICE_ACCOUNT) ||
    (is(res, R.configmaps) && name === ROOT_CA_CONFIGMAP)
  )
}

function serviceAccount(namespace: string): KObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }
}

function rootCA(namespace: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: ROOT_CA_CONFIGMAP,
      namespace,
      annotations: {
        'kubernetes.io/description':
          'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints' +
          ' such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across' +
          ' distributions of Kubernetes clusters.',
      },
    },
    data: { 'ca.crt': CLUSTER_CA },
  }
}
