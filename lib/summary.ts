// The closing summary of `npm run all`: each step with its time, what changed, and how to reach
// Grafana (the command that reads the admin password, never the password itself).
import { exitCodeOf } from './errors.ts'
import { elapsed, type Log } from './log.ts'
import type { Context, Outcome } from './main.ts'
import type { StepResult } from './plan.ts'

export function renderSummary(ctx: Pick<Context, 'config' | 'outcomes'>, results: { result: StepResult; title: string }[], startedAt: number, c: Log['c']): string[] {
  const mark = { ok: c.green('✓'), failed: c.red('✗'), skipped: c.dim('–') }
  const lines = ['', c.bold('Summary')]
  for (const { result, title } of results) {
    lines.push(`  ${mark[result.status]} ${title.padEnd(34)} ${result.status === 'skipped' ? c.dim('not run') : c.dim(`${(result.ms / 1000).toFixed(1)}s`)}`)
  }
  lines.push(`  ${c.dim(`total ${elapsed(startedAt)}`)}`)
  const changed = ctx.outcomes.filter((o) => !['unchanged', 'exists', 'checked'].includes(o.action))
  if (ctx.config.dryRun) lines.push(`  ${c.yellow('dry run: nothing was changed; the commands above (stdout) are what a run on an empty cluster does')}`)
  else lines.push(changed.length ? `  changed: ${changed.map(describe).join('; ')}` : `  ${c.green('nothing to do: everything was already in place')}`)
  if (!ctx.config.dryRun && results.every((r) => r.result.status === 'ok')) lines.push(...grafanaAccess(ctx.config.namespace, c))
  return lines
}

function describe(o: Outcome): string {
  return `${o.name} ${o.action}${o.detail ? ` (${o.detail})` : ''}`
}

/** How to open Grafana: a port-forward, and the command that prints the password. */
export function grafanaAccess(namespace: string, c: Log['c']): string[] {
  return [
    '',
    c.bold('Grafana'),
    `  kubectl port-forward -n ${namespace} svc/kube-prometheus-stack-grafana 3000:80   → http://localhost:3000`,
    `  user admin; password: kubectl get secret -n ${namespace} kube-prometheus-stack-grafana -o jsonpath='{.data.admin-password}' | base64 -d; echo`,
  ]
}

/** The exit code of a whole plan: that of its first failed step. */
export function planExitCode(results: StepResult[]): number {
  const failed = results.find((r) => r.status === 'failed')
  return failed ? exitCodeOf(failed.error) : 0
}
