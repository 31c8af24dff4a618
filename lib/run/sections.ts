// A script is a view of the plan: a seed section (or all of them), run by the executor or, in a
// dry run, printed as bash. The settings its --help lists are those its steps use.
import { repoNames, type Config } from '../core/config.ts'
import { ExitError } from '../core/errors.ts'
import { planFor, type Action, type Step } from '../core/plan.ts'
import type { StepId } from '../core/stack.ts'
import { say, type Text } from '../core/text.ts'
import type { Context } from '../steps/context.ts'
import type { Target } from '../tools/kubectl.ts'

export interface Script {
  /** what --help says the script does */
  /** what --help says the script does */
  summary: Text
  /** the flags its --help lists (the frame's own are always listed) */
  settings(config: Config): string[]
  run(ctx: Context): Promise<void>
  /** it needs no cluster (it only writes files) */
  offline?: boolean
  /** a dry run: the bash script printed instead of running (none: the script changes nothing anyway) */
  print?(config: Config, target: Target, printedBy: string): string | Promise<string>
}

/**
 * The script of some sections of the seed, or of all of them (with the closing summary). The
 * executors, the summary and the error printer load after the preflight: a script reaches the
 * cluster before it has read them.
 */
export function sectionScript(scope: StepId[] | 'all', summary: Text): Script {
  return {
    summary,
    settings: (config) => settingsOf(config, planFor(config, scope)),
    run: (ctx) => runSteps(ctx, planFor(ctx.config, scope), { summary: scope === 'all' }),
    async print(config, target, printedBy) {
      const { renderScript } = await import('./script.ts')
      return renderScript(config, target, planFor(config, scope), { printedBy, cwd: process.cwd() })
    },
  }
}

/**
 * Runs the steps; a plan that changes the cluster holds the stack's lock throughout (one run at a
 * time per cluster and stack, lib/steps/lease.ts). A read-only one (05-verify) takes none, so it
 * never waits behind a long install: it says so when a run is changing the stack under it.
 */
async function runSteps(ctx: Context, steps: Step[], opts: { summary: boolean }): Promise<void> {
  const startedAt = Date.now()
  const [{ executePlan }, { noteLiveLock, withLease }, { printError }, { planExitCode, renderSummary }] =
    await Promise.all([
      import('./execute.ts'),
      import('../steps/lease.ts'),
      import('../ui/errors.ts'),
      import('../ui/summary.ts'),
    ])
  const execute = () =>
    executePlan(ctx, steps, async (_step, run) => {
      try {
        await run()
      } catch (error) {
        printError(ctx.log, error)
        throw error
      }
    })
  const changes = changesCluster(steps)
  if (!changes) await noteLiveLock(ctx)
  const results = changes ? await withLease(ctx, execute) : await execute()
  if (opts.summary) {
    const titled = results.map((result) => ({ result, title: say(steps.find((s) => s.id === result.id)!.title) }))
    for (const line of renderSummary(ctx, titled, startedAt, ctx.log.c, ctx.log.lang)) ctx.log.info(line)
  }
  const code = planExitCode(results)
  // each error was printed under its step: the frame only sets the exit code
  if (code) throw new ExitError(code)
}

/** A script whose whole run holds the stack's lock (teardown, which changes the cluster outside a plan). */
export function locked(script: Script): Script {
  return {
    ...script,
    async run(ctx) {
      const { withLease } = await import('../steps/lease.ts')
      await withLease(ctx, () => script.run(ctx))
    },
  }
}

/** Every script reads these. */
export const frameSettings = [
  'help',
  'help-all',
  'profile',
  'dry-run',
  'context',
  'timeout',
  'stuck-after',
  'api-unreachable-after',
  'use-bundled-tools',
  'verbose',
  'quiet',
]

/** What a script that holds the stack's lock reads (teardown's too). */
export const lockSettings = ['fail-if-busy', 'lease-duration']

/** The settings the steps' actions read, and the lock's when they change the cluster. */
export function settingsOf(config: Config, steps: Step[]): string[] {
  const used = steps.flatMap((s) => s.actions.flatMap((a) => actionSettings(config, a)))
  return [...new Set([...frameSettings, ...(changesCluster(steps) ? lockSettings : []), ...used])]
}

/** Whether any action changes the cluster (or helm's repositories), and so needs the lock. */
export function changesCluster(steps: Step[]): boolean {
  return steps.some((s) => s.actions.some((a) => !readOnlyActions.includes(a.do)))
}

const readOnlyActions: Action['do'][] = [
  'check-app-namespace',
  'require-namespace',
  'require-cert-manager',
  'wait-release',
  'wait-cert-manager',
  'webhook',
  'report',
]

function actionSettings(config: Config, action: Action): string[] {
  switch (action.do) {
    case 'check-app-namespace':
      return ['app-namespace', 'require-app']
    case 'create-namespace':
    case 'require-namespace':
    case 'remove-releases':
    case 'wait-release':
      return ['namespace']
    case 'add-repos': {
      const releases = config.releases.filter((r) => action.releases.includes(r.name))
      return ['chart-mirror', ...repoNames(releases).map((r) => `${r}-repo`)]
    }
    case 'install':
      return [
        'namespace',
        'values-dir',
        'flavour',
        'adapt',
        `${action.release}-version`,
        ...(action.release === 'opentelemetry-operator' ? ['collector-image'] : []),
      ]
    case 'apply-cert-manager':
      return ['cert-manager-version', 'cert-manager-manifest']
    case 'report':
      return ['namespace', 'app-namespace', 'require-app', 'json', 'skip-data-checks']
    case 'wait-cert-manager':
    case 'webhook':
    case 'require-cert-manager':
      return []
  }
}
