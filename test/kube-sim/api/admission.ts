// Admission webhooks as a real apiserver experiences them when it cannot reach the backend: a
// matching webhook fails the request with the apiserver's exact "failed calling webhook" error
// until the Service behind it has a ready endpoint, and then with an x509 error for as long as its
// clientConfig has no caBundle (the apiserver cannot verify the webhook's serving certificate
// against the system roots: someone — cert-manager's cainjector, a certgen hook Job — must put
// the CA there). After that it admits everything (no call is made). Tests can add a TLS-failure
// window after readiness (cert-manager's CA injection lag) or keep a webhook down for good.
// failurePolicy: Ignore lets requests through regardless.
import { ApiError, type KObject, type Store } from '../store.ts'
import type { ResourceDef } from './registry.ts'
import { selectorMatches } from './selectors.ts'
import { internalError } from './status.ts'

export interface WebhookFaults {
  /** After the Service is ready, calls to this configuration's webhooks fail with an x509 error for `ms`. */
  delayAfterReady(configName: string, ms: number): void
  /** This configuration's webhooks never answer (connection refused), whatever the endpoints say. */
  neverReady(configName: string): void
  /** Clears the faults of one configuration, or all. */
  clear(configName?: string): void
}

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE'
  def: ResourceDef
  subresource?: string
  namespace?: string
  object?: KObject
  oldObject?: KObject
  dryRun: boolean
}

const CONFIGS = [
  { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
  { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
]
const ENDPOINTS = { group: '', resource: 'endpoints' }

export class Admission implements WebhookFaults {
  private readonly lag = new Map<string, number>()
  private readonly down = new Set<string>()
  /** when each Service (ns/name) was first seen with a ready endpoint */
  private readonly readySince = new Map<string, number>()
  private readonly unsubscribe: () => void

  constructor(private readonly store: Store) {
    this.unsubscribe = store.onAny((e) => {
      if (e.res.group !== '' || e.res.resource !== 'endpoints') return
      const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`
      if (e.type !== 'DELETED' && hasReadyAddress(e.object)) {
        if (!this.readySince.has(key)) this.readySince.set(key, Date.now())
      } else this.readySince.delete(key)
    })
  }

  stop(): void {
    this.unsubscribe()
  }

  delayAfterReady(configName: string, ms: number): void {
    this.lag.set(configName, ms)
  }

  neverReady(configName: string): void {
    this.down.add(configName)
  }

  clear(configName?: string): void {
    if (configName === undefined) {
      this.lag.clear()
      this.down.clear()
    } else {
      this.lag.delete(configName)
      this.down.delete(configName)
    }
  }

  /** Throws the error a real apiserver returns when a matching webhook cannot be called. */
  admit(req: AdmissionRequest): void {
    if (req.def.group === 'admissionregistration.k8s.io') return // never intercepted, as in Kubernetes
    for (const res of CONFIGS) {
      for (const config of this.store.list(res).items) {
        for (const hook of config.webhooks ?? []) {
          if (!this.matches(hook, req)) continue
          const failure = this.failure(config.metadata.name, hook, req)
          if (failure && hook.failurePolicy !== 'Ignore') throw failure
        }
      }
    }
  }

  private failure(configName: string, hook: any, req: AdmissionRequest): ApiError | undefined {
    if (req.dryRun && (hook.sideEffects === 'Some' || hook.sideEffects === 'Unknown')) {
      return new ApiError(400, 'BadRequest', `admission webhook "${hook.name}" does not support dry run`)
    }
    const cc = hook.clientConfig ?? {}
    if (!cc.service) return undefined // a URL webhook outside the cluster: assumed up
    const { namespace, name } = cc.service
    const port = cc.service.port ?? 443
    const url = `https://${name}.${namespace}.svc:${port}${cc.service.path ?? ''}?timeout=${hook.timeoutSeconds ?? 10}s`
    const calling = (why: string) =>
      internalError(`failed calling webhook "${hook.name}": failed to call webhook: Post "${url}": ${why}`)
    const svc = this.store.get({ group: '', resource: 'services' }, namespace, name)
    if (!svc) return calling(`service "${name}" not found`)
    const refused = calling(`dial tcp ${svc.spec?.clusterIP ?? '10.96.0.1'}:${port}: connect: connection refused`)
    if (this.down.has(configName)) return refused
    const since = this.serviceReadySince(namespace, name)
    if (since === undefined) return refused
    const unknownAuthority = calling('tls: failed to verify certificate: x509: certificate signed by unknown authority')
    if (!cc.caBundle) return unknownAuthority
    if (Date.now() - since < (this.lag.get(configName) ?? 0)) return unknownAuthority
    return undefined
  }

  private serviceReadySince(namespace: string, name: string): number | undefined {
    const key = `${namespace}/${name}`
    const endpoints = this.store.get(ENDPOINTS, namespace, name)
    if (!endpoints || !hasReadyAddress(endpoints)) return undefined
    if (!this.readySince.has(key)) this.readySince.set(key, Date.now())
    return this.readySince.get(key)
  }

  private matches(hook: any, req: AdmissionRequest): boolean {
    const rules: any[] = hook.rules ?? []
    if (!rules.some((r) => ruleMatches(r, req))) return false
    const labels = req.object?.metadata.labels ?? req.oldObject?.metadata.labels ?? {}
    if (
      !selectorMatches(hook.objectSelector, labels) &&
      !selectorMatches(hook.objectSelector, req.oldObject?.metadata.labels ?? {})
    )
      return false
    if (req.def.kind === 'Namespace' && req.def.group === '') return selectorMatches(hook.namespaceSelector, labels)
    if (!req.def.namespaced || !req.namespace) return true
    const ns = this.store.get({ group: '', resource: 'namespaces' }, undefined, req.namespace)
    return selectorMatches(hook.namespaceSelector, ns?.metadata.labels ?? {})
  }
}

function ruleMatches(rule: any, req: AdmissionRequest): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v)
  if (!has(rule.operations, req.operation)) return false
  if (!has(rule.apiGroups, req.def.group) || !has(rule.apiVersions, req.def.version)) return false
  const scope = rule.scope ?? '*'
  if (scope === 'Cluster' && req.def.namespaced) return false
  if (scope === 'Namespaced' && !req.def.namespaced) return false
  return (rule.resources ?? []).some((r: string) => resourceMatches(r, req.def.resource, req.subresource))
}

/** `*` all resources, `*\/*` all with subresources, `pods/*`, `*\/scale`, `pods/status`. */
function resourceMatches(pattern: string, resource: string, sub: string | undefined): boolean {
  const [pr, ps] = pattern.split('/')
  if (pr !== '*' && pr !== resource) return false
  if (ps === undefined) return sub === undefined
  return ps === '*' || ps === sub
}

function hasReadyAddress(endpoints: KObject): boolean {
  return ((endpoints as any).subsets ?? []).some((s: any) => (s.addresses ?? []).length > 0)
}
