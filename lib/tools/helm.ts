// helm: pure builders of argv arrays (helm 3 and helm 4 differ in a few flags), the parsing of
// `helm list -o json`, and the pure decision of what a release needs: nothing, an install, an
// upgrade, or healing first. The functions that run them are in release.ts.
import { isDeepStrictEqual } from 'node:util'
import path from 'node:path'
import type { Release } from '../core/config.ts'
import { formatDuration } from '../core/settings.ts'
import { say } from '../core/text.ts'
import { normalizeValues } from '../core/values.ts'
import type { Command, ReleaseRef } from './exec.ts'
import { kubectl, type KubeObject, type Target } from './kubectl.ts'

export type HelmMajor = 3 | 4

export function helm(target: Target, ...args: string[]): Command {
  return { argv: ['helm', ...args, ...(target.context ? ['--kube-context', target.context] : [])] }
}

/** `helm version --short` → major version; helm 2 prints `Client: v2…` and is refused by the caller. */
export function parseHelmVersion(text: string): { version: string; major: number } | undefined {
  const match = /v(\d+)\.(\d+)\.(\d+)[^\s"]*/.exec(text)
  return match ? { version: match[0], major: Number(match[1]) } : undefined
}

export function repoAddCmd(name: string, url: string): Command {
  // --force-update: an existing entry with another URL (a mirror switched on or off) is updated.
  return { argv: ['helm', 'repo', 'add', name, url, '--force-update'] }
}

export function repoUpdateCmd(names: string[]): Command {
  return { argv: ['helm', 'repo', 'update', ...names] }
}

export function repoListCmd(): Command {
  return { argv: ['helm', 'repo', 'list', '--output', 'json'] }
}

/** `helm repo list -o json` → name → URL; nothing configured (helm 3 then fails, helm 4 prints `[]`) → {}. */
export function parseRepoList(stdout: string): Record<string, string> {
  try {
    const list = JSON.parse(stdout || '[]') as { name?: string; url?: string }[] | null
    return Object.fromEntries(
      (list ?? []).filter((r) => r.name && r.url).map((r) => [r.name!, r.url!.replace(/\/+$/, '')]),
    )
  } catch {
    return {}
  }
}

/** The chart reference: `repo/chart` for an HTTP repository, the full reference for OCI. */
export function chartRef(release: Pick<Release, 'repo' | 'repoUrl' | 'chart'>): string {
  return release.repoUrl.startsWith('oci://')
    ? `${release.repoUrl.replace(/\/$/, '')}/${release.chart}`
    : `${release.repo}/${release.chart}`
}

/**
 * seed §2.2–2.4, §4 `helm install`, idempotent. `timeout` bounds what helm itself waits for, the
 * chart's hook Jobs (helm's own default is 5m, whatever our --timeout says).
 */
export function upgradeInstallCmd(target: Target, release: Release, opts: { timeout: string; cwd?: string }): Command {
  return writing(
    release.name,
    release.namespace,
    helm(
      target,
      'upgrade',
      '--install',
      release.name,
      chartRef(release),
      '--namespace',
      release.namespace,
      '--version',
      release.version,
      '--timeout',
      opts.timeout,
      ...release.valuesFiles.flatMap((f) => ['-f', displayPath(f, opts.cwd ?? process.cwd())]),
      ...Object.entries(release.set).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]),
    ),
  )
}

/** A command that writes a release: unfinished, it may leave the release pending-* (Runner.unfinishedWrites). */
function writing(name: string, namespace: string, cmd: Command): Command {
  return { ...cmd, writes: { name, namespace } }
}

/** Every release in the namespace, whatever its state (helm 3 hides pending ones without --all). */
export function listCmd(target: Target, namespace: string, major: HelmMajor): Command {
  return helm(target, 'list', '--namespace', namespace, '--output', 'json', ...(major === 3 ? ['--all'] : []))
}

export function getValuesCmd(target: Target, name: string, namespace: string): Command {
  return helm(target, 'get', 'values', name, '--namespace', namespace, '--output', 'json')
}

export function historyCmd(target: Target, name: string, namespace: string): Command {
  return helm(target, 'history', name, '--namespace', namespace, '--output', 'json')
}

export function rollbackCmd(target: Target, name: string, namespace: string, revision: number): Command {
  return writing(name, namespace, helm(target, 'rollback', name, String(revision), '--namespace', namespace))
}

/**
 * `helm uninstall`, waiting until the resources are gone (`timeout` given), or not waiting (`null`):
 * healing a release a killed helm left pending-install, whose in-flight writes may still land after
 * the delete, so a wait for their deletion could never end; the install that follows adopts them.
 */
