// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for on `kubectl get` (Accept:
// application/json;as=Table;v=v1;g=meta.k8s.io), with the columns the apiserver prints for the
// common kinds, a CRD's additionalPrinterColumns for custom resources, and NAME/AGE otherwise.
import type { KObject } from '../store.ts'
import { evalJsonPath } from './jsonpath.ts'
import type { PrinterColumn, ResourceDef } from './registry.ts'

type Cell = string | number
interface Column {
  name: string
  type?: string
  format?: string
  priority?: number
  cell: (o: KObject) => Cell
}

export const wantsTable = (accept: string) => /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept)

export function toTable(def: ResourceDef, objs: KObject[], includeObject: string | null, resourceVersion: string) {
  const columns = columnsFor(def)
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c.format ?? (c.name === 'Name' ? 'name' : ''),
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: objs.map((o) => ({ cells: columns.map((c) => c.cell(o)), object: rowObject(o, includeObject) })),
  }
}

function rowObject(o: KObject, includeObject: string | null) {
  if (includeObject === 'None') return undefined
  if (includeObject === 'Object') return o
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
}

const name: Column = { name: 'Name', cell: (o) => o.metadata.name }
const age: Column = { name: 'Age', cell: (o) => humanAge(o.metadata.creationTimestamp) }
const count = (v: unknown) => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0)
const col = (n: string, cell: (o: KObject) => Cell, priority = 0): Column => ({ name: n, cell, priority })

