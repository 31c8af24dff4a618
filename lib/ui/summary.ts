// The closing summary of `npm run all`: each step with its time, what changed, and how to reach
// Grafana (the command that reads the admin password, never the password itself). In the
// locale's language (lib/i18n.ts); the commands and release names stay as they are.
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
    lines.push(`  ${mark[result.status]} ${padColumns(m.steps[result.id] ?? title, 34)} ${time}`)
  }
  lines.push(`  ${c.dim(m.total(elapsed(startedAt)))}`)
  const changed = ctx.outcomes.filter((o) => !['unchanged', 'exists', 'checked'].includes(o.action))
  const allOk = results.every((r) => r.result.status === 'ok')
  if (changed.length) lines.push(`  ${m.changed}: ${changed.map((o) => describe(o, m.actions)).join('; ')}`)
  else lines.push(allOk ? `  ${c.green(m.nothingToDo)}` : `  ${m.nothingChanged}`)
  if (allOk) lines.push(...grafanaAccess(ctx.config.namespace, c, lang))
  return lines
}

function describe(o: Outcome, actions: Record<string, string>): string {
  return `${o.name} ${actions[o.action] ?? o.action}${o.detail ? ` (${o.detail})` : ''}`
}

/** How to open Grafana: a port-forward, and the command that prints the password. */
export function grafanaAccess(namespace: string, c: Log['c'], lang: Lang = 'en'): string[] {
  return [
    '',
    c.bold('Grafana'),
    `  kubectl port-forward -n ${namespace} svc/kube-prometheus-stack-grafana 3000:80   → http://localhost:3000`,
    `  ${messages[lang].grafanaLogin} kubectl get secret -n ${namespace} kube-prometheus-stack-grafana` +
      ` -o jsonpath='{.data.admin-password}' | base64 -d; echo`,
  ]
}

/** The exit code of a whole plan: that of its first failed step. */
export function planExitCode(results: StepResult[]): number {
  const failed = results.find((r) => r.status === 'failed')
  return failed ? exitCodeOf(failed.error) : 0
}
