// Every wait of the run. Waits are watch-based: one `kubectl get --watch` per kind and namespace
// feeds every wait on it, so waiting costs the API a list and a watch, not a poll per second.
// Each wait states its deadline, shows progress, fails early when a pod is clearly stuck, and on
// failure throws a StepError carrying a diagnosis (pods, reasons, last events, what to try).
import { sleep } from '../core/zx.ts'
import { StepError } from '../core/errors.ts'
import { say, type Text } from '../core/text.ts'
import { lastLine, type Command, type Runner } from '../tools/exec.ts'
import { kubectl, listObjects, type KubeObject, type Target } from '../tools/kubectl.ts'
import { isUnreachable } from '../tools/reachability.ts'
import { judgeOnEvents, resourceOf, type Kind, type Watches, type WatchStream } from '../tools/watch.ts'
import type { Log, StatusHandle } from '../ui/log.ts'
import {
  describePod,
  isHookOf,
  podProblem,
  stuckPodProblem,
  selects,
  stuckHookJob,
  workloadStatus,
  type StuckHook,
} from '../tools/readiness.ts'
import { formatDuration } from '../core/settings.ts'

export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet'
  name: string
  namespace: string
  /** created by an operator some time after the install, so a shell must first wait for it to exist */
  mayNotExistYet?: boolean
  /** the object as just listed: a wait whose every workload was seen ready starts no watch */
  seen?: KubeObject
}

export interface WaitOptions {
  timeoutMs: number
  /** how long a pod may sit in a stuck state (image pull, crash loop, unschedulable) before we give up */
  stuckAfterMs: number
  /** the clock the deadline and the stuck episodes are read on (a test moves its own) */
  now?: () => number
}

type Verdict = 'ready' | 'stuck' | 'timeout' | 'unreachable'

/**
 * Waits until every workload is rolled out and ready. Progress: `2/3 ready — waiting for tempo (0/1)`.
 * Throws a StepError with a diagnosis at the deadline, or as soon as a pod of theirs is stuck.
 */
