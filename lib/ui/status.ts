// `npm run status`: what is there now, read-only, from the same one-round snapshot as the report:
// each release (chart version, state, revision), ready/total per workload, webhooks answering.
// The view is built by lib/steps/status.ts; this module prints it.
import { stripVTControlCharacters } from 'node:util'
import {
  flavourTitles,
  formatBytes,
  formatCpu,
  inotifyLines,
  type Flavour,
  type InotifyReading,
} from '../core/flavours.ts'
import { asIs, say, type Text } from '../core/text.ts'
import type { Log } from './log.ts'
import { padColumns } from './i18n.ts'

export const STATUS_VERSION = 1

export interface StatusView {
  version: number
  releases: { name: string; chart: string; version: string; status: string; revision: number | null }[]
  workloads: { namespace: string; kind: string; name: string; ready: number; wanted: number; ok: boolean }[]
  /** why a webhook does not answer, in both languages (`--json` writes the English) */
  webhooks: { name: string; answering: boolean; error?: Text }[]
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
  /** each node's inotify limits as --check-inotify read them; null when not asked */
  inotify: InotifyReading[] | null
}

/** `npm run status --json`: the view as machines read it, in English whatever the locale. */
export function statusJson(view: StatusView): string {
  const webhooks = view.webhooks.map(({ error, ...w }) => (error ? { ...w, error: error.en } : w))
  const inotify = view.cluster?.inotify?.map(({ error, ...r }) => (error ? { ...r, error: error.en } : r))
  const cluster = view.cluster && { ...view.cluster, inotify: inotify ?? null }
  return JSON.stringify({ ...view, webhooks, cluster }, null, 2)
}

function renderCluster(cluster: ClusterView | null): string[] {
  if (!cluster)
    return [
      say({
        en: '  not read (listing nodes and StorageClasses was refused or failed)',
        ko: '  읽지 못함 (노드와 StorageClass 목록 조회가 거부되었거나 실패함)',
      }),
    ]
  const { allocatable: a, stackNeeds: needs, defaultStorageClass: storage } = cluster
  const unknown = say({ en: 'unknown', ko: '모름' })
  const [runtimes, archs] = [cluster.runtimes, cluster.architectures].map((l) => l.join(', ') || unknown)
  const [has, wants] = [a, needs].map((r) => `${formatCpu(r.cpuMilli)} / ${formatBytes(r.memoryBytes)}`)
  const row = (label: Text, value: string) => `  ${padColumns(say(label), 14)}${value}`
  return [
    row({ en: 'flavour', ko: '종류' }, `${flavourTitles[cluster.flavour]} (${cluster.evidence})`),
    row({ en: 'nodes', ko: '노드' }, `${cluster.nodes}, Kubernetes ${cluster.kubernetesVersion}`),
    row({ en: 'runtime', ko: '런타임' }, say({ en: `${runtimes} on ${archs}`, ko: `${runtimes}, ${archs}` })),
    row(
      { en: 'allocatable', ko: '할당 가능' },
      say({ en: `${has} (the stack wants about ${wants})`, ko: `${has} (스택에 필요한 양 약 ${wants})` }),
    ),
    row(
      { en: 'storage', ko: '스토리지' },
      storage
        ? say({
            en: `default StorageClass ${storage.name} (${storage.provisioner})`,
            ko: `기본 StorageClass ${storage.name} (${storage.provisioner})`,
          })
        : say({ en: 'none default', ko: '기본값 없음' }),
    ),
    row(
      { en: 'adaptations', ko: '맞춤' },
      cluster.adaptations.map((f) => `values/${f}`).join(', ') || say({ en: 'none', ko: '없음' }),
    ),
    ...(cluster.inotify
      ? inotifyLines(cluster.inotify)
      : [{ en: 'not read (--check-inotify reads it)', ko: '읽지 않음 (--check-inotify로 읽음)' }]
    ).map((line, i) => row(i === 0 ? asIs('inotify') : asIs(''), say(line))),
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
  const answers = say({ en: ' answers', ko: ' 응답함' })
  return [
    c.bold(say({ en: 'Releases', ko: '릴리스' })),
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
    c.bold(say({ en: 'Workloads', ko: '워크로드' })),
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
    c.bold(say({ en: 'Webhooks', ko: '웹훅' })),
    ...view.webhooks.map(
      (w) => `  ${mark(w.answering)} ${w.name}${w.answering ? answers : `: ${say(w.error ?? { en: '?', ko: '?' })}`}`,
    ),
    '',
    c.bold(say({ en: 'Cluster', ko: '클러스터' })),
    ...renderCluster(view.cluster),
  ].join('\n')
}
