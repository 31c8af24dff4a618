// Seed §2 and §4: helm repositories and releases. A release already deployed at the pinned
// version with the same values is left alone (no new revision); one left pending or failed by an
// interrupted run is healed first; then `helm upgrade --install`, then a wait on its workloads.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { releaseNamed, repoNames, type Release } from '../core/config.ts'
import { profileNames, profiles, type ProfileName } from '../core/stack.ts'
import { StepError } from '../core/errors.ts'
import { say } from '../core/text.ts'
import { messages } from '../ui/i18n.ts'
import type { StatusHandle } from '../ui/log.ts'
import {
  chartRef,
  decideRelease,
  endedMarkCmd,
  inFlight,
  markEndedCmd,
  revisionLeftPending,
  getValuesCmd,
  historyCmd,
  lastChange,
  lastGoodRevision,
  listCmd,
  parseReleaseList,
  missingPins,
  parseRepoList,
  repoAddCmd,
  repoListCmd,
  repoUpdateCmd,
  repositoriesFile,
  rollbackCmd,
  searchChartsCmd,
  uninstallCmd,
  upgradeInstallCmd,
  workloadsOfRelease,
  type ChartPin,
  type HistoryEntry,
  operationInFlight,
  type ReleaseAction,
  type ReleaseFound,
  type ReleaseState,
} from '../tools/helm.ts'
import type { Context } from '../steps/context.ts'
import { endedHelmOf, readEndedHelms, recordEndedHelms, type EndedHelm } from '../tools/ended-helms.ts'
import { listObjects, type KubeObject } from '../tools/kubectl.ts'
import type { Command, UnfinishedWrite, ReleaseRef, Runner } from '../tools/exec.ts'
import { crdsToApply } from '../tools/crds.ts'
import { formatDuration } from '../core/settings.ts'
import { sleep } from '../core/zx.ts'
import { withTempDir } from '../tools/temp.ts'
import { isUnreachable } from '../tools/reachability.ts'
import { waitForWorkloads, watchHookJobs, type WorkloadRef } from './wait.ts'
import { applyChartCrds, applyChartCrdsOverLeftovers } from './crds.ts'

/**
 * seed §2.1 / §4 `helm repo add …` + `helm repo update`, for the charts of these releases, and
 * their pinned versions checked before anything is installed. A repository already added with the
 * same URL is not added again, and `helm repo update` (a download of every index, megabytes each)
 * runs only when the local index lacks a pinned version. OCI registries need none of it.
 */
export async function addRepos(ctx: Context, releaseNames: string[]): Promise<void> {
  const releases = releaseNames.map((n) => releaseNamed(ctx.config, n)).filter((r) => !r.repoUrl.startsWith('oci://'))
  const repos = repoNames(releases)
  if (!repos.length) return
  await ctx.log.status(
    say({ en: `helm repositories ${repos.join(', ')}`, ko: `helm 리포지토리 ${repos.join(', ')}` }),
    async () => {
      // the cluster is read while the repositories are added: neither waits for the other
      const toInstall = releasesToInstall(ctx, releases)
      toInstall.catch(() => {}) // awaited below, after the adds: its failure is thrown there
      const known = parseRepoList((await ctx.runner.probe(repoListCmd())).stdout)
      // One after the other: helm rewrites one repositories.yaml for every add.
      for (const n of repos.filter((n) => known[n] !== ctx.config.repos[n].replace(/\/+$/, ''))) {
        await ctx.runner.change(repoAddCmd(n, ctx.config.repos[n]))
      }
      if (!(await missingVersions(ctx, await toInstall)).length) return
      await ctx.runner.change(repoUpdateCmd(repos))
      const missing = await missingVersions(ctx, releases)
      if (missing.length) throw versionsNotFound(missing)
    },
  )
}

