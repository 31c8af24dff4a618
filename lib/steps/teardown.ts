// Teardown: the plan in reverse (operator, cert-manager, tempo, loki, kube-prometheus-stack),
// removing only what is provably ours (ownership.ts), each waited on until gone. CRDs and the
// stack's namespace stay unless --purge. A namespace goes only when it holds nothing else, and
// --purge refuses while the CRDs hold custom resources that are not ours. Every step runs even
// when one fails; all failures are reported at the end.
import fs from 'node:fs'
import { question, YAML } from '../core/zx.ts'
import { MANIFEST_ANNOTATION } from './certmanager.ts'
import type { Config } from '../core/config.ts'
import { knownReleaseNames } from '../core/stack.ts'
import { ExitError, StepError, UsageError } from '../core/errors.ts'
import type { Command } from '../tools/exec.ts'
import { uninstallCmd } from '../tools/helm.ts'
import { getObject, kubectl, type KubeObject, listObjects, type Target } from '../tools/kubectl.ts'
import type { Context } from '../steps/context.ts'
import { plan, stackSteps, type Step } from '../core/plan.ts'
import { listReleases, waitForNoOperation } from './release.ts'
import { formatDuration } from '../core/settings.ts'
import { checkNamespace, deleteNamespaceCmd, type NamespaceCheck, namespaceNotOurs } from './namespaces.ts'
import {
  certManagerLeftovers,
  describeObjects,
  foreignObjects,
  isOurRelease,
  ourReleaseNames,
  type Ours,
  releaseLeftovers,
} from './ownership.ts'
import { say } from '../core/text.ts'

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
 * go first (nothing is then sent to a webhook being deleted). Its namespaces are not deleted here:
 * a namespace goes only once it is seen to hold nothing else (deleteNamespaceCmd).
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
  const kept = objects.filter((o) => o.kind !== 'Namespace' && (opts.withCrds || o.kind !== 'CustomResourceDefinition'))
  const webhooks = kept.filter((o) => /WebhookConfiguration$/.test(o.kind))
  const namespaced = kept.filter((o) => o.namespace)
  const cluster = kept.filter((o) => !o.namespace && !webhooks.includes(o))
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

/** Our mark off cert-manager's namespace, when it stays without cert-manager: it is no longer ours to remove. */
export function unmarkCertManagerCmd(target: Target, namespace: string): Command {
  return kubectl(target, 'annotate', 'namespace', namespace, `${MANIFEST_ANNOTATION}-`)
}

export function deleteCrdsCmd(target: Target, crds: string[], timeout: string): Command {
  return kubectl(
    target,
    'delete',
    'customresourcedefinition',
    ...crds,
    '--ignore-not-found',
    '--wait',
    `--timeout=${timeout}`,
  )
}

/** Every custom resource of these CRDs, in every namespace and none. */
export function customResourcesCmd(target: Target, crds: string[]): Command {
  return kubectl(target, 'get', crds.join(','), '--all-namespaces', '-o', 'json')
}

export interface Inventory {
  components: Component[]
  /** cert-manager's manifest, when it is ours to remove */
  manifest: ManifestObject[]
  crds: string[]
  /** custom resources of those CRDs that are not ours, as a person names them */
  foreignResources: string[]
  /** the namespaces to delete once the rest is gone, each with what counted as ours in it */
  namespaces: NamespaceCheck[]
  /** why a namespace stays, one line each */
  kept: string[]
}

/**
 * What is there to remove: our releases (by name and chart), cert-manager if we applied it; with
 * --purge the CRDs and what they hold; the namespaces that hold nothing else.
 */
