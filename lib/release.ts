// Seed §2 and §4: helm repositories and releases. A release already deployed at the pinned
// version with the same values is left alone (no new revision); one left pending or failed by an
// interrupted run is healed first; then `helm upgrade --install`, then a wait on its workloads.
import { knownReleaseNames, profileNames, profiles, releaseNamed, type ProfileName, type Release, type RepoName } from './config.ts'
import { StepError } from './errors.ts'
import {
  chartRef, decideRelease, getManifestCmd, getValuesCmd, historyCmd, lastGoodRevision, listCmd, parseReleaseList,
  parseRepoList, repoAddCmd, repoListCmd, repoUpdateCmd, rollbackCmd, searchVersionCmd, uninstallCmd, upgradeInstallCmd, workloadsInManifest,
  type ChartPin, type HistoryEntry, type ReleaseAction, type ReleaseState,
} from './helm.ts'
import type { Context } from './main.ts'
import { formatDuration } from './settings.ts'
import { waitForWorkloads, type WorkloadRef } from './wait.ts'

/**
 * seed §2.1 / §4 `helm repo add …` + `helm repo update`, idempotent; OCI registries need neither.
 * A repository already added with the same URL is not added again (a re-run saves a helm call
 * per repository); every index is updated.
 */
export async function addRepos(ctx: Context, names: RepoName[]): Promise<void> {
  const http = names.filter((n) => !ctx.config.repos[n].startsWith('oci://') && !ctx.reposReady.has(n))
  if (!http.length) return
  const add = async () => {
    const known = ctx.config.dryRun ? {} : parseRepoList((await ctx.runner.probe(repoListCmd())).stdout)
    // One after the other: helm rewrites one repositories.yaml for every add.
    for (const n of http.filter((n) => known[n] !== ctx.config.repos[n].replace(/\/+$/, ''))) await ctx.runner.change(repoAddCmd(n, ctx.config.repos[n]))
    await ctx.runner.change(repoUpdateCmd(http))
  }
  if (ctx.config.dryRun) await add()
  else await ctx.log.status(`helm repositories ${http.join(', ')}`, add)
  for (const n of http) ctx.reposReady.add(n)
}

/** Every pinned version exists in its repository index: checked before anything is installed. */
export async function checkChartVersions(ctx: Context, names: string[]): Promise<void> {
  if (ctx.config.dryRun) return
  const releases = names.map((n) => releaseNamed(ctx.config, n)).filter((r) => !r.repoUrl.startsWith('oci://'))
  const missing = (await Promise.all(releases.map(async (r) => {
    // `helm search` matches by substring (tempo finds tempo-distributed): compare exactly.
    const found = JSON.parse((await ctx.runner.query(searchVersionCmd(r))).stdout || '[]') as { name: string; version: string }[]
    return found.some((f) => f.name === `${r.repo}/${r.chart}` && f.version.replace(/^v/, '') === r.version.replace(/^v/, '')) ? undefined : r
  }))).filter((r): r is Release => Boolean(r))
  if (missing.length) {
    throw new StepError(`chart version not found: ${missing.map((r) => `${r.repo}/${r.chart} ${r.version}`).join(', ')} (nothing was installed)`, {
      hint: `list the versions with \`helm search repo ${missing[0].repo}/${missing[0].chart} --versions\` and set one with --${missing[0].name}-version (or STACK_${missing[0].name.toUpperCase().replace(/-/g, '_')}_VERSION)`,
    })
  }
}

/**
 * seed §2.2–2.4, §4 `helm install …`: converge one release — install, upgrade, heal or leave it.
 * It does not wait for pods: `waitForReleases` waits for several releases at once.
 */
export async function installRelease(ctx: Context, name: string): Promise<void> {
  const release = releaseNamed(ctx.config, name)
  if (ctx.config.dryRun) {
    await ctx.runner.change(upgradeInstallCmd(ctx.target, release))
    return
  }
  const action = await releaseAction(ctx, release)
  if (action.kind === 'skip') {
    ctx.log.ok(`${release.name}: ${action.reason}`)
  } else {
    if (action.kind === 'heal') await heal(ctx, release, action)
    if (action.kind === 'replace') await uninstall(ctx, release.name, `${action.reason}: removing it first`, { outcome: false })
    await changeReleases(ctx, () => ctx.log.status(`helm upgrade --install ${release.name} ${chartRef(release)} ${release.version} (${action.reason})`, () => ctx.runner.change(upgradeInstallCmd(ctx.target, release))))
  }
  ctx.outcomes.push({ name: `release/${release.name}`, action: outcomeOf(action), detail: `${release.chart} ${release.version}${action.kind === 'skip' ? '' : ` — ${action.reason}`}` })
}

/** Waits until the workloads of these releases are ready, all in one wait: they start side by side. */
export async function waitForReleases(ctx: Context, names: string[]): Promise<void> {
  const releases = names.map((n) => releaseNamed(ctx.config, n))
  const refs = ctx.config.dryRun ? releases.flatMap(expectedWorkloads) : (await Promise.all(releases.map((r) => releaseWorkloads(ctx, r)))).flat()
  await waitForWorkloads(ctx, names.join(', '), refs, { timeoutMs: ctx.config.timeoutMs, stuckAfterMs: ctx.config.stuckAfterMs })
}