function versionsNotFound(missing: Release[]): StepError {
  const [first] = missing
  const env = `STACK_${first.name.toUpperCase().replace(/-/g, '_')}_VERSION`
  const found = missing.map((r) => `${r.repo}/${r.chart} ${r.version}`).join(', ')
  const search = `helm search repo ${first.repo}/${first.chart} --versions`
  return new StepError(
    say({
      en: `chart version not found: ${found} (nothing was installed)`,
      ko: `차트 버전을 찾지 못했습니다: ${found} (설치한 것 없음)`,
    }),
    {
      hint: say({
        en: `list the versions with \`${search}\` and set one with --${first.name}-version (or ${env})`,
        ko: `\`${search}\`로 버전을 보고 --${first.name}-version(또는 ${env})으로 정하세요`,
      }),
    },
  )
}

/**
 * No index is read for nothing: helm search loads the index of every repository it is given (7 MB upstream for
 * ours, 0.5 s), so it runs only when a release is to be installed, and is given only the repositories of these.
 */
async function missingVersions(ctx: Context, releases: Release[]): Promise<Release[]> {
  if (!releases.length) return []
  return withTempDir('stack-repos-', async (dir) => {
    const file = path.join(dir, 'repositories.yaml')
    fs.writeFileSync(
      file,
      repositoriesFile(Object.fromEntries(repoNames(releases).map((n) => [n, ctx.config.repos[n]]))),
    )
    return missingPins(releases, (await ctx.runner.query(searchChartsCmd(releases, file))).stdout)
  })
}

/** The releases not deployed at their pinned chart: only theirs need the chart from a repository. */
async function releasesToInstall(ctx: Context, releases: Release[]): Promise<Release[]> {
  const states = await Promise.all([...new Set(releases.map((r) => r.namespace))].map((ns) => listReleases(ctx, ns)))
  const deployed = (r: Release) =>
    states
      .flat()
      .some(
        (s) =>
          s.name === r.name &&
          s.namespace === r.namespace &&
          s.status === 'deployed' &&
          s.chart === r.chart &&
          s.version === r.version,
      )
  return releases.filter((r) => !deployed(r))
}

/**
 * seed §2.2–2.4, §4 `helm install …`: converge one release — install, upgrade, heal or leave it.
 * It does not wait for pods (`waitForRelease` does). A release that fails is its own step's failure:
 * the other releases, started side by side, go on.
 */
export async function installRelease(ctx: Context, name: string): Promise<void> {
  const release = releaseNamed(ctx.config, name)
  try {
    await converge(ctx, release)
  } catch (error) {
    if (error instanceof StepError) {
      ctx.outcomes.push({
        name: `release/${release.name}`,
        action: 'failed',
        detail: `${release.chart} ${release.version}`,
      })
    }
    throw error
  }
}

async function converge(ctx: Context, release: Release): Promise<void> {
  const found = await releaseAction(ctx, release)
  const action =
    found.kind === 'wait' ? await waitForOperation(ctx, release, found, () => releaseAction(ctx, release)) : found
  // the list releaseAction read (kept until a change): what was there, for the words of what happened
  const before = await releaseState(ctx, release)
  const change = releaseChange(release, action, before)
  const outcome = outcomeOf(action)
  // the summary's word for it; Korean says it after what changed (`tempo 1.24.4 설치됨`)
  const words = say({ en: `${outcome} ${change}`, ko: `${change} ${messages.ko.actions[outcome] ?? outcome}` })
  if (action.kind === 'skip') {
    ctx.log.ok(words)
  } else {
    if (action.kind === 'heal') await heal(ctx, release, action)
    if (action.kind === 'replace')
      await uninstall(
        ctx,
        release.name,
        say({ en: `${action.reason}: removing it first`, ko: `${action.reason}: 먼저 제거합니다` }),
        { outcome: false },
      )
    // decided from the list already read: a release at its pin costs no call here
    if (crdsToApply(release, before)) await applyChartCrds(ctx, release, before)
    else if (!before) await applyChartCrdsOverLeftovers(ctx, release)
    const title = `helm upgrade --install ${release.name} ${chartRef(release)} ${release.version}`
    await changeReleases(ctx, () => ctx.log.status(title, () => upgradeWatchingHooks(ctx, release), { done: words }))
  }
  ctx.outcomes.push({ name: `release/${release.name}`, action: outcomeOf(action), detail: change })
}