export async function inventory(ctx: Context): Promise<Inventory> {
  const { config } = ctx
  const listed = await listReleases(ctx, config.namespace)
  for (const r of listed.filter((r) => knownReleaseNames.includes(r.name) && !isOurRelease(r)))
    ctx.log.info(
      say({
        en: `helm release ${r.name} (chart ${r.chart}) was not installed by these scripts: it is left alone`,
        ko: `helm 릴리스 ${r.name}(차트 ${r.chart})는 이 스크립트가 설치한 것이 아니라 그대로 \
둡니다`,
      }),
    )
  const ours = (name: string) => listed.some((r) => r.name === name && isOurRelease(r))
  const certManager = await certManagerState(ctx)
  const present = teardownOrder(config).filter((c) => (c.kind === 'release' ? ours(c.id) : certManager.ours))
  // another profile's releases (alloy after a switch back to seed) are ours too: they go first
  const strays: Component[] = knownReleaseNames
    .filter((n) => !config.releases.some((r) => r.name === n) && ours(n))
    .map((id) => ({ id, needs: [], kind: 'release' }))
  const manifest = certManager.ours ? manifestObjects(await readManifest(config.certManager.manifest)) : []
  const releases = ourReleaseNames(listed)
  const stack = {
    releaseNamespace: config.namespace,
    releases,
    named: releases.flatMap((n) => releaseLeftovers[n] ?? []),
  }
  const crds = config.purge ? await stackCrds(ctx, { withCertManager: !certManager.foreign }) : []
  const checks = await Promise.all([
    certManager.ours ? checkNamespace(ctx, config.certManager.namespace, certManagerOurs(config, manifest)) : undefined,
    config.purge ? checkStackNamespace(ctx, { ...stack, uids: new Set() }) : undefined,
  ])
  return {
    components: [...strays, ...present],
    manifest,
    crds,
    foreignResources: crds.length
      ? await foreignCustomResources(ctx, crds, { ...stack, named: [], uids: new Set() })
      : [],
    namespaces: checks.filter((c): c is NamespaceCheck => typeof c === 'object'),
    kept: checks.filter((c): c is string => typeof c === 'string'),
  }
}

/**
 * cert-manager is ours when our mark is on its namespace, and someone else's when it runs there
 * without it (a namespace left without cert-manager is neither).
 */
async function certManagerState(ctx: Context): Promise<{ ours: boolean; foreign: boolean }> {
  const { namespace, deployments } = ctx.config.certManager
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, namespace)
  const ours = Boolean(ns?.metadata.annotations?.[MANIFEST_ANNOTATION])
  const foreign =
    Boolean(ns) && !ours && Boolean(await getObject(ctx.runner, ctx.target, 'deployment', namespace, deployments[0]))
  if (foreign)
    ctx.log.info(
      say({
        en: `cert-manager in namespace ${namespace} was not installed by these scripts: it is left alone, with its \
CRDs`,
        ko: `네임스페이스 ${namespace}의 cert-manager는 이 스크립트가 설치한 것이 아니라 CRD와 \
함께 그대로 둡니다`,
      }),
    )
  return { ours, foreign }
}

/** Ours in cert-manager's namespace: the manifest's objects there, and what its webhook writes. */
function certManagerOurs(config: Config, manifest: ManifestObject[]): Ours {
  const { namespace } = config.certManager
  return {
    releaseNamespace: config.namespace,
    releases: [],
    named: [...manifest.filter((o) => o.namespace === namespace), ...certManagerLeftovers],
    uids: new Set(),
  }
}

/** The CRDs of our releases' API groups, and of cert-manager's unless someone else's cert-manager uses them. */
async function stackCrds(ctx: Context, opts: { withCertManager: boolean }): Promise<string[]> {
  const { config } = ctx
  const groups = new Set([
    ...config.releases.flatMap((r) => r.crdGroups),
    ...(opts.withCertManager ? config.certManager.crdGroups : []),
  ])
  return (await listObjects(ctx.runner, ctx.target, 'customresourcedefinitions'))
    .filter((c) => groups.has(c.spec?.group))
    .map((c) => c.metadata.name)
}

/** The custom resources of these CRDs that are not ours: deleting the CRDs would delete them too. */
async function foreignCustomResources(ctx: Context, crds: string[], ours: Ours): Promise<string[]> {
  const out = await ctx.runner.query(customResourcesCmd(ctx.target, crds))
  const items = (out.json() as { items: KubeObject[] }).items
  return describeObjects(foreignObjects(items, ours), { withNamespace: true })
}

/** The stack's namespace (--purge): only one these scripts created, and never the app's or a system one. */
async function checkStackNamespace(ctx: Context, ours: Ours): Promise<NamespaceCheck | string | undefined> {
  const { config } = ctx
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, config.namespace)
  if (!ns) return undefined
  const notOurs = namespaceNotOurs(ns, config)
  return notOurs ? `namespace ${config.namespace} stays: ${notOurs}` : checkNamespace(ctx, config.namespace, ours)
}

/**
 * Removes each component; runs every step and reports every failure at the end. Returns the
 * namespaces that stayed after all: something not ours appeared in them since the inventory.
 */
