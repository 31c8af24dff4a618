// Teardown: the plan in reverse (operator, cert-manager, tempo, loki, kube-prometheus-stack),
// removing only what these scripts installed, each waited on until gone. CRDs and the namespace
// stay unless --purge. Every step runs even when one fails; all failures are reported at the end.
import fs from 'node:fs'
import { question, YAML } from 'zx'
import { MANIFEST_ANNOTATION } from './certmanager.ts'
import type { Config } from '../core/config.ts'
import { knownReleaseNames } from '../core/stack.ts'
import { ExitError, StepError, UsageError } from '../core/errors.ts'
import type { Command } from '../tools/exec.ts'
import { uninstallCmd } from '../tools/helm.ts'
import { getObject, kubectl, listObjects, type Target } from '../tools/kubectl.ts'
import type { Context } from '../steps/context.ts'
import { plan, stackSteps, type Step } from '../core/plan.ts'
import { listReleases, releaseState } from './release.ts'
import { formatDuration } from '../core/settings.ts'

export interface Component {
  id: string
  needs: string[]
  kind: 'release' | 'manifest'
}

/** What we install, with what each needs: the plan's releases and cert-manager's manifest. */
export function components(config: Config): Component[] {
  const steps = stackSteps(config)
  plan(steps) // an unknown need or a cycle: a UsageError before anything is removed
  const kindOf = (step: Step) =>
    step.actions.some((a) => a.do === 'install')
      ? ('release' as const)
      : step.actions.some((a) => a.do === 'apply-cert-manager')
        ? ('manifest' as const)
        : undefined
  const removable = steps.filter((s) => kindOf(s))
  const ids = new Set(removable.map((s) => s.id))
  return removable.map((s) => ({ id: s.id, needs: s.needs.filter((n) => ids.has(n)), kind: kindOf(s)! }))
}

/** The install plan reversed, and each layer in reverse seed order: what needs something goes first. */
export function teardownOrder(config: Config): Component[] {
  return plan(components(config))
    .reverse()
    .flatMap((layer) => [...layer].reverse())
}

export interface ManifestObject {
  apiVersion: string
  kind: string
  name: string
  namespace?: string
}

export function manifestObjects(text: string): ManifestObject[] {
  return YAML.parseAllDocuments(text)
    .map(
      (d) =>
        d.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null,
    )
    .filter((o) => o?.kind && o.apiVersion && o.metadata?.name)
    .map((o) => ({
      apiVersion: o!.apiVersion!,
      kind: o!.kind!,
      name: o!.metadata!.name!,
      namespace: o!.metadata!.namespace,
    }))
}

/**
 * `kubectl delete` commands for a manifest's objects, named one by one so that its CRDs (and with
 * them every Issuer and Certificate in the cluster) stay unless `withCrds`. Webhook configurations
 * go first (nothing is then sent to a webhook being deleted), namespaces last.
 */
export function deleteManifestCmds(
  target: Target,
  objects: ManifestObject[],
  opts: { withCrds: boolean; timeout: string },
): Command[] {
  const ref = (o: ManifestObject) => {
    const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''
    return `${o.kind.toLowerCase()}${group}/${o.name}`
  }
  const kept = objects.filter((o) => opts.withCrds || o.kind !== 'CustomResourceDefinition')
  const webhooks = kept.filter((o) => /WebhookConfiguration$/.test(o.kind))
  const namespaced = kept.filter((o) => o.namespace)
  const cluster = kept
    .filter((o) => !o.namespace && !webhooks.includes(o))
    .sort((a, b) => Number(a.kind === 'Namespace') - Number(b.kind === 'Namespace'))
  const del = (refs: string[], namespace?: string) =>
    kubectl(
      target,
      'delete',
      ...refs,
      ...(namespace ? ['-n', namespace] : []),
      '--ignore-not-found',
      '--wait',
      `--timeout=${opts.timeout}`,
    )
  const namespaces = [...new Set(namespaced.map((o) => o.namespace!))]
  return [
    ...(webhooks.length ? [del(webhooks.map(ref))] : []),
    ...namespaces.map((ns) => del(namespaced.filter((o) => o.namespace === ns).map(ref), ns)),
    ...(cluster.length ? [del(cluster.map(ref))] : []),
  ]
}

export interface Inventory {
  components: Component[]
  crds: string[]
  /** --purge deletes the namespace */
  namespace: boolean
  /** other helm releases in the namespace: --purge leaves it for them */
  namespaceKeptFor: string[]
}

