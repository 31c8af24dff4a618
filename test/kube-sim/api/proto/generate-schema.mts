// Dev-time tool (not run by tests): derives protobuf field tables for the kinds kubectl's typed
// clients POST as application/vnd.kubernetes.protobuf (`kubectl create namespace|configmap|
// secret|deployment|job …`, `kubectl run`, drain's Eviction, typed DeleteOptions) from the
// generated.proto files of k8s.io/api and k8s.io/apimachinery, and writes schema.gen.ts.
//
//   npx tsx test/kube-sim/api/proto/generate-schema.mts \
//     <dir holding core/v1/generated.proto, …, pkg/apis/meta/v1/generated.proto …>
import fs from 'node:fs'
import path from 'node:path'

/** The messages decoding starts from: `<package>.<Message>` keyed by `apiVersion/Kind`. */
const ROOTS: Record<string, string> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/Pod': 'k8s.io.api.core.v1.Pod',
  'v1/ResourceQuota': 'k8s.io.api.core.v1.ResourceQuota',
  'v1/Event': 'k8s.io.api.core.v1.Event',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'batch/v1/CronJob': 'k8s.io.api.batch.v1.CronJob',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.io.api.rbac.v1.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  'scheduling.k8s.io/v1/PriorityClass': 'k8s.io.api.scheduling.v1.PriorityClass',
  'policy/v1/PodDisruptionBudget': 'k8s.io.api.policy.v1.PodDisruptionBudget',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
  'networking.k8s.io/v1/Ingress': 'k8s.io.api.networking.v1.Ingress',
  'autoscaling/v1/Scale': 'k8s.io.api.autoscaling.v1.Scale',
  'meta.k8s.io/v1/DeleteOptions': 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'v1/DeleteOptions': 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
}

/** Messages decoded by hand (their JSON form is not their protobuf shape). */
const SPECIAL = new Set([
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
])

type Field = [number, string, string, number] // number, json name, type, 1 = repeated
const SCALARS: Record<string, string> = {
  string: 's',
  bool: 'b',
  int32: 'i',
  int64: 'i',
  bytes: 'y',
  double: 'd',
  float: 'f',
}

function parseFiles(dir: string): Map<string, Field[]> {
  const messages = new Map<string, Field[]>()
  const files = fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.proto'))
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\/\/.*$/gm, '')
    const pkg = /^package\s+([\w.]+);/m.exec(text)![1]
    for (const m of text.matchAll(/^message\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
      const fields: Field[] = []
      for (const f of m[2].matchAll(
        /(optional|repeated)?\s*(map<\s*\w+\s*,\s*[\w.]+\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;/g,
      )) {
        fields.push([Number(f[4]), f[3], typeRef(f[2], pkg), f[1] === 'repeated' ? 1 : 0])
      }
      messages.set(`${pkg}.${m[1]}`, fields)
    }
  }
  return messages
}

/** `s`, `i` … for scalars, `m:<full name>` for messages, `M:<value type>` for map<string, V>. */
function typeRef(t: string, pkg: string): string {
  const map = /^map<\s*\w+\s*,\s*([\w.]+)\s*>$/.exec(t)
  if (map) return `M:${typeRef(map[1], pkg)}`
  if (SCALARS[t]) return SCALARS[t]
  return `m:${t.startsWith('.') ? t.slice(1) : `${pkg}.${t}`}`
}

function reachable(messages: Map<string, Field[]>): Map<string, Field[]> {
  const out = new Map<string, Field[]>()
  const queue = Object.values(ROOTS)
  while (queue.length) {
    const name = queue.pop()!
    if (out.has(name) || SPECIAL.has(name)) continue
    const fields = messages.get(name)
    if (!fields) throw new Error(`message ${name} not found`)
    out.set(name, fields)
    for (const [, , type] of fields) {
      const ref = /m:([\w.]+)$/.exec(type)
      if (ref) queue.push(ref[1])
    }
  }
  return out
}

const dir = process.argv[2]
if (!dir) throw new Error('usage: generate-schema.mts <proto dir>')
const table = reachable(parseFiles(dir))
const short = (n: string) => n.replace(/^k8s\.io\.(api|apimachinery\.pkg)\./, '')
const lines = [...table]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(
    ([name, fields]) =>
      `  '${short(name)}': [` +
      fields
        .map(
          ([n, f, t, r]) => `[${n},'${f}','${t.replace(/k8s\.io\.(api|apimachinery\.pkg)\./g, '')}'${r ? ',1' : ''}]`,
        )
        .join(',') +
      '],',
  )
const shortRoots = Object.fromEntries(Object.entries(ROOTS).map(([k, v]) => [k, short(v)]))
const out = [
  '// GENERATED by generate-schema.mts from the generated.proto files of k8s.io/api and',
  '// k8s.io/apimachinery: protobuf field number → JSON field name and type, per message. Do not edit.',
  '// Types: s string, b bool, i int, y bytes, d double, m:<message>, M:<map value type>; 1 = repeated.',
  '/* eslint-disable */',
  `export const ROOTS: Record<string, string> = ${JSON.stringify(shortRoots, null, 2).replace(/"/g, "'")}`,
  '',
  'export const MESSAGES: Record<string, [number, string, string, number?][]> = {',
  ...lines,
  '}',
  '',
]
fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'schema.gen.ts'), out.join('\n'))
console.log(`${table.size} messages`)
