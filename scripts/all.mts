#!/usr/bin/env -S npx zx
// `npm run all`: seed §1–§5 as one plan. Each step starts once what it needs is done, so Loki,
// Tempo, Prometheus and cert-manager install side by side; the report runs even after a failure.
import { ExitError } from '../lib/core/errors.ts'
import { isMain, main, printError } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { runPlan } from '../lib/core/plan.ts'
import { addRepos } from '../lib/steps/release.ts'
import { planExitCode, renderSummary } from '../lib/ui/summary.ts'
import * as namespace from './01-namespace.mts'
import * as lgtm from './02-lgtm.mts'
import * as certManager from './03-cert-manager.mts'
import * as otelOperator from './04-otel-operator.mts'
import * as verify from './05-verify.mts'

export const about = {
  summary: 'Seed §1–§5 in one run: namespaces, LGTM stack, cert-manager, OpenTelemetry Operator, then the checkpoint report.',
}

/** The plan: what each step needs. Helm repositories are added once, before anything runs side by side. */
export const steps = [
  { id: 'namespace', title: '§1 namespaces', needs: [], run: namespace.run },
  {
    id: 'repos', title: '§2.1 helm repositories', needs: [],
    run: (ctx: Context) => addRepos(ctx, ctx.config.releases.map((r) => r.name)),
  },
  { id: 'lgtm', title: '§2 LGTM stack', needs: ['namespace', 'repos'], run: lgtm.run },
  { id: 'cert-manager', title: '§3 cert-manager', needs: ['namespace'], run: certManager.run },
  { id: 'otel-operator', title: '§4 OpenTelemetry Operator', needs: ['cert-manager', 'repos'], run: otelOperator.run },
  { id: 'verify', title: '§5 checkpoint report', needs: ['lgtm', 'otel-operator'], run: verify.run },
]

export async function run(ctx: Context) {
  const startedAt = Date.now()
  const results = await runPlan(steps, async (step) => {
    if (ctx.config.dryRun) ctx.log.print(`\n# ${step.title}`)
    else ctx.log.header(step.title)
    try {
      await step.run(ctx)
    } catch (error) {
      printError(ctx.log, error)
      throw error
    }
  }, { concurrency: ctx.config.dryRun ? 1 : steps.length, always: ['verify'] })
  const titled = results.map((result) => ({ result, title: steps.find((s) => s.id === result.id)!.title }))
  for (const line of renderSummary(ctx, titled, startedAt, ctx.log.c, ctx.log.lang)) ctx.log.info(line)
  const code = planExitCode(results)
  if (code) throw new ExitError(code)
}

if (isMain(import.meta)) await main(import.meta, about, run)