/**
 * What changes in a release, after the word for it (`installed`, `upgraded` …): the chart and
 * versions a person reads (`kube-prometheus-stack 88.5.3 → 88.6.0`), not the helm command.
 */
export function releaseChange(
  release: Pick<Release, 'chart' | 'version'>,
  action: Exclude<ReleaseAction, { kind: 'wait' }>,
  before: Pick<ReleaseState, 'chart' | 'version' | 'revision'> | undefined,
): string {
  const now = `${release.chart} ${release.version}`
  switch (action.kind) {
    case 'skip':
      return say({ en: `${now} (revision ${before?.revision})`, ko: `${now} (리비전 ${before?.revision})` })
    case 'install':
      return now
    case 'upgrade':
      return before && before.version !== release.version
        ? `${release.chart} ${before.version} → ${release.version}`
        : say({ en: `${now}, values changed`, ko: `${now}, values 변경` })
    case 'heal':
      return action.how === 'rollback'
        ? say({
            en: `${now}, after a rollback to revision ${action.revision}`,
            ko: `${now}, 리비전 ${action.revision}(으)로 롤백한 뒤`,
          })
        : say({
            en: `${now}, after removing what a failed install left`,
            ko: `${now}, 실패한 설치가 남긴 것을 지운 뒤`,
          })
    case 'replace':
      return `${before?.chart} ${before?.version} → ${now}`
  }
}

/** `helm upgrade --install`, ended early with the hook Job's diagnosis when one fails or is stuck. */
async function upgradeWatchingHooks(ctx: Context, release: Release): Promise<void> {
  const abort = new AbortController()
  const hooks = watchHookJobs(ctx, release, ctx.config.stuckAfterMs)
  try {
    const timeout = formatDuration(ctx.config.timeoutMs)
    const cmd = { ...upgradeInstallCmd(ctx.target, release, { timeout }), signal: abort.signal }
    const helm = ctx.runner.change(cmd)
    const first = await Promise.race([
      helm.then(
        () => undefined,
        () => undefined,
      ),
      hooks.stuck,
    ])
    if (first) {
      // helm, ended, records the release as failed (the server gone, it stays pending-*): the next run heals it
      abort.abort()
      await helm.catch(() => {})
      throw first
    }
    await helm
  } finally {
    hooks.stop()
  }
}

/** seed §5 for one release: its workloads, what helm created and what its operator creates, ready. */
export async function waitForRelease(ctx: Context, name: string): Promise<void> {
  const release = releaseNamed(ctx.config, name)
  const { timeoutMs, stuckAfterMs } = ctx.config
  await waitForWorkloads(ctx, release.name, await releaseWorkloads(ctx, [release]), { timeoutMs, stuckAfterMs })
}

/**
 * What the release needs now, from `helm list` and, when deployed, `helm get values`, else (stuck)
 * `helm history`: the revision to return to, and when the operation that left it so started.
 */
export async function releaseAction(ctx: Context, release: Release): Promise<ReleaseAction> {
  const found = await findRelease(ctx, release)
  const deployedValues =
    found.state?.status === 'deployed'
      ? (await ctx.runner.query(getValuesCmd(ctx.target, release.name, release.namespace))).json()
      : undefined
  return decideRelease(
    release,
    { ...found, deployedValues },
    {
      desiredValues: release.values,
      otherPins: otherPins(ctx.config.profile, release.name),
      now: Date.now(),
      helmTimeoutMs: ctx.config.timeoutMs,
    },
  )
}