export function uninstallCmd(target: Target, name: string, namespace: string, timeout: string | null = '5m'): Command {
  return writing(
    name,
    namespace,
    helm(
      target,
      'uninstall',
      name,
      '--namespace',
      namespace,
      ...(timeout === null ? [] : ['--wait', '--timeout', timeout]),
    ),
  )
}

/** A values file as the user would type it: relative to where they stand, when it is below. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

// State

export interface ReleaseState {
  name: string
  namespace: string
  revision: number
  status: string
  /** the chart version, from `chart: "tempo-1.24.1"` */
  version: string
  chart: string
}

interface HelmListItem {
  name: string
  namespace: string
  revision: string | number
  status: string
  chart: string
}

export function parseReleaseList(json: string): ReleaseState[] {
  const items = (JSON.parse(json || '[]') ?? []) as HelmListItem[]
  return items.map((i) => {
    const match = /^(.*)-(v?\d+\.\d+\.\d+.*)$/.exec(i.chart)
    return {
      name: i.name,
      namespace: i.namespace,
      revision: Number(i.revision),
      status: i.status,
      chart: match?.[1] ?? i.chart,
      version: match?.[2] ?? '',
    }
  })
}

export interface HistoryEntry {
  revision: number
  status: string
  chart: string
  /** when helm wrote the revision (RFC 3339, with the writer's offset): an operation's start */
  updated?: string
}

/** The newest revision that was once `deployed` or is `superseded`: what a rollback returns to. */
export function lastGoodRevision(history: HistoryEntry[]): number | undefined {
  return history
    .filter((h) => h.status === 'deployed' || h.status === 'superseded')
    .map((h) => h.revision)
    .sort((a, b) => b - a)[0]
}

const newestOf = (history: HistoryEntry[]) => [...history].sort((a, b) => b.revision - a.revision)[0]

/** When the newest revision was written, in ms since the epoch (undefined: not known). */
export function lastChange(history: HistoryEntry[]): number | undefined {
  const newest = newestOf(history)
  const at = Date.parse(newest?.updated ?? '')
  return Number.isNaN(at) ? undefined : at
}

/**
 * The mark a run leaves, as it ends, on the record of a revision its own helm left pending-* (the
 * revision's Secret, helm's default storage): interrupted, or failed by an outage. That helm is gone, so
 * the next run heals the release at once instead of waiting out --timeout for an operation that no longer
 * runs. helm replaces the Secret, mark and all, when it next writes that revision.
 */
export const ENDED_ANNOTATION = 'monitoring-stack.workshop/helm-ended'

/** helm's record of one revision of a release (storage driver `secret`, the default). */
export function revisionSecretName(name: string, revision: number): string {
  return `sh.helm.release.v1.${name}.v${revision}`
}

/**
 * The revision a helm that ran from `startedAt` to `endedAt` left pending-*: the newest, when it is in
 * flight and was written while that helm ran (by it, as the same machine's clock tells; one written
 * after it ended is another's). Undefined otherwise.
 */
export function revisionLeftPending(
  history: HistoryEntry[],
  ran: { startedAt: number; endedAt: number },
): HistoryEntry | undefined {
  const newest = newestOf(history)
  if (!newest || !inFlight(newest.status)) return undefined
  const at = Date.parse(newest.updated ?? '')
  return at >= ran.startedAt && at <= ran.endedAt ? newest : undefined
}

/** Marks the revision's record: its helm was ended by the run that started it (`note` says which, and when). */
export function markEndedCmd(target: Target, release: ReleaseRef, revision: number, note: string): Command {
  const secret = revisionSecretName(release.name, revision)
  const mark = `${ENDED_ANNOTATION}=${note}`
  return kubectl(target, 'annotate', 'secret', secret, '--namespace', release.namespace, mark, '--overwrite')
}

/** The revision's mark, if any: empty output when there is none (a failure: not helm's secret driver, or gone). */
export function endedMarkCmd(target: Target, release: ReleaseRef, revision: number): Command {
  const field = `{.metadata.annotations.${ENDED_ANNOTATION.replace(/\./g, '\\.')}}`
  const secret = revisionSecretName(release.name, revision)
  return kubectl(target, 'get', 'secret', secret, '--namespace', release.namespace, '-o', `jsonpath=${field}`)
}

/** A chart and version a profile pins for a release. */
export interface ChartPin {
  chart: string
  version: string
}

