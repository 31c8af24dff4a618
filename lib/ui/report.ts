// The checkpoint report of seed §5: checks grouped under the seed's three checkpoint
// sentences (plus releases, datasources and the data path), rendered as a table for people or JSON for machines.
// Pure: building the checks from a cluster snapshot and rendering them need no process.
import { seedNamespace, type Section06 } from '../core/stack.ts'
import { say, type Text } from '../core/text.ts'
import { displayWidth, messages, padColumns, type GroupTitles, type Lang } from './i18n.ts'
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

/** One row of the report: its words in both languages, the table shows the locale's, `--json` the English. */
export interface Check {
  id: string
  group: CheckGroup
  title: Text
  ok: boolean
  detail: Text
  hint?: Text
}

/** A check as `--json` writes it: the English words, in the order the JSON has always had. */
interface JsonCheck {
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
  /** the stack's namespace, which the headings name */
  namespace: string
  checks: Check[]
  /** after a green report only: what section 06 creates, and the endpoints it uses */
  next?: Section06
}

/** The seed's checkpoint sentences (§5 ✅ 체크포인트) for `namespace`, in English (i18n.ts: the original). */
export function groupTitles(namespace: string): Record<CheckGroup, string> {
  return messages.en.groups(namespace)
}

/** The report of these checks about the stack in `namespace`; `next` is kept only when every check passed. */
export function makeReport(
  checks: Check[],
  about: { namespace: string; next?: Section06 } = { namespace: seedNamespace },
): Report {
  const ok = checks.every((c) => c.ok)
  return {
    version: REPORT_VERSION,
    ok,
    namespace: about.namespace,
    checks,
    ...(ok && about.next ? { next: about.next } : {}),
  }
}

/** The JSON for scripts: English whatever the locale, so a script reading it never depends on it. */
export function renderJson(report: Report): string {
  return JSON.stringify({ ...report, checks: report.checks.map(jsonCheck) }, null, 2)
}

function jsonCheck(check: Check): JsonCheck {
  const { id, group, title, ok, detail, hint } = check
  return { id, group, title: title.en, ok, detail: detail.en, ...(hint ? { hint: hint.en } : {}) }
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
  const titles: GroupTitles = m.groups(report.namespace)
  const lines: string[] = []
  const width = Math.max(...report.checks.map((k) => displayWidth(say(k.title, lang))))
  for (const group of Object.keys(titles) as CheckGroup[]) {
    const checks = report.checks.filter((k) => k.group === group)
    if (!checks.length) continue
    const ok = checks.every((k) => k.ok)
    lines.push(`${ok ? '✅' : '❌'} ${c.bold(titles[group])}`)
    for (const k of checks) {
      const [title, detail] = [say(k.title, lang), say(k.detail, lang)]
      lines.push(`   ${k.ok ? '✅' : '❌'} ${padColumns(title, width)}  ${k.ok ? c.dim(detail) : c.red(detail)}`)
      if (!k.ok && k.hint) lines.push(`      ${' '.repeat(width)}  ${c.yellow(`→ ${say(k.hint, lang)}`)}`)
    }
  }
  const failed = report.checks.filter((k) => !k.ok).length
  lines.push('')
  lines.push(report.ok ? c.green(m.allPassed(report.checks.length)) : c.red(m.someFailed(failed, report.checks.length)))
  if (report.next) lines.push(...nextLines(report.next, c, lang))
  return lines.join('\n')
}

/** What section 06 creates, each object with the endpoints it is to use, the values in cyan to copy. */
function nextLines(next: Section06, c: Log['c'], lang: Lang): string[] {
  const words = messages[lang].section06
  const collector = `${next.collector.kind} ${next.collector.name}`
  const instrumentation = `${next.instrumentation.kind} ${next.instrumentation.name}`
  const width = Math.max(collector.length, instrumentation.length)
  return [
    '',
    c.bold(words.heading(next.namespace)),
    `  ${collector.padEnd(width)}  ${words.traces} ${c.cyan(next.collector.traces)} (OTLP gRPC)`,
    `  ${' '.repeat(width)}  ${words.logs} ${c.cyan(next.collector.logs)}`,
    `  ${instrumentation.padEnd(width)}  ${words.endpoint} ${c.cyan(next.instrumentation.endpoint)}`,
  ]
}
