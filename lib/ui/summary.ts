// The closing summary of `npm run all`: each step with its time, what changed (one line each), and
// what comes next (`npm run grafana`, which never prints the password unasked). In the locale's
// language (lib/ui/i18n.ts); the commands and release names stay as they are.
import { exitCodeOf } from '../core/errors.ts'
import { messages, padColumns, type Lang } from './i18n.ts'
import { elapsed, type Log } from './log.ts'
import type { Config } from '../core/config.ts'
import type { Outcome } from '../core/plan.ts'
import type { StepResult } from '../core/plan.ts'

export function renderSummary(
  ctx: { config: Pick<Config, 'namespace'>; outcomes: Outcome[] },
  results: { result: StepResult; title: string }[],
  startedAt: number,
  c: Log['c'],
  lang: Lang = 'en',
): string[] {
  const m = messages[lang]
  const mark = { ok: c.green('✓'), failed: c.red('✗'), skipped: c.dim('–') }
  const lines = ['', c.bold(m.summary)]
  for (const { result, title } of results) {
    const time = result.status === 'skipped' ? c.dim(m.notRun) : c.dim(`${(result.ms / 1000).toFixed(1)}s`)
    lines.push(`  ${mark[result.status]} ${padColumns(title, 34)} ${time}`)
  }
  lines.push(`  ${c.dim(m.total(elapsed(startedAt)))}`)
  const changed = ctx.outcomes.filter((o) => !['unchanged', 'exists', 'checked'].includes(o.action))
  const allOk = results.every((r) => r.result.status === 'ok')
  if (changed.length) lines.push(`  ${m.changed}:`, ...changed.map((o) => `    ${describe(o, m.actions)}`))
  else lines.push(allOk ? `  ${c.green(m.nothingToDo)}` : `  ${m.nothingChanged}`)
  if (allOk) lines.push(...nextSteps(ctx.config.namespace, c, lang))
  return lines
}

function describe(o: Outcome, actions: Record<string, string>): string {
  return `${o.name} ${actions[o.action] ?? o.action}${o.detail ? ` (${o.detail})` : ''}`
}

/** What a green run leads to: Grafana, opened by one script (the namespace only when not the default). */
export function nextSteps(namespace: string, c: Log['c'], lang: Lang = 'en'): string[] {
  const command = `npm run grafana${namespace === 'monitoring' ? '' : ` -- --namespace ${namespace}`}`
  return ['', c.bold(messages[lang].next), `  ${c.cyan(command)}   ${messages[lang].grafanaNext}`]
}

/** The exit code of a whole plan: that of its first failed step. */
export function planExitCode(results: StepResult[]): number {
  const failed = results.find((r) => r.status === 'failed')
  return failed ? exitCodeOf(failed.error) : 0
}
