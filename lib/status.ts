// `npm run status`: what is there now, read-only, from the same one-round snapshot as the report:
// each release (chart version, state, revision), ready/total per workload, webhooks answering.
import { stripVTControlCharacters } from 'node:util'
import type { Config } from './config.ts'
import type { Log } from './log.ts'
import { workloadStatus } from './readiness.ts'
import type { Snapshot } from './verify.ts'

export const STATUS_VERSION = 1

export interface StatusView {
  version: number
  releases: { name: string; chart: string; version: string; status: string; revision: number | null }[]
  workloads: { namespace: string; kind: string; name: string; ready: number; wanted: number; ok: boolean }[]
  webhooks: { name: string; answering: boolean; error?: string }[]
}

export function statusView(config: Config, snap: Snapshot): StatusView {
  return {
    version: STATUS_VERSION,
    releases: config.releases.map((r) => {
      const state = snap.releases.find((s) => s.name === r.name)
      return { name: r.name, chart: state?.chart ?? r.chart, version: state?.version ?? '', status: state?.status ?? 'not installed', revision: state?.revision ?? null }
    }),
    workloads: Object.entries(snap.namespaces).flatMap(([namespace, ns]) =>
      ns.workloads.map((w) => {
        const s = workloadStatus(w)
        return { namespace, kind: w.kind ?? '', name: w.metadata.name, ready: s.readyCount, wanted: s.wanted, ok: s.ready }
      })),
    webhooks: [
      { name: 'cert-manager', ...answer(snap.webhooks.certManager) },
      { name: 'opentelemetry-operator', ...answer(snap.webhooks.operator) },
    ],
  }
}

function answer(a: string | true) {
  return a === true ? { answering: true } : { answering: false, error: a }
}

export function renderStatus(view: StatusView, c: Log['c']): string {
  const table = (rows: string[][]) => {
    // widths as seen on screen: a coloured ✓ is one column, not its escape codes
    const width = (cell: string) => stripVTControlCharacters(cell).length
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i]))))
    return rows.map((r) => `  ${r.map((cell, i) => cell + ' '.repeat(widths[i] - width(cell))).join('  ')}`.trimEnd()).map((l, n) => (n === 0 ? c.dim(l) : l))
  }
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'))
  return [
    c.bold('Releases'),
    ...table([['RELEASE', 'CHART', 'VERSION', 'STATUS', 'REVISION'], ...view.releases.map((r) => [r.name, r.chart, r.version || '-', r.status, r.revision === null ? '-' : String(r.revision)])]),
    '',
    c.bold('Workloads'),
    ...table([['', 'NAMESPACE', 'WORKLOAD', 'READY'], ...view.workloads.map((w) => [mark(w.ok), w.namespace, `${w.kind.toLowerCase()}/${w.name}`, `${w.ready}/${w.wanted}`])]),
    '',
    c.bold('Webhooks'),
    ...view.webhooks.map((w) => `  ${mark(w.answering)} ${w.name}${w.answering ? ' answers' : `: ${w.error}`}`),
  ].join('\n')
}