export async function waitForWorkloads(
  ctx: { runner: Runner; log: Log; target: Target; watches: Watches },
  title: string,
  refs: WorkloadRef[],
  opts: WaitOptions,
): Promise<void> {
  if (!refs.length) return
  const now = opts.now ?? Date.now
  const deadline = now() + opts.timeoutMs
  const limit = formatDuration(opts.timeoutMs)
  const notReady = say({ en: `${title} not ready after ${limit}`, ko: `${title}: ${limit} 후에도 준비 안 됨` })
  const allReady = say({ en: `${title} ready`, ko: `${title} 준비됨` })
  const watchUntilReady = async (status: StatusHandle): Promise<void> => {
    const stuckSince = new Map<string, number>()
    // Taken once: the judging below runs from timers and watch events, where a throw (the run
    // stopping its watches on a signal) would crash the script instead of ending the wait. The
    // events: a pod waiting for a mount (a missing Secret) says why only there.
    const byKey = new Map<string, WatchStream>(
      refs.flatMap((r) =>
        [r.kind, 'Pod' as const, 'Event' as const].map((kind) => [
          `${kind}/${r.namespace}`,
          ctx.watches.stream(kind, r.namespace),
        ]),
      ),
    )
    const stream: StreamOf = (kind, namespace) => byKey.get(`${kind}/${namespace}`)!
    const streams = new Set(byKey.values())
    const api = ctx.runner.api
    const evaluate = (): Verdict | undefined => {
      const states = refs.map((r) => ({ ref: r, status: workloadStatus(stream(r.kind, r.namespace).get(r.name)) }))
      const waiting = states.filter((s) => !s.status.ready)
      if (!waiting.length) return 'ready'
      // while the API server does not answer, the watches know nothing: no workload is "not created yet"
      const rest = waiting.map((s) => `${s.ref.name} (${say(s.status.detail)})`).join(', ')
      const ready = `${states.length - waiting.length}/${states.length}`
      status.update(
        api.down
          ? say({
              en: 'the API server is not answering; the watches retry',
              ko: 'API 서버가 응답하지 않아 watch가 재시도 중',
            })
          : say({ en: `${ready} ready — waiting for ${rest}`, ko: `${ready} 준비됨 — 대기 중: ${rest}` }),
      )
      if (api.outlasted) return 'unreachable'
      const clock = { afterMs: opts.stuckAfterMs, now: now() }
      const refsWaiting = waiting.map((w) => w.ref)
      if (stuckPods(stream, refsWaiting, stuckSince, clock).length) return 'stuck'
      return clock.now >= deadline ? 'timeout' : undefined
    }
    const verdict = await judgeOnEvents(streams, evaluate).verdict
    if (verdict === 'ready') return
    // the outage outlasted its limit, or the wait's deadline passed during it: the pods could not be asked
    const outage = verdict === 'unreachable' ? api.failure() : verdict === 'timeout' && api.error(notReady)
    if (outage) throw outage
    const diagnosis = await diagnose(ctx, refs)
    throw new StepError(
      verdict === 'stuck'
        ? say({
            en: `${title}: a pod is stuck and will not become ready by waiting`,
            ko: `${title}: 파드가 멈춰 있어 기다려도 준비되지 않습니다`,
          })
        : notReady,
      {
        output: diagnosis.join('\n'),
        hint:
          verdict === 'timeout'
            ? say({
                en:
                  'pods may still be pulling images on a slow network:' +
                  ' run the same command again (it picks up where it stopped), or give more time with --timeout=20m',
                ko:
                  '느린 네트워크라 아직 이미지를 받는 중일 수 있습니다:' +
                  ' 같은 명령을 다시 실행하거나(멈춘 곳부터 이어 갑니다)' +
                  ' --timeout=20m으로 시간을 더 주세요',
              })
            : say({
                en: 'fix the cause above, then run the same command again: finished releases are skipped',
                ko: '원인을 고치고 같은 명령을 다시 실행하세요: 끝난 릴리스는 건너뜁니다',
              }),
      },
    )
  }
  // a converged re-run: what was just listed is ready, and a watch per kind would only say so again
  const readyAsListed = refs.every((r) => r.seen && workloadStatus(r.seen).ready)
  await ctx.log.status(
    waiting({ en: title, ko: title }, opts.timeoutMs),
    readyAsListed ? async () => {} : watchUntilReady,
    {
      done: allReady,
    },
  )
}

type WatchContext = { log: Log; runner: Runner; target: Target; watches: Watches }
type ReleaseRef = { name: string; namespace: string }

export interface HookWatch {
  /**
   * settles with the diagnosis once a hook Job of the release failed or its pod is stuck, or with
   * the outage once the API server has not answered for --api-unreachable-after; never rejects
   */
  stuck: Promise<StepError>
  stop(): void
}

/**
 * Watches a release's helm hook Jobs (kube-prometheus-stack's admission-create/-patch) while helm
 * runs: helm waits for them up to its --timeout and says only `context deadline exceeded`, so a
 * Job that failed, or whose pod is stuck for `stuckAfterMs`, is named here with its diagnosis. An
 * API server gone for --api-unreachable-after ends the wait too, as it ends every wait of the run:
 * helm would wait through the outage up to its --timeout, and the run with it.
 */
export function watchHookJobs(ctx: WatchContext, release: ReleaseRef, stuckAfterMs: number): HookWatch {
  const jobs = ctx.watches.stream('Job', release.namespace)
  const pods = ctx.watches.stream('Pod', release.namespace)
  const since = new Map<string, number>()
  const judging = judgeOnEvents([jobs, pods], (): StepError | StuckHook | undefined => {
    const outage = ctx.runner.api.failure()
    if (outage) return outage
    const hooks = jobs.all().filter((j) => isHookOf(j, release.name))
    return stuckHookJob(hooks, pods.all(), since, { afterMs: stuckAfterMs, now: Date.now() })
  })
  const stuck = judging.verdict.then((v) => (v instanceof StepError ? v : hookError(ctx, release, v)))
  return { stuck, stop: judging.stop }
}