export async function removeAll(ctx: Context, found: Inventory): Promise<string[]> {
  const { config } = ctx
  const failures: string[] = []
  const stayed: string[] = []
  const timeout = formatDuration(config.timeoutMs)
  const removeNamespace = async (name: string) => {
    if (!(await deleteNamespaceIfOurs(ctx, found, name, failures))) stayed.push(name)
  }
  // a helm still at work on one of them (another terminal's) is waited for: nothing is removed under it
  for (const c of found.components.filter((c) => c.kind === 'release'))
    await waitForNoOperation(ctx, { name: c.id, namespace: config.namespace })
  for (const c of found.components) {
    if (c.kind === 'release') {
      const uninstall = uninstallCmd(ctx.target, c.id, config.namespace, timeout)
      await attempt(ctx, failures, `helm uninstall ${c.id}`, () => [uninstall])
      continue
    }
    const crds = config.purge
      ? say({ en: ' (with its CRDs)', ko: ' (CRD 포함)' })
      : say({ en: ' (its CRDs stay)', ko: ' (CRD는 남김)' })
    const title = `cert-manager ${config.certManager.version}${crds}`
    const deletes = deleteManifestCmds(ctx.target, found.manifest, { withCrds: config.purge, timeout })
    // when that fails, what is left of it stays ours (and marked) until the next teardown
    if (await attempt(ctx, failures, title, () => deletes)) await removeNamespace(config.certManager.namespace)
  }
  if (found.crds.length)
    await attempt(ctx, failures, `CRDs: ${found.crds.join(', ')}`, () => [
      deleteCrdsCmd(ctx.target, found.crds, timeout),
    ])
  if (found.namespaces.some((n) => n.name === config.namespace)) await removeNamespace(config.namespace)
  if (failures.length)
    throw new StepError(
      say({
        en: `teardown could not remove everything (${failures.length} failed)`,
        ko: `teardown이 모두 지우지는 못했습니다 (${failures.length}개 실패)`,
      }),
      {
        output: failures.join('\n'),
        hint: say({
          en: 'run the teardown again: it removes what is left',
          ko: 'teardown을 다시 실행하세요: 남은 것을 지웁니다',
        }),
      },
    )
  return stayed
}

/** One removal, its status line ✓/✗; a failure is noted and does not stop the others. */
async function attempt(ctx: Context, failures: string[], title: string, commands: () => Command[]): Promise<boolean> {
  try {
    await ctx.log.status(title, async () => {
      for (const cmd of commands()) await ctx.runner.change(cmd)
    })
    return true
  } catch (error) {
    failures.push(`${title}: ${(error as Error).message}`)
    return false
  }
}

/** Deletes a namespace found ours if, listed again now, it still holds nothing else; false when it stays. */
async function deleteNamespaceIfOurs(ctx: Context, found: Inventory, name: string, failures: string[]) {
  const check = found.namespaces.find((n) => n.name === name)
  const now = check && (await checkNamespace(ctx, name, check.ours))
  if (typeof now === 'object') {
    const timeout = formatDuration(ctx.config.timeoutMs)
    await attempt(ctx, failures, `namespace ${name}`, () => [deleteNamespaceCmd(ctx.target, name, timeout)])
    return true
  }
  if (now) ctx.log.warn(now)
  // cert-manager is gone and its namespace stays: nothing in it is ours to remove any more
  if (name === ctx.config.certManager.namespace) {
    const unmark = say({ en: `our mark off namespace ${name}`, ko: `네임스페이스 ${name}에서 표시 제거` })
    await attempt(ctx, failures, unmark, () => [unmarkCertManagerCmd(ctx.target, name)])
  }
  return false
}