export type ReleaseAction =
  | { kind: 'skip'; reason: string }
  | { kind: 'install'; reason: string }
  | { kind: 'upgrade'; reason: string }
  | { kind: 'heal'; how: 'uninstall'; reason: string }
  | { kind: 'heal'; how: 'rollback'; revision: number; reason: string }
  | { kind: 'replace'; reason: string }
  /** a helm operation may still be running on it: nothing is done to it before `until` (ms since the epoch) */
  | { kind: 'wait'; until: number; reason: string }

/** What was found of a release in the cluster. */
export interface ReleaseFound {
  /** undefined: not installed */
  state?: ReleaseState
  /** the values it was deployed with (`helm get values`) */
  deployedValues?: unknown
  /** the revision a rollback returns to */
  goodRevision?: number
  /** when its newest revision was written (`lastChange`), in ms since the epoch */
  changedAt?: number
  /** its newest revision is pending-* and marked: the run whose helm wrote it ended that helm (`endedMarkCmd`) */
  endedBy?: string
}

/** A state helm writes when an operation starts and replaces when it ends (pending-install, -upgrade, -rollback). */
export const inFlight = (status: string) => status.startsWith('pending-') || status === 'uninstalling'

/**
 * A release `pending-*` is also what a helm still at work shows: nothing is done to it (`remedy`:
 * healed, uninstalled) until its last change is older than `helmTimeoutMs` (our --timeout, which
 * our helm operations are given), so no operation is undone under itself; until then, a wait.
 * Undefined when no operation may be running on it. The caller holds the stack's lock, so no run
 * of ours is live.
 */
export function operationInFlight(
  found: Pick<ReleaseFound, 'state' | 'changedAt' | 'endedBy'>,
  opts: { now: number; helmTimeoutMs: number; remedy?: 'healed' | 'uninstalled' },
): Extract<ReleaseAction, { kind: 'wait' }> | undefined {
  const { state } = found
  // the helm that wrote it was ended by the run that started it: none is running on it any more
  if (!state || !inFlight(state.status) || found.endedBy) return undefined
  // a change of unknown time may be this very moment's
  const changedAt = Math.min(found.changedAt ?? opts.now, opts.now)
  const until = changedAt + opts.helmTimeoutMs
  if (opts.now >= until) return undefined
  const [ago, timeout, left] = [opts.now - changedAt, opts.helmTimeoutMs, until - opts.now].map(formatDuration)
  return {
    kind: 'wait',
    until,
    reason: say({
      en:
        `release is ${state.status} (revision ${state.revision}), last changed` +
        ` ${ago} ago: a helm operation may still be running on it;` +
        ` it is ${opts.remedy ?? 'healed'} only once that change is older than` +
        ` --timeout (${timeout}), in ${left}`,
      ko:
        `릴리스가 ${state.status} 상태입니다 (리비전 ${state.revision}, ${ago} 전 변경):` +
        ` 아직 helm 작업이 돌고 있을 수 있습니다. 변경이 --timeout(${timeout})보다 오래되면` +
        ` ${opts.remedy === 'uninstalled' ? '제거' : '복구'}합니다 (${left} 뒤)`,
    }),
  }
}

/**
 * What a release needs, from its desired spec and values and what was found. A release stuck
 * `pending-*` or `failed` is healed first: rolled back when it has a good revision to return to,
 * uninstalled (and then installed again) when it never had one; one a helm may still be running
 * on is waited for first (operationInFlight).
 */
