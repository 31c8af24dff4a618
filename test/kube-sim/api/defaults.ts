// What the apiserver fills in on every write of a built-in kind. The workload, pod, service, PVC
// and namespace defaults come from the controllers' module (one definition, so a template the
// API stored hashes the same in the Deployment controller); added here is what only the API
// does: a Service's clusterIP in the create response, a Secret's stringData folded into data,
// a Job's generated selector.
import type { KObject } from '../store.ts'
import { applyDefaults as workloadDefaults } from '../controllers/defaults.ts'
import { storageOf } from './context.ts'
import type { ResourceDef } from './registry.ts'

export interface DefaultsContext {
  /** a clusterIP no Service holds yet */
  allocateIP(): string
}

/** Returns the defaulted object; `old` is the stored object on updates. */
export function applyDefaults(
  def: ResourceDef,
  input: KObject,
  old: KObject | undefined,
  ctx: DefaultsContext,
): KObject {
  if (def.custom) return input
  const obj = workloadDefaults(storageOf(def), input)
  const extra = extras[`${def.group || 'v1'}/${def.kind}`]
  extra?.(obj, old, ctx)
  return obj
}

const extras: Record<string, (o: KObject, old: KObject | undefined, ctx: DefaultsContext) => void> = {
  'v1/Service': (o, old, ctx) => {
    const spec = (o.spec ??= {})
    if (spec.type === 'ExternalName') return
    // clusterIP is immutable: an update that leaves it out keeps the allocated one.
    spec.clusterIP ??= old?.spec?.clusterIP ?? ctx.allocateIP()
    spec.clusterIPs ??= old?.spec?.clusterIPs ?? [spec.clusterIP]
    spec.ipFamilies ??= ['IPv4']
    spec.ipFamilyPolicy ??= 'SingleStack'
  },
  'v1/Secret': (o) => {
    o.type ??= 'Opaque'
    if (!o.stringData) return
    o.data = { ...o.data }
    for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64')
    delete o.stringData
  },
  'batch/Job': (o) => {
    // The apiserver generates the selector from the Job's uid; the name is as unique here.
    const s = (o.spec ??= {})
    const labels = { 'batch.kubernetes.io/job-name': o.metadata.name, 'job-name': o.metadata.name }
    s.selector ??= { matchLabels: { 'batch.kubernetes.io/job-name': o.metadata.name } }
    s.template ??= {}
    s.template.metadata = { ...s.template.metadata, labels: { ...s.template.metadata?.labels, ...labels } }
  },
}

/** The lowest free address in 10.96.0.0/16 from .10 on, as the Services controller picks them. */
export function nextClusterIP(used: Set<string>): string {
  for (let n = 10; ; n++) {
    const ip = `10.96.${Math.floor(n / 256)}.${n % 256}`
    if (n % 256 !== 0 && n % 256 !== 255 && !used.has(ip)) return ip
  }
}