/**
 * A release's state and, unless deployed, its history: the revision to return to, and its last change;
 * and when it is pending-*, whether the run whose helm wrote that revision marked it ended (markUnfinished).
 */
async function findRelease(ctx: Context, release: ReleaseRef): Promise<ReleaseFound> {
  const state = await releaseState(ctx, release)
  const history =
    state && state.status !== 'deployed'
      ? ((await ctx.runner.query(historyCmd(ctx.target, release.name, release.namespace))).json() as HistoryEntry[])
      : []
  const endedBy =
    state && inFlight(state.status)
      ? (await ctx.runner.probe(endedMarkCmd(ctx.target, release, state.revision))).stdout.trim() ||
        endedHelmOf(readEndedHelms(), ctx.server, release, history)
      : undefined
  return { state, goodRevision: lastGoodRevision(history), changedAt: lastChange(history), endedBy }
}

/**
 * As a run ends, interrupted or failed, before the lock goes when interrupted: each release a helm of
 * this run wrote without finishing (Runner.unfinishedWrites), and that it left pending-*, gets the mark
 * that its helm is gone (ENDED_ANNOTATION), so the next run heals it at once rather than wait out
 * --timeout for an operation no longer running. One bounded try each, through `runner` (an interrupted
 * run's own starts nothing more). When the server cannot be asked or marked (the outage that failed the
 * run), this machine's record keeps it (ended-helms.ts) for the next run here; with neither (another helm
 * storage driver, no server URL in the kubeconfig), the next run waits as it would have.
 */
export async function markUnfinished(
  ctx: Context,
  runner: Pick<Runner, 'once'>,
  writes: UnfinishedWrite[],
): Promise<void> {
  const note = `pid ${process.pid} on ${os.hostname()}, ${new Date().toISOString()}`
  const once = (cmd: Command) => runner.once({ ...cmd, timeoutMs: 5000 })
  const unmarked: EndedHelm[] = []
  const mark = async ({ release, startedAt, endedAt }: Required<UnfinishedWrite>) => {
    const record = () => {
      if (ctx.server) unmarked.push({ ...release, server: ctx.server, startedAt, endedAt, note })
    }
    const history = await once(historyCmd(ctx.target, release.name, release.namespace))
    if (history.exitCode !== 0) {
      // kept here only when the server could not be asked (refused, or no answer in time): not for an answer
      if (history.signal || isUnreachable(history.stderr)) record()
      return
    }
    const pending = revisionLeftPending(history.json() as HistoryEntry[], { startedAt, endedAt })
    if (!pending) return
    if ((await once(markEndedCmd(ctx.target, release, pending.revision, note))).exitCode !== 0) record()
  }
  // the run is ending: nothing here may throw past it (an answer that is not JSON only leaves it unmarked)
  await Promise.all(spansByRelease(writes).map((w) => mark(w).catch(() => {})))
  try {
    if (unmarked.length) recordEndedHelms(unmarked)
  } catch {
    // a state folder we cannot write: the next run waits as it would have
  }
}

/**
 * One span per release, from its first unfinished helm's start to its last one's end: a command the
 * runner retried through an outage is several helms, and the first wrote the pending revision.
 */
export function spansByRelease(writes: UnfinishedWrite[], now = Date.now()): Required<UnfinishedWrite>[] {
  const spans = new Map<string, Required<UnfinishedWrite>>()
  for (const { release, startedAt, endedAt = now } of writes) {
    const key = `${release.namespace}/${release.name}`
    const span = spans.get(key)
    spans.set(
      key,
      span
        ? { release, startedAt: Math.min(span.startedAt, startedAt), endedAt: Math.max(span.endedAt, endedAt) }
        : { release, startedAt, endedAt },
    )
  }
  return [...spans.values()]
}

/**
 * Teardown's side of the rule install follows: a release a helm operation may still be running on
 * is not uninstalled under it. Waited for as install waits (or stopped at once with --fail-if-busy).
 */