const byKind: Record<string, Column[]> = {
  'v1/Pod': [
    name,
    col('Ready', podReady),
    col('Status', podStatus),
    col('Restarts', podRestarts),
    age,
    col('IP', (o) => o.status?.podIP ?? '<none>', 1),
    col('Node', (o) => o.spec?.nodeName ?? '<none>', 1),
  ],
  'v1/Namespace': [name, col('Status', (o) => o.status?.phase ?? ''), age],
  'v1/Service': [
    name,
    col('Type', (o) => o.spec?.type ?? ''),
    col('Cluster-IP', (o) => o.spec?.clusterIP ?? '<none>'),
    col('External-IP', () => '<none>'),
    col('Port(s)', servicePorts),
    age,
  ],
  'v1/ConfigMap': [name, col('Data', (o) => count(o.data) + count(o.binaryData)), age],
  'v1/Secret': [name, col('Type', (o) => o.type ?? ''), col('Data', (o) => count(o.data)), age],
  'v1/ServiceAccount': [name, col('Secrets', (o) => count(o.secrets)), age],
  'v1/Node': [
    name,
    col('Status', nodeStatus),
    col('Roles', () => '<none>'),
    age,
    col('Version', (o) => o.status?.nodeInfo?.kubeletVersion ?? ''),
  ],
  'v1/Endpoints': [name, col('Endpoints', endpointsCell), age],
  'v1/PersistentVolumeClaim': [
    name,
    col('Status', (o) => o.status?.phase ?? ''),
    col('Volume', (o) => o.spec?.volumeName ?? ''),
    col('Capacity', (o) => o.status?.capacity?.storage ?? ''),
    col('Access Modes', (o) => (o.status?.accessModes ?? []).map(shortMode).join(',')),
    col('StorageClass', (o) => o.spec?.storageClassName ?? '<unset>'),
    age,
  ],
  'v1/Event': [
    col('Last Seen', (o) => humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp)),
    col('Type', (o) => o.type ?? ''),
    col('Reason', (o) => o.reason ?? ''),
    col('Object', (o) => `${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`),
    col('Message', (o) => o.message ?? ''),
  ],
  'apps/Deployment': [
    name,
    col('Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`),
    col('Up-to-date', (o) => o.status?.updatedReplicas ?? 0),
    col('Available', (o) => o.status?.availableReplicas ?? 0),
    age,
  ],
  'apps/ReplicaSet': [
    name,
    col('Desired', (o) => o.spec?.replicas ?? 0),
    col('Current', (o) => o.status?.replicas ?? 0),
    col('Ready', (o) => o.status?.readyReplicas ?? 0),
    age,
  ],
  'apps/StatefulSet': [name, col('Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`), age],
  'apps/DaemonSet': [
    name,
    col('Desired', (o) => o.status?.desiredNumberScheduled ?? 0),
    col('Current', (o) => o.status?.currentNumberScheduled ?? 0),
    col('Ready', (o) => o.status?.numberReady ?? 0),
    col('Up-to-date', (o) => o.status?.updatedNumberScheduled ?? 0),
    col('Available', (o) => o.status?.numberAvailable ?? 0),
    col('Node Selector', (o) => selectorText(o.spec?.template?.spec?.nodeSelector)),
    age,
  ],
  'batch/Job': [
    name,
    col('Status', jobStatus),
    col('Completions', (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`),
    age,
  ],
  'apiextensions.k8s.io/CustomResourceDefinition': [name, col('Created At', (o) => o.metadata.creationTimestamp ?? '')],
}

function columnsFor(def: ResourceDef): Column[] {
  if (def.custom) return crColumns(def.columns ?? [])
  return byKind[`${def.group || 'v1'}/${def.kind}`] ?? [name, age]
}

/** additionalPrinterColumns; AGE is added when the CRD lists no columns (as the apiserver does). */
function crColumns(columns: PrinterColumn[]): Column[] {
  if (!columns.length) return [name, age]
  return [
    name,
    ...columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format,
      priority: c.priority ?? 0,
      cell: (o: KObject) => {
        const v = evalJsonPath(o, c.jsonPath)[0]
        if (c.type === 'date' && typeof v === 'string') return humanAge(v)
        return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : (v as Cell)
      },
    })),
  ]
}

function podReady(o: KObject): string {
  const statuses: any[] = o.status?.containerStatuses ?? []
  return `${statuses.filter((s) => s.ready).length}/${(o.spec?.containers ?? []).length}`
}

/** The STATUS kubectl shows: a waiting/terminated reason beats the phase; Terminating when deleted. */
function podStatus(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating'
  for (const s of [...(o.status?.initContainerStatuses ?? []), ...(o.status?.containerStatuses ?? [])]) {
    const reason = s.state?.waiting?.reason ?? s.state?.terminated?.reason
    if (reason && reason !== 'Completed') return reason
  }
  return o.status?.reason ?? o.status?.phase ?? 'Pending'
}

function podRestarts(o: KObject): number {
  return ((o.status?.containerStatuses ?? []) as any[]).reduce((n, s) => n + (s.restartCount ?? 0), 0)
}

function servicePorts(o: KObject): string {
  const ports: any[] = o.spec?.ports ?? []
  return ports.length
    ? ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',')
    : '<none>'
}

function nodeStatus(o: KObject): string {
  const ready = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready')
  return ready?.status === 'True' ? 'Ready' : 'NotReady'
}

function endpointsCell(o: KObject): string {
  const list = ((o as any).subsets ?? []).flatMap((s: any) =>
    (s.addresses ?? []).flatMap((a: any) => (s.ports ?? [{}]).map((p: any) => (p.port ? `${a.ip}:${p.port}` : a.ip))),
  )
  return list.length ? list.join(',') : '<none>'
}

function jobStatus(o: KObject): string {
  const conds: any[] = o.status?.conditions ?? []
  const on = (t: string) => conds.some((c) => c.type === t && c.status === 'True')
  return on('Complete') ? 'Complete' : on('Failed') ? 'Failed' : o.spec?.suspend ? 'Suspended' : 'Running'
}

const shortMode = (m: string) =>
  (
    ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' }) as Record<
      string,
      string
    >
  )[m] ?? m
const selectorText = (m: Record<string, string> | undefined) =>
  m && Object.keys(m).length
    ? Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '<none>'

/** kubectl's HumanDuration: 45s, 3m12s, 15m, 2h5m, 20h, 3d4h, 40d. */
export function humanAge(timestamp: string | undefined): string {
  if (!timestamp) return '<unknown>'
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000))
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  const d = Math.floor(h / 24)
  if (s < 120) return `${s}s`
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`
  if (m < 180) return `${m}m`
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`
  if (h < 48) return `${h}h`
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`
  return `${d}d`
}
