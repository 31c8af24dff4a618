// The checkpoint report of seed §5: checks grouped under the seed's three checkpoint
// sentences (plus releases, datasources and the data path), rendered as a table for people or JSON for machines.
// Pure: building the checks from a cluster snapshot and rendering them need no process.
import { messages, type Lang } from './i18n.ts'
import type { Log } from './log.ts'

export const REPORT_VERSION = 1

export type CheckGroup =
  | 'monitoring'
  | 'cert-manager'
  | 'operator'
  | 'releases'
  | 'datasources'
  | 'data'
  | 'grafana'
  | 'section-06'

export interface Check {
  id: string
  group: CheckGroup
  title: string
  ok: boolean
  detail: string
  hint?: string
}

export interface Report {
  version: number
  ok: boolean
  checks: Check[]
}

/** The seed's checkpoint sentences (§5 ✅ 체크포인트), in English; lib/i18n.ts has the original. */
export const groupTitles: Record<CheckGroup, string> = messages.en.groups

export function makeReport(checks: Check[]): Report {
  return { version: REPORT_VERSION, ok: checks.every((c) => c.ok), checks }
}

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2)
}

/** The report as the user asked for it: JSON (the same in every language) or the table. */
export function renderReport(report: Report, opts: { json: boolean; c: Log['c']; lang?: Lang }): string {
  return opts.json ? renderJson(report) : `\n${renderTable(report, opts.c, opts.lang)}`
}

/**
 * One line per check, ✅/❌, grouped under the checkpoint sentences (in `lang`); the detail
 * explains a ❌ and a hint says what to do.
 */
export function renderTable(report: Report, c: Log['c'], lang: Lang = 'en'): string {
  const m = messages[lang]
  const lines: string[] = []
  const width = Math.max(...report.checks.map((k) => k.title.length))
  for (const group of Object.keys(m.groups) as CheckGroup[]) {
    const checks = report.checks.filter((k) => k.group === group)
    if (!checks.length) continue
    const ok = checks.every((k) => k.ok)
    lines.push(`${ok ? '✅' : '❌'} ${c.bold(m.groups[group])}`)
    for (const k of checks) {
      lines.push(`   ${k.ok ? '✅' : '❌'} ${k.title.padEnd(width)}  ${k.ok ? c.dim(k.detail) : c.red(k.detail)}`)
      if (!k.ok && k.hint) lines.push(`      ${' '.repeat(width)}  ${c.yellow(`→ ${k.hint}`)}`)
    }
  }
  const failed = report.checks.filter((k) => !k.ok).length
  lines.push('')
  lines.push(report.ok ? c.green(m.allPassed(report.checks.length)) : c.red(m.someFailed(failed, report.checks.length)))
  return lines.join('\n')
}