/** What the release needs now, from `helm list` and (when deployed) `helm get values`. */
export async function releaseAction(ctx: Context, release: Release): Promise<ReleaseAction> {
  const state = await releaseState(ctx, release)
  const deployed = state?.status === 'deployed' ? (await ctx.runner.query(getValuesCmd(ctx.target, release.name, release.namespace))).json() : undefined
  const stuck = state && state.status !== 'deployed'
  const good = stuck ? lastGoodRevision((await ctx.runner.query(historyCmd(ctx.target, release.name, release.namespace))).json() as HistoryEntry[]) : undefined
  return decideRelease(release, release.values, state, deployed, good, otherPins(ctx.config.profile, release.name))
}

/** The charts other profiles pin for this release name (a profile switch replaces the release). */
function otherPins(active: ProfileName, name: string): ChartPin[] {
  return profileNames.filter((p) => p !== active).flatMap((p) => profiles[p].filter((r) => r.name === name).map((r) => ({ chart: r.chart, version: r.version })))
}

/**
 * A --profile switch: releases of another profile that this one does not have (alloy, going back
 * to seed) are uninstalled, so two log stacks never run side by side. Says what it removes.
 */
export async function removeOtherProfileReleases(ctx: Context): Promise<void> {
  const wanted = new Set(ctx.config.releases.map((r) => r.name))
  const strays = knownReleaseNames.filter((n) => !wanted.has(n))
  if (!strays.length) return
  // a dry run assumes an empty cluster: nothing of another profile to remove
  if (ctx.config.dryRun) return
  const installed = await listReleases(ctx, ctx.config.namespace)
  for (const state of installed.filter((r) => strays.includes(r.name))) {
    await uninstall(ctx, state.name, `release ${state.name} (${state.chart} ${state.version}) belongs to another profile, not --profile ${ctx.config.profile}: removing it`)
  }
}

/** Uninstalls and waits until its objects are gone; the release's own outcome says it, unless `outcome: false` (a replace reports once). */
async function uninstall(ctx: Context, name: string, why: string, opts = { outcome: true }): Promise<void> {
  ctx.log.warn(`${name}: ${why}`)
  await changeReleases(ctx, () => ctx.log.status(`helm uninstall ${name}`, () => ctx.runner.change(uninstallCmd(ctx.target, name, ctx.config.namespace, formatDuration(ctx.config.timeoutMs)))))
  if (opts.outcome) ctx.outcomes.push({ name: `release/${name}`, action: 'removed', detail: why })
}

export async function releaseState(ctx: Context, release: Pick<Release, 'name' | 'namespace'>): Promise<ReleaseState | undefined> {
  return (await listReleases(ctx, release.namespace)).find((r) => r.name === release.name)
}

/**
 * `helm list` of a namespace, read once per run and shared by every release's decision (a
 * re-run on a converged cluster asks once, not once per release); a helm change forgets it.
 */
export function listReleases(ctx: Context, namespace: string): Promise<ReleaseState[]> {
  let list = ctx.releaseLists.get(namespace)
  if (!list) {
    list = ctx.runner.query(listCmd(ctx.target, namespace, ctx.helmMajor)).then((out) => parseReleaseList(out.stdout))
    list.catch(() => ctx.releaseLists.delete(namespace))
    ctx.releaseLists.set(namespace, list)
  }
  return list
}

/** A helm change to the namespace's releases: what was listed is no longer true. */
async function changeReleases(ctx: Context, run: () => Promise<unknown>): Promise<void> {
  try {
    await run()
  } finally {
    ctx.releaseLists.clear()
  }
}

async function heal(ctx: Context, release: Release, action: Extract<ReleaseAction, { kind: 'heal' }>): Promise<void> {
  ctx.log.warn(`${release.name}: ${action.reason}; healing it first (${action.how})`)
  if (action.how === 'uninstall') {
    await changeReleases(ctx, () => ctx.log.status(`helm uninstall ${release.name} (it never finished installing)`, () => ctx.runner.change(uninstallCmd(ctx.target, release.name, release.namespace, null))))
    return
  }
  await changeReleases(ctx, () => ctx.log.status(`helm rollback ${release.name} ${action.revision}`, () => ctx.runner.change(rollbackCmd(ctx.target, release.name, release.namespace, action.revision))))
}

/** The workloads to wait on: what the manifest creates, and what its operator creates afterwards. */
async function releaseWorkloads(ctx: Context, release: Release): Promise<WorkloadRef[]> {
  const manifest = (await ctx.runner.query(getManifestCmd(ctx.target, release.name, release.namespace))).stdout
  const refs: WorkloadRef[] = workloadsInManifest(manifest, release.namespace)
  return [...refs, ...expectedWorkloads(release).filter((e) => !refs.some((r) => r.kind === e.kind && r.name === e.name))]
}

function expectedWorkloads(release: Release): WorkloadRef[] {
  return release.workloads.map((w) => ({ kind: w.kind, name: w.name, namespace: release.namespace, mayNotExistYet: w.createdByOperator }))
}

function outcomeOf(action: ReleaseAction) {
  return ({ skip: 'unchanged', install: 'installed', upgrade: 'upgraded', heal: 'healed', replace: 'replaced' } as const)[action.kind]
}
