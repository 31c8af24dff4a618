// The plan, run: every step starts once what it needs is done, each of its actions done by the
// lib/steps function that knows how. A dry run does not come here: lib/run/script.ts prints it.
import { ExitError } from '../core/errors.ts'
import { runPlan, type Action, type Step, type StepResult } from '../core/plan.ts'
import { applyCertManager, requireCertManager, waitForCertManager, waitForWebhook } from '../steps/certmanager.ts'
import type { Context } from '../steps/context.ts'
import { checkAppNamespace, ensureNamespace, requireNamespace } from '../steps/namespaces.ts'
import { addRepos, installRelease, removeOtherProfileReleases, waitForRelease } from '../steps/release.ts'
import { verifyStack } from '../steps/verify.ts'
import { say } from '../core/text.ts'

export async function runAction(ctx: Context, action: Action): Promise<void> {
  switch (action.do) {
    case 'check-app-namespace':
      return checkAppNamespace(ctx)
    case 'create-namespace':
      return ensureNamespace(ctx, action.namespace)
    case 'require-namespace':
      return requireNamespace(ctx, action.namespace)
    case 'add-repos':
      return addRepos(ctx, action.releases)
    case 'remove-releases':
      return removeOtherProfileReleases(ctx, action.releases)
    case 'install':
      return installRelease(ctx, action.release)
    case 'wait-release':
      return waitForRelease(ctx, action.release)
    case 'apply-cert-manager':
      return applyCertManager(ctx)
    case 'wait-cert-manager':
      return waitForCertManager(ctx)
    case 'webhook':
      return waitForWebhook(ctx, action.webhook)
    case 'require-cert-manager':
      return requireCertManager(ctx)
    case 'report': {
      const report = await verifyStack(ctx)
      if (!report.ok) throw new ExitError(1)
    }
  }
}

/**
 * Runs the steps side by side as their needs allow; the report (`always`) runs even after a
 * failure. Each step runs in its own scope of the log, so that every line it writes names it.
 * `onStep` frames each step (its error printed once).
 */
export async function executePlan(
  ctx: Context,
  steps: Step[],
  onStep: (step: Step, run: () => Promise<void>) => Promise<void>,
): Promise<StepResult[]> {
  return runPlan(
    steps,
    (step) =>
      ctx.log.step(say(step.title), () =>
        onStep(step, async () => {
          for (const action of step.actions) await runAction(ctx, action)
        }),
      ),
    { concurrency: steps.length, always: steps.filter((s) => s.always).map((s) => s.id) },
  )
}
