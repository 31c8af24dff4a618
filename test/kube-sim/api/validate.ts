// The few validations a chart or a script can trip over, with the apiserver's 422 messages:
// object names, a workload selector that does not match its template, an immutable selector, a
// Secret over 1 MiB (helm's release Secret of a chart with large files or many big templates).
import type { KObject } from '../store.ts'
import type { ResourceDef } from './registry.ts'
import { selectorMatches } from './selectors.ts'
import { invalid } from './status.ts'

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  "and must start and end with an alphanumeric character (e.g. 'example.com', " +
  "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
  "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " +
  "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'])

type Cause = { field: string; message: string; type?: string }

export function validate(def: ResourceDef, obj: KObject, old: KObject | undefined): void {
  const builtin = def.custom ? [] : [...workloadCauses(def, obj, old), ...secretCauses(def, obj)]
  const causes = [...nameCauses(def, obj.metadata.name), ...builtin]
  if (causes.length) throw invalid(def.kind, def.group, obj.metadata.name, causes)
}

function nameCauses(def: ResourceDef, name: string): Cause[] {
  if (!name || def.group === 'rbac.authorization.k8s.io') return [] // RBAC names may hold ':'
  const label = def.kind === 'Namespace' || def.kind === 'Service'
  const ok = label ? LABEL.test(name) && name.length <= 63 : SUBDOMAIN.test(name) && name.length <= 253
  if (ok) return []
  return [{ field: 'metadata.name', message: `Invalid value: "${name}": ${label ? LABEL_MSG : SUBDOMAIN_MSG}` }]
}

function workloadCauses(def: ResourceDef, obj: KObject, old: KObject | undefined): Cause[] {
  if (def.group !== 'apps' || !WORKLOADS.has(def.kind)) return []
  const selector = obj.spec?.selector
  if (!selector) return [{ field: 'spec.selector', message: 'Required value', type: 'FieldValueRequired' }]
  const labels = obj.spec?.template?.metadata?.labels ?? {}
  if (!selectorMatches(selector, labels)) {
    return [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``,
      },
    ]
  }
  if (old && JSON.stringify(old.spec?.selector) !== JSON.stringify(selector)) {
    return [{ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(selector)}: field is immutable` }]
  }
  return []
}

/** api.MaxSecretSize: the values of `data`, decoded, summed (keys do not count), as ValidateSecret sums them. */
const MAX_SECRET_BYTES = 1024 * 1024

function secretCauses(def: ResourceDef, obj: KObject): Cause[] {
  if (def.group !== '' || def.kind !== 'Secret') return []
  const data: Record<string, unknown> = (obj as any).data ?? {}
  const total = Object.values(data).reduce<number>((n, v) => n + Buffer.from(String(v ?? ''), 'base64').length, 0)
  if (total <= MAX_SECRET_BYTES) return []
  const message = `Too long: must have at most ${MAX_SECRET_BYTES} bytes`
  return [{ field: 'data', message, type: 'FieldValueTooLong' }]
}

/** How Go prints a map[string]string in these messages. */
function goMap(m: Record<string, string>): string {
  return `map[string]string{${Object.entries(m)
    .sort()
    .map(([k, v]) => `"${k}":"${v}"`)
    .join(', ')}}`
}