async function hookError(ctx: WatchContext, release: ReleaseRef, found: StuckHook): Promise<StepError> {
  const job = found.job.metadata.name
  const hook = found.job.metadata.annotations?.['helm.sh/hook']
  const lines = [
    say({
      en: `job/${job} in ${release.namespace} (helm hook ${hook}): ${found.reason}`,
      ko: `${release.namespace}의 job/${job} (helm 훅 ${hook}): ${found.reason}`,
    }),
  ]
  try {
    const [pods, events] = await Promise.all([
      listObjects(ctx.runner, ctx.target, 'pods', { namespace: release.namespace }),
      listObjects(ctx.runner, ctx.target, 'events', { namespace: release.namespace }).catch(() => [] as KubeObject[]),
    ])
    for (const pod of pods.filter((p) => p.metadata.labels?.['job-name'] === job)) {
      lines.push(...describePod(pod, events).map((l) => `  ${l}`))
    }
  } catch {
    // the diagnosis is a courtesy: the job and its reason are already named
  }
  const message = say({
    en: `${release.name}: helm hook job ${job} ${found.reason}; helm would wait for it until --timeout`,
    ko: `${release.name}: helm 훅 job ${job}: ${found.reason}. helm은 --timeout까지 이 job을 기다립니다`,
  })
  return new StepError(message, {
    output: lines.join('\n'),
    hint: say({
      en: 'fix the cause above, then run the same command again: the release is healed and installed again',
      ko: '원인을 고치고 같은 명령을 다시 실행하세요: 릴리스를 복구해 다시 설치합니다',
    }),
  })
}

/** What a person types to wait for the same workloads: `kubectl rollout status`, per workload. */
export function waitCommands(target: Target, refs: WorkloadRef[], timeoutMs: number): Command[] {
  const timeout = `--timeout=${formatDuration(timeoutMs)}`
  return refs.flatMap((r) => {
    const ref = `${r.kind.toLowerCase()}/${r.name}`
    return [
      ...(r.mayNotExistYet ? [kubectl(target, 'wait', '--for=create', ref, '-n', r.namespace, timeout)] : []),
      kubectl(target, 'rollout', 'status', ref, '-n', r.namespace, timeout),
    ]
  })
}

type StreamOf = (kind: Kind, namespace: string) => WatchStream

/** Pods of these workloads that have been stuck for at least `afterMs`. */
function stuckPods(
  stream: StreamOf,
  refs: WorkloadRef[],
  since: Map<string, number>,
  clock: { afterMs: number; now: number },
): string[] {
  const stuck: string[] = []
  for (const ref of refs) {
    const workload = stream(ref.kind, ref.namespace).get(ref.name)
    const events = stream('Event', ref.namespace).all()
    for (const pod of stream('Pod', ref.namespace).all()) {
      if (!selects(workload?.spec?.selector, pod.metadata.labels)) continue
      if (stuckPodProblem(pod, since, clock, events)) stuck.push(pod.metadata.name)
    }
  }
  return stuck
}

/** The words for a failed wait: each workload not ready, its pods, their reasons and last events. */
export async function diagnose(ctx: { runner: Runner; target: Target }, refs: WorkloadRef[]): Promise<string[]> {
  const lines: string[] = []
  for (const namespace of new Set(refs.map((r) => r.namespace))) {
    const [pods, events, ...workloads] = (await Promise.all([
      listObjects(ctx.runner, ctx.target, 'pods', { namespace }),
      listObjects(ctx.runner, ctx.target, 'events', { namespace }).catch(() => [] as KubeObject[]),
      ...refs
        .filter((r) => r.namespace === namespace)
        .map((r) =>
          listObjects(ctx.runner, ctx.target, resourceOf[r.kind], { namespace }).then((items) => ({
            ref: r,
            obj: items.find((i) => i.metadata.name === r.name),
          })),
        ),
    ])) as [KubeObject[], KubeObject[], ...{ ref: WorkloadRef; obj?: KubeObject }[]]
    for (const { ref, obj } of workloads) {
      const status = workloadStatus(obj)
      if (status.ready) continue
      const workload = `${ref.kind.toLowerCase()}/${ref.name}`
      lines.push(
        say({
          en: `${workload} in ${namespace}: ${status.detail.en}`,
          ko: `${namespace}의 ${workload}: ${status.detail.ko}`,
        }),
      )
      const mine = pods.filter((p) => selects(obj?.spec?.selector, p.metadata.labels))
      if (!mine.length) lines.push(say({ en: '  no pods yet', ko: '  아직 파드 없음' }))
      for (const pod of mine) {
        const log = await previousLog(ctx, pod, events)
        lines.push(...describePod(pod, events, log).map((l) => `  ${l}`))
      }
    }
  }
  return lines
}