export function decideRelease(
  release: Release,
  found: ReleaseFound,
  opts: { desiredValues: unknown; otherPins?: ChartPin[]; now: number; helmTimeoutMs: number },
): ReleaseAction {
  const { state, deployedValues, goodRevision } = found
  if (!state) return { kind: 'install', reason: say({ en: 'not installed', ko: '설치되지 않음' }) }
  const operation = operationInFlight(found, opts)
  if (operation) return operation
  if (inFlight(state.status) || state.status === 'failed') {
    const why = found.endedBy
      ? say({
          en: `the helm that wrote it has ended, its run said (${found.endedBy})`,
          ko: `그것을 쓴 helm은 이미 끝났음, 그 실행이 남긴 기록 (${found.endedBy})`,
        })
      : say({ en: 'as an interrupted or failed run leaves it', ko: '중단·실패한 실행의 흔적' })
    const reason = say({
      en: `release is ${state.status} (revision ${state.revision}), ${why}`,
      ko: `릴리스가 ${state.status} 상태 (리비전 ${state.revision}): ${why}`,
    })
    return goodRevision
      ? { kind: 'heal', how: 'rollback', revision: goodRevision, reason }
      : { kind: 'heal', how: 'uninstall', reason }
  }
  // Another chart, or another profile's pin of it (tempo 1.x → 2.x): an upgrade across them would
  // meet immutable selectors and leftovers, so the old release goes and the new one is installed.
  const otherProfile =
    (opts.otherPins ?? []).some((p) => p.chart === state.chart && p.version === state.version) &&
    !(state.chart === release.chart && state.version === release.version)
  if (state.chart !== release.chart || otherProfile)
    return {
      kind: 'replace',
      reason: say({
        en:
          `deployed is ${state.chart} ${state.version}, want ${release.chart} ${release.version}` +
          (otherProfile ? ' (another --profile)' : ''),
        ko:
          `배포된 것은 ${state.chart} ${state.version}, 필요한 것은 ${release.chart} ${release.version}` +
          (otherProfile ? ' (다른 --profile)' : ''),
      }),
    }
  if (state.version !== release.version)
    return {
      kind: 'upgrade',
      reason: say({
        en: `chart version ${state.version} → ${release.version}`,
        ko: `차트 버전 ${state.version} → ${release.version}`,
      }),
    }
  if (!isDeepStrictEqual(normalizeValues(deployedValues), normalizeValues(opts.desiredValues)))
    return { kind: 'upgrade', reason: say({ en: 'values changed', ko: 'values 변경' }) }
  return {
    kind: 'skip',
    reason: say({
      en: `deployed at ${state.version}, values unchanged (revision ${state.revision})`,
      ko: `${state.version} 배포됨, values 그대로 (리비전 ${state.revision})`,
    }),
  }
}

export interface ReleaseWorkload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'
  name: string
  namespace: string
}

/**
 * The workloads helm created for a release, from a list of the namespace's workloads: helm marks
 * every object it owns with these annotations (helm 3 and 4), so one `kubectl get` finds them, where
 * `helm get manifest` would fetch and decode the whole release record (500 KB for kube-prometheus-stack).
 */
export function workloadsOfRelease(objects: KubeObject[], name: string, namespace: string): ReleaseWorkload[] {
  const kinds: (string | undefined)[] = ['Deployment', 'StatefulSet', 'DaemonSet']
  return objects
    .filter(
      (o) =>
        kinds.includes(o.kind) &&
        o.metadata.annotations?.['meta.helm.sh/release-name'] === name &&
        o.metadata.annotations?.['meta.helm.sh/release-namespace'] === namespace,
    )
    .map((o) => ({
      kind: o.kind as ReleaseWorkload['kind'],
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? namespace,
    }))
}

/**
 * Every version of these charts in the local repository cache, one `helm search` for all of them:
 * helm matches `--regexp` against `<chart>\v<repo>/<chart>\v<description>…` (\v: a vertical tab),
 * so `\v(a/b)\v` is an exact name (a plain search is a substring: tempo would find tempo-distributed).
 */
export function searchChartsCmd(charts: Pick<Release, 'repo' | 'chart'>[], repositoryConfig: string): Command {
  const names = [...new Set(charts.map((c) => `${c.repo}/${c.chart}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))]
  const exact = `\\v(${names.join('|')})\\v`
  const only = ['--repository-config', repositoryConfig]
  return { argv: ['helm', 'search', 'repo', ...only, '--regexp', exact, '--versions', '--output', 'json'] }
}

/**
 * A repositories file that names only these repositories (name → URL), for `helm search --repository-config`:
 * a search reads the index of every repository configured, and a user's own (megabytes each, 0.5 s per 4 MB
 * measured) would be read for nothing. The indexes stay in helm's cache, where helm finds them by name.
 */
export function repositoriesFile(repos: Record<string, string>): string {
  // JSON is YAML to helm
  return JSON.stringify({ apiVersion: '', repositories: Object.entries(repos).map(([name, url]) => ({ name, url })) })
}

/** The releases whose pinned version is not among `helm search -o json`'s results. */
type Pinned = Pick<Release, 'repo' | 'chart' | 'version'>

export function missingPins<T extends Pinned>(releases: T[], searchJson: string): T[] {
  const found = (JSON.parse(searchJson || '[]') ?? []) as { name: string; version: string }[]
  const bare = (v: string) => v.replace(/^v/, '')
  const isPin = (r: T, f: { name: string; version: string }) =>
    f.name === `${r.repo}/${r.chart}` && bare(f.version) === bare(r.version)
  return releases.filter((r) => !found.some((f) => isPin(r, f)))
}