export async function waitForNoOperation(ctx: Context, release: ReleaseRef): Promise<void> {
  const read = async (): Promise<OperationWait | { kind: 'none' }> =>
    operationInFlight(await findRelease(ctx, release), {
      now: Date.now(),
      helmTimeoutMs: ctx.config.timeoutMs,
      remedy: 'uninstalled',
    }) ?? { kind: 'none' }
  const first = await read()
  if (first.kind === 'wait') await waitForOperation(ctx, release, first, read)
}

type OperationWait = Extract<ReleaseAction, { kind: 'wait' }>

/** How often a release with an operation in flight is read again (`helm list`, `helm history`, its mark, each time). */
const OPERATION_POLL_MS = 2000

/**
 * A helm operation may still be running on the release (another terminal's, or one whose run was
 * killed): nothing is done to it until it ends or is older than --timeout, read again every few
 * seconds with `read`, whose answer once no operation may be running is returned. With
 * --fail-if-busy the step stops at once instead.
 */
async function waitForOperation<T extends { kind: string }>(
  ctx: Context,
  release: ReleaseRef,
  first: OperationWait,
  read: () => Promise<T | OperationWait>,
): Promise<Exclude<T, OperationWait>> {
  if (ctx.config.failIfBusy)
    throw new StepError(
      say({
        en: `${release.name}: ${first.reason}; nothing done`,
        ko: `${release.name}: ${first.reason}, 아무것도 안 함`,
      }),
      {
        hint: say({
          en: 'run again once that operation has ended, or without --fail-if-busy to wait for it',
          ko: '그 작업이 끝난 뒤 다시 실행하거나, 기다리려면 --fail-if-busy 없이 실행하세요',
        }),
      },
    )
  ctx.log.warn(
    say({
      en: `${release.name}: ${first.reason}; waiting for it`,
      ko: `${release.name}: ${first.reason}, 끝나기를 기다립니다`,
    }),
  )
  const limit = formatDuration(first.until - Date.now())
  const title = say({
    en: `Waiting ≤ ${limit} for the helm operation on ${release.name}`,
    ko: `${release.name}의 helm 작업 대기 중 (최대 ${limit})`,
  })
  const ended = say({ en: `the helm operation on ${release.name} ended`, ko: `${release.name}의 helm 작업 끝남` })
  const waitForIt = async (status: StatusHandle): Promise<Exclude<T, OperationWait>> => {
    // bounded by --timeout even if the writer's clock runs ahead of ours
    const deadline = Date.now() + ctx.config.timeoutMs
    for (let wait = first; ; ) {
      await sleep(Math.max(0, Math.min(OPERATION_POLL_MS, wait.until - Date.now())))
      ctx.releaseLists.delete(release.namespace)
      const action = await read()
      if (action.kind !== 'wait') return action as Exclude<T, OperationWait>
      wait = action as OperationWait
      status.update(wait.reason)
      if (Date.now() >= deadline)
        throw new StepError(
          say({ en: `${release.name}: still ${wait.reason}`, ko: `${release.name}: 아직 ${wait.reason}` }),
          {
            hint: say({
              en: 'check who runs helm on it (`helm history`), then run again',
              ko: '누가 이 릴리스에 helm을 실행하는지 확인하고(`helm history`) 다시 실행하세요',
            }),
          },
        )
    }
  }
  return ctx.log.status(title, waitForIt, { done: ended })
}

/** The charts other profiles pin for this release name (a profile switch replaces the release). */
function otherPins(active: ProfileName, name: string): ChartPin[] {
  return profileNames
    .filter((p) => p !== active)
    .flatMap((p) => profiles[p].filter((r) => r.name === name).map((r) => ({ chart: r.chart, version: r.version })))
}

/**
 * A --profile switch: releases of another profile that this one does not have (alloy, going back
 * to seed) are uninstalled, so two log stacks never run side by side. Says what it removes.
 */