/**
 * The log of the run that ended, of the container whose problem the pod shows: a crash's cause is
 * often only there (promtail's "too many open files"), as charts rarely set FallbackToLogsOnError.
 */
async function previousLog(
  ctx: { runner: Runner; target: Target },
  pod: KubeObject,
  events: KubeObject[],
): Promise<string> {
  const container = podProblem(pod, { events })?.container
  const statuses: { name: string; lastState?: { terminated?: object } }[] = pod.status?.containerStatuses ?? []
  const ended = statuses.some((cs) => cs.name === container && cs.lastState?.terminated)
  if (!ended) return ''
  const { namespace, name } = pod.metadata
  const args = ['logs', '-n', namespace!, name, '-c', container!, '--previous', '--tail=20']
  const out = await ctx.runner.probe(kubectl(ctx.target, ...args))
  return out.exitCode === 0 ? out.stdout : ''
}

/**
 * Retries `probe` (one attempt each, no retry inside) until it exits 0 or the deadline passes.
 * The pace grows from 1 s to 5 s: an answer is seen quickly, and a slow start costs little.
 */
export async function waitUntilAnswers(
  ctx: { runner: Runner; log: Log },
  what: { title: Text; probe: Command; onTimeout: (lastError: string) => StepError },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const title = say(what.title)
  const answered = say({ en: `${what.title.en.replace(/ to answer$/, '')} answers`, ko: `${what.title.ko} 확인` })
  const probeUntilAnswer = async (status: StatusHandle): Promise<void> => {
    let pause = 1000
    for (let attempt = 1; ; attempt++) {
      const out = await ctx.runner.once(what.probe)
      if (out.exitCode === 0) return
      // not the webhook's silence but the API server's: said once by the runner, failed on once it lasts
      const outage = ctx.runner.api.failure()
      if (outage) throw outage
      const error = lastLine(out.stderr)
      const unanswered = isUnreachable(out.stderr)
        ? say({ en: 'the API server is not answering', ko: 'API 서버가 응답하지 않음' })
        : say({ en: `attempt ${attempt}`, ko: `${attempt}번째 시도` })
      status.update(`${unanswered}: ${error}`)
      ctx.log.verbose(`  ${title}: ${unanswered}: ${error}`)
      const limit = formatDuration(timeoutMs)
      if (Date.now() + pause >= deadline)
        throw (
          ctx.runner.api.error(
            say({
              en: `${what.title.en.replace(/ to answer$/, '')}: no answer within ${limit}`,
              ko: `${what.title.ko}: ${limit} 안에 응답 없음`,
            }),
          ) ?? what.onTimeout(error)
        )
      await sleep(pause)
      pause = Math.min(pause * 2, 5000)
    }
  }
  await ctx.log.status(waiting(what.title, timeoutMs), probeUntilAnswer, { done: answered })
}

/** A wait's status line, naming its deadline: `Waiting ≤ 10m for loki`. */
function waiting(what: Text, timeoutMs: number): string {
  const limit = formatDuration(timeoutMs)
  return say({ en: `Waiting ≤ ${limit} for ${what.en}`, ko: `${what.ko} 대기 중 (최대 ${limit})` })
}
