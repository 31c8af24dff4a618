// Seed §1: the app's namespace checked, the stack's namespace created, and a step that installs
// into a namespace checking that it is there.
import { StepError } from '../core/errors.ts'
import type { Command } from '../tools/exec.ts'
import { createNamespaceCmd, getObject, type Target } from '../tools/kubectl.ts'
import type { Context } from './context.ts'

/** seed §1 `kubectl get ns ticketing`: missing is a warning, or an error with --require-app. */
export async function checkAppNamespace(ctx: Context): Promise<void> {
  const name = ctx.config.appNamespace
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns) {
    ctx.log.ok(`namespace ${name} exists (the workshop app)`)
    return
  }
  const message = `namespace ${name} not found: the workshop app is not deployed yet (section 04, 04-app-deploy.md)`
  if (ctx.config.requireApp)
    throw new StepError(message, {
      hint:
        'deploy the app first (workshop section 04),' +
        ' or run without --require-app to install the monitoring stack anyway',
    })
  ctx.log.warn(`${message}. The monitoring stack does not need it; section 06 does.`)
}

/**
 * Our mark on a namespace these scripts created: teardown --purge deletes a namespace only when it
 * carries it (and holds nothing else). A namespace that was there before is never marked.
 */
export const MANAGED_BY_LABEL = { key: 'app.kubernetes.io/managed-by', value: 'monitoring-stack.workshop' }

/** seed §1 `kubectl create ns monitoring`, with our mark, idempotent: an existing namespace is left as it is. */
export async function ensureNamespace(ctx: Context, name: string): Promise<void> {
  const cmd = createOwnNamespaceCmd(ctx.target, name)
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns?.status?.phase === 'Terminating') {
    throw new StepError(`namespace ${name} is being deleted (Terminating)`, {
      hint: `wait until it is gone (kubectl get ns ${name} -w), then run again`,
    })
  }
  if (ns) {
    ctx.outcomes.push({ name: `namespace/${name}`, action: 'exists', detail: 'left as it is' })
    ctx.log.ok(`namespace ${name} exists`)
  } else {
    await ctx.runner.change(cmd)
    ctx.outcomes.push({ name: `namespace/${name}`, action: 'created', detail: '' })
    ctx.log.ok(`namespace ${name} created`)
  }
}

/** `kubectl create namespace` with our mark on it. */
export function createOwnNamespaceCmd(target: Target, name: string): Command {
  return createNamespaceCmd(target, name, { [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value })
}

/** A step that installs into a namespace checks it is there: 01 creates it, and says so if run first. */
export async function requireNamespace(ctx: Context, name: string): Promise<void> {
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (!ns)
    throw new StepError(`namespace ${name} does not exist (nothing was changed)`, {
      hint: 'run scripts/01-namespace.mts first (npx zx scripts/01-namespace.mts): it creates it',
    })
  if (ns.status?.phase === 'Terminating')
    throw new StepError(`namespace ${name} is being deleted (Terminating)`, {
      hint:
        `wait until it is gone (kubectl get ns ${name} -w),` +
        ' then run scripts/01-namespace.mts and this script again',
    })
}
