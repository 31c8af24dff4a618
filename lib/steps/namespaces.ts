// Seed §1: the app's namespace checked, the stack's namespace created with our mark, and a step
// that installs into a namespace checking that it is there. Teardown's side: a namespace goes only
// when it is ours to delete and holds nothing else (ownership.ts says what is ours).
import { StepError } from '../core/errors.ts'
import type { Config } from '../core/config.ts'
import type { Command } from '../tools/exec.ts'
import { createNamespaceCmd, getObject, kubectl, type KubeObject, type Target } from '../tools/kubectl.ts'
import { accountedFor, describeObjects, foreignObjects, listableResources, type Ours, someOf } from './ownership.ts'
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

/**
 * Why a namespace is not ours to delete, whatever it holds: the app's, a system one, or one these
 * scripts did not create (it carries no mark of ours).
 */
export function namespaceNotOurs(ns: KubeObject, config: Pick<Config, 'appNamespace'>): string | undefined {
  const name = ns.metadata.name
  if (name === config.appNamespace) return "it is the app's namespace"
  if (name === 'default' || name.startsWith('kube-')) return 'it is a system namespace'
  if (ns.metadata.labels?.[MANAGED_BY_LABEL.key] !== MANAGED_BY_LABEL.value)
    return (
      'these scripts did not create it (they mark what they create with the label ' +
      `${MANAGED_BY_LABEL.key}=${MANAGED_BY_LABEL.value})`
    )
  return undefined
}

/** A namespace that may go, and what was ours in it when it was listed: only that may be in it when it goes. */
export interface NamespaceCheck {
  name: string
  ours: Ours
}

/**
 * A namespace may go when it holds nothing that is not ours (`ours.uids`: what was ours when it was
 * listed before); else the line that says why it stays. Listed again just before it is deleted.
 */
export async function checkNamespace(ctx: Context, name: string, ours: Ours): Promise<NamespaceCheck | string> {
  const objects = await namespaceObjects(ctx, name).catch((e: Error) => e)
  if (objects instanceof Error) return `namespace ${name} stays: what it holds could not be listed (${objects.message})`
  const foreign = foreignObjects(objects, ours)
  if (!foreign.length) return { name, ours: { ...ours, uids: accountedFor(objects, ours) } }
  const what = someOf(describeObjects(foreign, { withNamespace: false }))
  return `namespace ${name} stays: it also holds ${what}, not created by these scripts`
}

/** Every object in a namespace, of every kind that holds objects (one discovery, one list). */
async function namespaceObjects(ctx: Context, namespace: string): Promise<KubeObject[]> {
  const served = (await ctx.runner.query(namespacedResourcesCmd(ctx.target))).stdout.trim().split('\n')
  const resources = listableResources(served.filter(Boolean))
  const out = await ctx.runner.query(kubectl(ctx.target, 'get', resources.join(','), '-n', namespace, '-o', 'json'))
  return (out.json() as { items: KubeObject[] }).items
}

/** Every kind of object a namespace can hold, as `kubectl get` names them. */
export function namespacedResourcesCmd(target: Target): Command {
  return kubectl(target, 'api-resources', '--verbs=list', '--namespaced', '-o', 'name')
}

export function deleteNamespaceCmd(target: Target, namespace: string, timeout: string): Command {
  return kubectl(target, 'delete', 'namespace', namespace, '--ignore-not-found', '--wait', `--timeout=${timeout}`)
}