/** What is there to remove: our releases, cert-manager if we applied it, and with --purge CRDs and the namespace. */
export async function inventory(ctx: Context): Promise<Inventory> {
  const { config } = ctx
  const present = await Promise.all(
    teardownOrder(config).map(async (c) => {
      if (c.kind === 'release')
        return (await releaseState(ctx, { name: c.id, namespace: config.namespace })) ? c : undefined
      const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, config.certManager.namespace)
      if (ns && !ns.metadata.annotations?.[MANIFEST_ANNOTATION])
        ctx.log.info(
          `cert-manager in namespace ${config.certManager.namespace}` +
            ' was not installed by these scripts: it is left alone',
        )
      return ns?.metadata.annotations?.[MANIFEST_ANNOTATION] ? c : undefined
    }),
  )
  // another profile's releases (alloy after a switch back to seed) are ours too: they go first
  const others = knownReleaseNames.filter((n) => !config.releases.some((r) => r.name === n))
  const installed = others.length ? (await listReleases(ctx, config.namespace)).map((r) => r.name) : []
  const strays: Component[] = others
    .filter((n) => installed.includes(n))
    .map((id) => ({ id, needs: [], kind: 'release' }))
  const groups = new Set([...config.releases.flatMap((r) => r.crdGroups), ...config.certManager.crdGroups])
  const crds = config.purge
    ? (await listObjects(ctx.runner, ctx.target, 'customresourcedefinitions'))
        .filter((c) => groups.has(c.spec?.group))
        .map((c) => c.metadata.name)
    : []
  const namespaceExists =
    config.purge && Boolean(await getObject(ctx.runner, ctx.target, 'namespace', undefined, config.namespace))
  const namespaceKeptFor = namespaceExists ? await otherReleases(ctx) : []
  return {
    components: [...strays, ...present.filter((c): c is Component => Boolean(c))],
    crds,
    namespace: namespaceExists && !namespaceKeptFor.length,
    namespaceKeptFor,
  }
}

/** Releases in our namespace that are not ours: deleting the namespace would delete them too. */
async function otherReleases(ctx: Context): Promise<string[]> {
  const ours = new Set(knownReleaseNames)
  return (await listReleases(ctx, ctx.config.namespace)).map((r) => r.name).filter((name) => !ours.has(name))
}

/** Removes each component; runs every step and reports every failure at the end. */
export async function removeAll(ctx: Context, found: Inventory): Promise<void> {
  const failures: string[] = []
  const attempt = async (title: string, commands: () => Command[] | Promise<Command[]>) => {
    try {
      await ctx.log.status(title, async () => {
        for (const cmd of await commands()) await ctx.runner.change(cmd)
      })
    } catch (error) {
      failures.push(`${title}: ${(error as Error).message}`)
    }
  }
  const timeout = formatDuration(ctx.config.timeoutMs)
  for (const c of found.components) {
    if (c.kind === 'release')
      await attempt(`helm uninstall ${c.id}`, () => [uninstallCmd(ctx.target, c.id, ctx.config.namespace, timeout)])
    else
      await attempt(
        `cert-manager ${ctx.config.certManager.version}${ctx.config.purge ? ' (with its CRDs)' : ' (its CRDs stay)'}`,
        () => certManagerDeletes(ctx, timeout),
      )
  }
  if (found.crds.length)
    await attempt(`CRDs: ${found.crds.join(', ')}`, () => [
      kubectl(
        ctx.target,
        'delete',
        'customresourcedefinition',
        ...found.crds,
        '--ignore-not-found',
        '--wait',
        `--timeout=${timeout}`,
      ),
    ])
  if (found.namespace)
    await attempt(`namespace ${ctx.config.namespace}`, () => [
      kubectl(
        ctx.target,
        'delete',
        'namespace',
        ctx.config.namespace,
        '--ignore-not-found',
        '--wait',
        `--timeout=${timeout}`,
      ),
    ])
  if (failures.length)
    throw new StepError(`teardown could not remove everything (${failures.length} failed)`, {
      output: failures.join('\n'),
      hint: 'run the teardown again: it removes what is left',
    })
}

async function certManagerDeletes(ctx: Context, timeout: string): Promise<Command[]> {
  const text = await readManifest(ctx.config.certManager.manifest)
  return deleteManifestCmds(ctx.target, manifestObjects(text), { withCrds: ctx.config.purge, timeout })
}

export async function readManifest(location: string): Promise<string> {
  if (!/^https?:\/\//.test(location)) return fs.readFileSync(location, 'utf8')
  const response = await fetch(location).catch((e: Error) => {
    throw new StepError(`cannot download ${location}: ${e.message}`, {
      hint: 'offline? pass the manifest as a local file with --cert-manager-manifest',
    })
  })
  if (!response.ok)
    throw new StepError(`cannot download ${location}: HTTP ${response.status}`, {
      hint: 'pass the manifest as a local file with --cert-manager-manifest',
    })
  return response.text()
}

/** The lines that say what the teardown is about to delete. */
export function describeInventory(config: Config, found: Inventory): string[] {
  return [
    ...found.components.map((c) =>
      c.kind === 'release'
        ? `helm release ${c.id} (namespace ${config.namespace})`
        : `cert-manager ${config.certManager.version} (namespace ${config.certManager.namespace})` +
          (config.purge ? ' with its CRDs' : ', its CRDs stay'),
    ),
    ...found.crds.map((name) => `CRD ${name}`),
    ...(found.namespace ? [`namespace ${config.namespace}`] : []),
  ]
}

/** On a terminal, ask; elsewhere --yes is required (a script must not hang on a prompt). */
export async function confirm(ctx: Context): Promise<void> {
  if (ctx.config.yes) return
  if (!process.stdin.isTTY)
    throw new UsageError([
      'teardown deletes from the cluster and needs confirmation: run it on a terminal, or pass --yes',
    ])
  const answer = await question('Delete all of the above? [y/N] ')
  if (/^y(es)?$/i.test(answer.trim())) return
  ctx.log.info('Cancelled: nothing was deleted.')
  throw new ExitError(1)
}
