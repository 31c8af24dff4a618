// `npm run status`: what is there now, read-only, from the same one-round snapshot as the report:
// each release (chart version, state, revision), ready/total per workload, webhooks answering.
// The view is built by lib/steps/status.ts; this module prints it.
import { stripVTControlCharacters } from 'node:util'
import { flavourTitles, formatBytes, formatCpu, type Flavour } from '../core/flavours.ts'
import type { Log } from './log.ts'

export const STATUS_VERSION = 1

export interface StatusView {
  version: number
  releases: { name: string; chart: string; version: string; status: string; revision: number | null }[]
  workloads: { namespace: string; kind: string; name: string; ready: number; wanted: number; ok: boolean }[]
  webhooks: { name: string; answering: boolean; error?: string }[]
  /** what the preflight read of the cluster; null when it could not list the nodes */
  cluster: ClusterView | null
}

export interface ClusterView {
  flavour: Flavour
  evidence: string
  nodes: number
  kubernetesVersion: string
  runtimes: string[]
  architectures: string[]
  allocatable: { cpuMilli: number; memoryBytes: number }
  /** what the stack wants (an estimate per profile) */
  stackNeeds: { cpuMilli: number; memoryBytes: number }
  defaultStorageClass: { name: string; provisioner: string } | null
  /** the overlays the flavour gets (values/flavours/), [] with --no-adapt */
  adaptations: string[]
}

function renderCluster(cluster: ClusterView | null): string[] {
  if (!cluster) return ['  not read (listing nodes and StorageClasses was refused or failed)']
  const { allocatable: a, stackNeeds: needs, defaultStorageClass: storage } = cluster
  return [
    `  flavour       ${flavourTitles[cluster.flavour]} (${cluster.evidence})`,
    `  nodes         ${cluster.nodes}, Kubernetes ${cluster.kubernetesVersion}`,
    `  runtime       ${cluster.runtimes.join(', ') || 'unknown'} on ${cluster.architectures.join(', ') || 'unknown'}`,
    `  allocatable   ${formatCpu(a.cpuMilli)} / ${formatBytes(a.memoryBytes)}` +
      ` (the stack wants about ${formatCpu(needs.cpuMilli)} / ${formatBytes(needs.memoryBytes)})`,
    `  storage       ${storage ? `default StorageClass ${storage.name} (${storage.provisioner})` : 'none default'}`,
    `  adaptations   ${cluster.adaptations.map((f) => `values/${f}`).join(', ') || 'none'}`,
  ]
}

export function renderStatus(view: StatusView, c: Log['c']): string {
  const table = (rows: string[][]) => {
    // widths as seen on screen: a coloured ✓ is one column, not its escape codes
    const width = (cell: string) => stripVTControlCharacters(cell).length
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i]))))
    return rows
      .map((r) => `  ${r.map((cell, i) => cell + ' '.repeat(widths[i] - width(cell))).join('  ')}`.trimEnd())
      .map((l, n) => (n === 0 ? c.dim(l) : l))
  }
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'))
  return [
    c.bold('Releases'),
    ...table([
      ['RELEASE', 'CHART', 'VERSION', 'STATUS', 'REVISION'],
      ...view.releases.map((r) => [
        r.name,
        r.chart,
        r.version || '-',
        r.status,
        r.revision === null ? '-' : String(r.revision),
      ]),
    ]),
    '',
    c.bold('Workloads'),
    ...table([
      ['', 'NAMESPACE', 'WORKLOAD', 'READY'],
      ...view.workloads.map((w) => [
        mark(w.ok),
        w.namespace,
        `${w.kind.toLowerCase()}/${w.name}`,
        `${w.ready}/${w.wanted}`,
      ]),
    ]),
    '',
    c.bold('Webhooks'),
    ...view.webhooks.map((w) => `  ${mark(w.answering)} ${w.name}${w.answering ? ' answers' : `: ${w.error}`}`),
    '',
    c.bold('Cluster'),
    ...renderCluster(view.cluster),
  ].join('\n')
}