export async function removeOtherProfileReleases(ctx: Context, strays: string[]): Promise<void> {
  const installed = await listReleases(ctx, ctx.config.namespace)
  const profile = ctx.config.profile
  for (const state of installed.filter((r) => strays.includes(r.name))) {
    const what = `${state.name} (${state.chart} ${state.version})`
    await uninstall(
      ctx,
      state.name,
      say({
        en: `release ${what} belongs to another profile, not --profile ${profile}: removing it`,
        ko: `릴리스 ${what}는 --profile ${profile}이 아닌 다른 프로필의 것이라 제거합니다`,
      }),
    )
  }
}

/**
 * Uninstalls and waits until its objects are gone; the release's own outcome says it, unless
 * `outcome: false` (a replace reports once).
 */
async function uninstall(ctx: Context, name: string, why: string, opts = { outcome: true }): Promise<void> {
  ctx.log.warn(`${name}: ${why}`)
  await changeReleases(ctx, () =>
    ctx.log.status(`helm uninstall ${name}`, () =>
      ctx.runner.change(uninstallCmd(ctx.target, name, ctx.config.namespace, formatDuration(ctx.config.timeoutMs))),
    ),
  )
  if (opts.outcome) ctx.outcomes.push({ name: `release/${name}`, action: 'removed', detail: why })
}

export async function releaseState(
  ctx: Context,
  release: Pick<Release, 'name' | 'namespace'>,
): Promise<ReleaseState | undefined> {
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
  ctx.log.warn(
    say({
      en: `${release.name}: ${action.reason}; healing it first (${action.how})`,
      ko: `${release.name}: ${action.reason}, 먼저 복구합니다 (${action.how})`,
    }),
  )
  if (action.how === 'uninstall') {
    await changeReleases(ctx, () =>
      ctx.log.status(
        say({
          en: `helm uninstall ${release.name} (it never finished installing)`,
          ko: `helm uninstall ${release.name} (설치가 끝나지 않았던 릴리스)`,
        }),
        () => ctx.runner.change(uninstallCmd(ctx.target, release.name, release.namespace, null)),
      ),
    )
    return
  }
  await changeReleases(ctx, () =>
    ctx.log.status(`helm rollback ${release.name} ${action.revision}`, () =>
      ctx.runner.change(rollbackCmd(ctx.target, release.name, release.namespace, action.revision)),
    ),
  )
}

/** The workloads to wait on: what helm created for each release, and what their operators create afterwards. */
async function releaseWorkloads(ctx: Context, releases: Release[]): Promise<WorkloadRef[]> {
  const namespaces = [...new Set(releases.map((r) => r.namespace))]
  const lists = namespaces.map((namespace) =>
    listObjects(ctx.runner, ctx.target, 'deployments,statefulsets,daemonsets', { namespace }),
  )
  const objects = (await Promise.all(lists)).flat()
  return releases.flatMap((release) => {
    const refs: WorkloadRef[] = workloadsOfRelease(objects, release.name, release.namespace)
    const byOperator = expectedWorkloads(release).filter(
      (e) => !refs.some((r) => r.kind === e.kind && r.name === e.name),
    )
    return [...refs, ...byOperator].map((r) => ({ ...r, seen: listedAs(objects, r) }))
  })
}

function listedAs(objects: KubeObject[], ref: WorkloadRef): KubeObject | undefined {
  return objects.find(
    (o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace,
  )
}

export function expectedWorkloads(release: Release): WorkloadRef[] {
  return release.workloads.map((w) => ({
    kind: w.kind,
    name: w.name,
    namespace: release.namespace,
    mayNotExistYet: w.createdByOperator,
  }))
}

function outcomeOf(action: Exclude<ReleaseAction, { kind: 'wait' }>) {
  return (
    { skip: 'unchanged', install: 'installed', upgrade: 'upgraded', heal: 'healed', replace: 'replaced' } as const
  )[action.kind]
}