export async function readManifest(location: string): Promise<string> {
  if (!/^https?:\/\//.test(location)) return fs.readFileSync(location, 'utf8')
  const response = await fetch(location).catch((e: Error) => {
    throw new StepError(cannotDownload(location, e.message), {
      hint: say({
        en: 'offline? pass the manifest as a local file with --cert-manager-manifest',
        ko: '오프라인인가요? --cert-manager-manifest로 매니페스트를 로컬 파일로 주세요',
      }),
    })
  })
  if (!response.ok)
    throw new StepError(cannotDownload(location, `HTTP ${response.status}`), {
      hint: say({
        en: 'pass the manifest as a local file with --cert-manager-manifest',
        ko: '--cert-manager-manifest로 매니페스트를 로컬 파일로 주세요',
      }),
    })
  return response.text()
}

function cannotDownload(location: string, why: string): string {
  return say({ en: `cannot download ${location}: ${why}`, ko: `${location}를 받을 수 없습니다: ${why}` })
}

/** How the teardown names a namespace it deletes. */
export function namespaceLine(name: string): string {
  return say({ en: `namespace ${name}`, ko: `네임스페이스 ${name}` })
}

/** The lines that say what the teardown is about to delete. */
export function describeInventory(config: Config, found: Inventory): string[] {
  const deleted = (name: string) => found.namespaces.some((n) => n.name === name)
  const { namespace, version } = config.certManager
  return [
    ...found.components.map((c) =>
      c.kind === 'release'
        ? say({
            en: `helm release ${c.id} (namespace ${config.namespace})`,
            ko: `helm 릴리스 ${c.id} (네임스페이스 ${config.namespace})`,
          })
        : say({
            en:
              `cert-manager ${version} (namespace ${namespace}${deleted(namespace) ? '' : ', which stays'})` +
              (config.purge ? ' with its CRDs' : ', its CRDs stay'),
            ko:
              `cert-manager ${version} (네임스페이스 ${namespace}${deleted(namespace) ? '' : ', 남김'})` +
              (config.purge ? ', CRD 포함' : ', CRD는 남김'),
          }),
    ),
    ...found.crds.map((name) => `CRD ${name}`),
    ...found.foreignResources.map((r) =>
      say({
        en: `${r}: NOT created by these scripts, goes with its CRD`,
        ko: `${r}: 이 스크립트가 만든 것이 아님, CRD와 함께 지워짐`,
      }),
    ),
    ...(deleted(config.namespace) ? [namespaceLine(config.namespace)] : []),
  ]
}

/**
 * --purge would delete custom resources that are not ours with their CRDs: refused before
 * anything is deleted, unless --purge-foreign-resources.
 */
export function refuseForeignResources(config: Pick<Config, 'purgeForeignResources'>, found: Inventory): void {
  const foreign = found.foreignResources
  if (!foreign.length || config.purgeForeignResources) return
  throw new StepError(
    say({
      en: `--purge would delete, with their CRDs, ${foreign.length} custom resources these scripts did not create \
(nothing was deleted)`,
      ko: `--purge는 이 스크립트가 만들지 않은 커스텀 리소스 ${foreign.length}개를 CRD와 함께 \
지우게 됩니다 (지운 것 없음)`,
    }),
    {
      output: foreign.map((r) => `- ${r}`).join('\n'),
      hint: say({
        en:
          'move or delete them yourself first; or run the teardown without --purge (the CRDs stay);' +
          ' or pass --purge-foreign-resources to delete them too',
        ko:
          '먼저 직접 옮기거나 지우세요. 또는 --purge 없이 teardown을 실행하거나(CRD는 남음),' +
          ' 그것까지 지우려면 --purge-foreign-resources를 주세요',
      }),
    },
  )
}

/**
 * On a terminal, ask; elsewhere --yes is required (a script must not hang on a prompt). Custom
 * resources that are not ours (with --purge-foreign-resources) are asked about again.
 */
export async function confirm(ctx: Context, found: Inventory): Promise<void> {
  if (ctx.config.yes) return
  if (!process.stdin.isTTY)
    throw new UsageError([
      say({
        en: 'teardown deletes from the cluster and needs confirmation: run it on a terminal, or pass --yes',
        ko: `teardown은 클러스터에서 지우므로 확인이 필요합니다: 터미널에서 실행하거나 \
--yes를 주세요`,
      }),
    ])
  await ask(ctx, say({ en: 'Delete all of the above? [y/N] ', ko: '위의 것을 모두 지울까요? [y/N] ' }))
  const foreign = found.foreignResources.length
  if (foreign)
    await ask(
      ctx,
      say({
        en: `Also the ${foreign} custom resources above that these scripts did not create? [y/N] `,
        ko: `이 스크립트가 만들지 않은 위의 커스텀 리소스 ${foreign}개도 지울까요? [y/N] `,
      }),
    )
}

async function ask(ctx: Context, prompt: string): Promise<void> {
  const answer = await question(prompt)
  if (/^y(es)?$/i.test(answer.trim())) return
  ctx.log.info(say({ en: 'Cancelled: nothing was deleted.', ko: '취소했습니다: 지운 것 없음.' }))
  throw new ExitError(1)
}
