// One changing run at a time per cluster and stack: the run holds a Lease (see
// lib/tools/lease.ts) from before its first change to after its last. A second run says who
// holds it and waits (at most --timeout), or stops at once with --fail-if-busy. The Lease is
// renewed every third of --lease-duration while the run lives and deleted at its end (a signal's
// too, once its children are gone); a holder that died is followed once its Lease expires, or at
// once when it ran on this machine.
import fs from 'node:fs'
import os from 'node:os'
import type { ProcessOutput } from 'zx/core'
import { sleep } from '../core/zx.ts'
import { InterruptedError, StepError } from '../core/errors.ts'
import { formatDuration } from '../core/settings.ts'
import { failure, lastLine, type Command, type Runner } from '../tools/exec.ts'
import type { KubeObject } from '../tools/kubectl.ts'
import {
  commandOf,
  createLeaseCmd,
  deleteLeaseCmd,
  describeHolder,
  getLeaseCmd,
  LEASE_NAMESPACE,
  leaseName,
  leaseObject,
  leaseRefusal,
  lockState,
  parseLock,
  replaceLeaseCmd,
  type Holder,
  type Lock,
} from '../tools/lease.ts'
import type { Context } from './context.ts'
import { say } from '../core/text.ts'
import type { StatusHandle } from '../ui/log.ts'

/** Runs `work` holding this stack's lock: taken first (waiting for another run), released after. */
export async function withLease<T>(ctx: Context, work: () => Promise<T>): Promise<T> {
  const me = thisRun()
  const held = await acquire(ctx, me)
  const renewal = keepRenewed(ctx, me, held)
  holding.set(ctx, renewal.stop)
  try {
    return await work()
  } finally {
    // interrupted, the run's runner starts nothing more: the frame releases the lock (releaseInterrupted)
    if (await release(ctx, await renewal.stop(), (cmd) => ctx.runner.probe(cmd))) holding.delete(ctx)
  }
}

/** Each run's lock while it holds it (how to stop renewing it, and the Lease then held). */
const holding = new WeakMap<Context, () => Promise<KubeObject | undefined>>()

/**
 * An interrupted run's lock, released once its children are gone, so that the next run need not
 * wait for it to expire. Through `runner`: the run's own starts nothing after the interrupt. One
 * bounded attempt; a lock this run released already, or never took, is left alone.
 */
export async function releaseInterrupted(ctx: Context, runner: Pick<Runner, 'once'>): Promise<void> {
  const stop = holding.get(ctx)
  if (!stop) return
  holding.delete(ctx)
  await release(ctx, await stop(), (cmd) => runner.once({ ...cmd, timeoutMs: 5000 }))
}

/**
 * A read-only run takes no lock; it says when another run is changing the stack under it. Not
 * being allowed to read the Lease (RBAC) or to reach it never fails a report: it only goes unsaid.
 */
export async function noteLiveLock(ctx: Context): Promise<void> {
  const lease = await readLease(ctx).catch((error) => {
    if (error instanceof InterruptedError) throw error
    ctx.log.verbose(
      say({ en: `could not read this stack's lock: ${error}`, ko: `이 스택의 잠금을 읽지 못함: ${error}` }),
    )
    return undefined
  })
  const lock = lease && parseLock(lease, ctx.config.namespace)
  if (!lock || lockState(lock, Date.now(), here()).kind !== 'live') return
  const holder = describeHolder(lock.holder, Date.now())
  ctx.log.warn(
    say({
      en: `${holder} is changing this stack now: what follows shows it part-way (run again once it has ended)`,
      ko: `${holder}가 지금 이 스택을 바꾸는 중입니다: 아래는 중간 상태입니다 (끝난 뒤 \
다시 실행하세요)`,
    }),
  )
}

/** This process, as the Lease names its holder. */
function thisRun(): Holder {
  return {
    host: os.hostname(),
    machine: here().machine,
    pid: process.pid,
    command: commandOf(process.argv, process.cwd()),
    startedAt: Math.round(performance.timeOrigin),
  }
}

let machine: string | undefined

/**
 * Where a pid means this very process space: the host, its boot (pids restart with it) and, on
 * Linux, the pid namespace (two containers on one host share the first two, not their pids).
 */
function here(): { machine: string; isRunning(pid: number): boolean } {
  const read = (what: () => string) => {
    try {
      return what().trim()
    } catch {
      return ''
    }
  }
  machine ??= [
    os.hostname(),
    read(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    read(() => fs.readlinkSync('/proc/self/ns/pid')),
  ]
    .filter(Boolean)
    .join(' ')
  return { machine, isRunning }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

type Attempt = { held: KubeObject } | { busy: Lock }

/** The lock, taken now, or after the run holding it ends (at most --timeout); refused with --fail-if-busy. */
async function acquire(ctx: Context, me: Holder): Promise<KubeObject> {
  const first = await tryAcquire(ctx, me)
  if ('held' in first) return first.held
  const ns = ctx.config.namespace
  const where = `lease ${LEASE_NAMESPACE}/${leaseName(ns)}`
  const holder = describeHolder(first.busy.holder, Date.now())
  if (ctx.config.failIfBusy)
    throw new StepError(
      say({
        en: `another run is changing stack ${ns}: ${holder} (${where}); nothing done`,
        ko: `다른 실행이 스택 ${ns}를 바꾸는 중입니다: ${holder} (${where}). 아무것도 안 함`,
      }),
      {
        hint: say({
          en: 'run again once it has ended, or without --fail-if-busy to wait for it (at most --timeout)',
          ko: `그것이 끝난 뒤 다시 실행하거나, 기다리려면(최대 --timeout) --fail-if-busy 없이 \
실행하세요`,
        }),
      },
    )
  ctx.log.warn(
    say({
      en: `another run is changing stack ${ns}: ${holder} (${where}); waiting for it to end`,
      ko: `다른 실행이 스택 ${ns}를 바꾸는 중입니다: ${holder} (${where}). 끝나기를 기다립니다`,
    }),
  )
  const { timeoutMs, leaseDurationMs } = ctx.config
  const limit = formatDuration(timeoutMs)
  const title = say({
    en: `Waiting ≤ ${limit} for the lock on stack ${ns}`,
    ko: `스택 ${ns}의 잠금 대기 중 (최대 ${limit})`,
  })
  const taken = say({ en: `lock on stack ${ns} taken`, ko: `스택 ${ns}의 잠금을 잡음` })
  const waitForLock = async (status: StatusHandle): Promise<KubeObject> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      // every 2 s, or a third of a shorter lease: a lock released or expired is taken soon after
      await sleep(Math.min(2000, leaseDurationMs / 3))
      const attempt = await tryAcquire(ctx, me)
      if ('held' in attempt) return attempt.held
      const busy = describeHolder(attempt.busy.holder, Date.now())
      status.update(say({ en: `held by ${busy}`, ko: `잡고 있는 실행: ${busy}` }))
      const lease = `--lease-duration ${formatDuration(leaseDurationMs)}`
      if (Date.now() >= deadline)
        throw new StepError(
          say({
            en: `another run still holds the lock on stack ${ns} after ${limit}: ${busy} (${where}); nothing done`,
            ko: `${limit}가 지나도 다른 실행이 스택 ${ns}의 잠금을 잡고 있습니다: ${busy} \
(${where}). 아무것도 안 함`,
          }),
          {
            hint: say({
              en:
                'wait for it to end, or stop it if it hangs (a lock whose run died is taken over once it expires,' +
                ` ${lease}); --timeout sets how long to wait`,
              ko:
                '끝나기를 기다리거나, 멈춰 있으면 중지하세요' +
                ' (실행이 죽은 잠금은 만료되면 넘겨받습니다,' +
                ` ${lease}). 얼마나 기다릴지는 --timeout으로 정합니다`,
            }),
          },
        )
    }
  }
  return ctx.log.status(title, waitForLock, { done: taken })
}

/**
 * One try: create the Lease; when it exists, read it and take it over if its holder is gone,
 * replacing exactly the version read, so of two runs taking over at once only one wins.
 */
async function tryAcquire(ctx: Context, me: Holder): Promise<Attempt> {
  const { namespace, leaseDurationMs } = ctx.config
  for (;;) {
    const fresh = leaseObject({ stackNamespace: namespace, holder: me, durationMs: leaseDurationMs, now: Date.now() })
    const created = await ctx.runner.probe(createLeaseCmd(ctx.target, fresh))
    if (created.exitCode === 0) return { held: created.json() }
    if (leaseRefusal(created.stderr) !== 'exists') throw lockFailure(createLeaseCmd(ctx.target, fresh), created)
    const lease = await readLease(ctx)
    if (!lease) continue // released between the two calls
    const lock = parseLock(lease, namespace)
    if (!lock)
      throw new StepError(
        say({
          en: `lease ${LEASE_NAMESPACE}/${lease.metadata.name} exists but was not made by these scripts`,
          ko: `lease ${LEASE_NAMESPACE}/${lease.metadata.name}가 있지만 이 스크립트가 만든 것이 \
아닙니다`,
        }),
        {
          hint: say({
            en: `these scripts lock stack ${namespace} with it: rename or delete that Lease, or use another \
--namespace`,
            ko: `이 스크립트는 그 이름으로 스택 ${namespace}를 잠급니다: 그 Lease의 이름을 \
바꾸거나 지우거나, 다른 --namespace를 쓰세요`,
          }),
        },
      )
    const state = lockState(lock, Date.now(), here())
    if (state.kind === 'live') return { busy: lock }
    const next = leaseObject({
      stackNamespace: namespace,
      holder: me,
      durationMs: leaseDurationMs,
      now: Date.now(),
      previous: lease,
    })
    const taken = await ctx.runner.probe(replaceLeaseCmd(ctx.target, next))
    if (taken.exitCode === 0) {
      const why =
        state.kind === 'ended'
          ? say({ en: 'its process has ended', ko: '그 프로세스가 끝났음' })
          : say({
              en: `its lease expired ${formatDuration(state.agoMs)} ago`,
              ko: `lease가 ${formatDuration(state.agoMs)} 전에 만료됨`,
            })
      const from = describeHolder(lock.holder, Date.now())
      ctx.log.warn(
        say({
          en: `took over the lock on stack ${namespace} from ${from}: ${why}`,
          ko: `스택 ${namespace}의 잠금을 ${from}에게서 넘겨받았습니다: ${why}`,
        }),
      )
      return { held: taken.json() }
    }
    // another run took it over first, or its holder released it: look again
    if (!leaseRefusal(taken.stderr)) throw lockFailure(replaceLeaseCmd(ctx.target, next), taken)
  }
}

async function readLease(ctx: Context): Promise<KubeObject | undefined> {
  const cmd = getLeaseCmd(ctx.target, ctx.config.namespace)
  const out = await ctx.runner.probe(cmd)
  if (out.exitCode === 0) return out.json()
  if (leaseRefusal(out.stderr) === 'not-found') return undefined
  throw lockFailure(cmd, out)
}

/** A Lease call failed for another reason than the lock's state; refused by RBAC, it names the right missing. */
function lockFailure(cmd: Command, out: ProcessOutput): StepError {
  const { message, details } = failure(cmd, out)
  const hint = /forbidden/i.test(out.stderr)
    ? say({
        en:
          `the scripts hold a Lease in namespace ${LEASE_NAMESPACE} while they change the cluster: ` +
          'your user needs to get, create, update and delete leases.coordination.k8s.io there',
        ko:
          `이 스크립트는 클러스터를 바꾸는 동안 ${LEASE_NAMESPACE}에 Lease를 둡니다:` +
          ` 사용자에게 그곳의 leases.coordination.k8s.io에 대한 get, create, update, delete 권한이 \
필요합니다`,
      })
    : details.hint
  return new StepError(
    say({
      en: `could not take the lock on this stack: ${message}`,
      ko: `이 스택의 잠금을 잡지 못했습니다: ${message}`,
    }),
    { ...details, hint },
  )
}

/**
 * Renews the Lease every third of its duration, so it outlives a missed renewal or two. A renewal
 * refused because the Lease changed means another run took it over (this one was thought dead):
 * said once, and no longer renewed or released. `stop` returns the Lease still held, if any.
 */
function keepRenewed(ctx: Context, me: Holder, held: KubeObject) {
  const ns = ctx.config.namespace
  let current: KubeObject | undefined = held
  let renewing: Promise<void> | undefined
  const renew = async (lease: KubeObject) => {
    const next = leaseObject({
      stackNamespace: ctx.config.namespace,
      holder: me,
      durationMs: ctx.config.leaseDurationMs,
      now: Date.now(),
      previous: lease,
    })
    const out = await ctx.runner.once(replaceLeaseCmd(ctx.target, next))
    if (out.exitCode === 0) {
      current = out.json()
      return
    }
    if (leaseRefusal(out.stderr)) {
      current = undefined
      const why = lastLine(out.stderr)
      ctx.log.warn(
        say({
          en: `this run lost its lock on stack ${ns} (${why}): another run may now change the stack alongside it`,
          ko: `이 실행이 스택 ${ns}의 잠금을 잃었습니다 (${why}): 이제 다른 실행이 함께 \
스택을 바꿀 수 있습니다`,
        }),
      )
      return
    }
    const [why, pace] = [lastLine(out.stderr), formatDuration(ctx.config.leaseDurationMs / 3)]
    ctx.log.warn(
      say({
        en: `could not renew this run's lock on stack ${ns} (${why}); trying again in ${pace}`,
        ko: `스택 ${ns}의 잠금을 갱신하지 못했습니다 (${why}). ${pace} 뒤 다시 시도합니다`,
      }),
    )
  }
  const timer = setInterval(() => {
    if (renewing || !current) return
    renewing = renew(current)
      // interrupted: the run is ending, and a renewal is the last thing to report
      .catch((error) => {
        if (!(error instanceof InterruptedError))
          ctx.log.warn(
            say({
              en: `could not renew this run's lock: ${error}`,
              ko: `잠금을 갱신하지 못함: ${error}`,
            }),
          )
      })
      .finally(() => (renewing = undefined))
  }, ctx.config.leaseDurationMs / 3)
  // the lock never keeps a finished run alive
  timer.unref()
  return {
    async stop(): Promise<KubeObject | undefined> {
      clearInterval(timer)
      await renewing
      return current
    },
  }
}

/**
 * Deletes the Lease if it is still the version this run wrote (one taken over is another run's).
 * A failure is said, never thrown over the run's own outcome. False when the run was interrupted
 * first: its runner refused the call, and the lock is still held.
 */
async function release(
  ctx: Context,
  lease: KubeObject | undefined,
  run: (cmd: Command) => Promise<ProcessOutput>,
): Promise<boolean> {
  if (!lease) return true
  const cmd = deleteLeaseCmd(ctx.target, ctx.config.namespace, String(lease.metadata.resourceVersion))
  let why: string
  try {
    const out = await run(cmd)
    if (out.exitCode === 0 || leaseRefusal(out.stderr)) return true
    why = lastLine(out.stderr)
  } catch (error) {
    if (error instanceof InterruptedError) return false
    why = String(error)
  }
  ctx.log.warn(
    say({
      en:
        `could not release the lock on stack ${ctx.config.namespace} (${why}): the next run takes it over once it` +
        ` expires, within ${formatDuration(ctx.config.leaseDurationMs)}`,
      ko:
        `스택 ${ctx.config.namespace}의 잠금을 풀지 못했습니다 (${why}):` +
        ' 만료되면 다음 실행이 넘겨받습니다' +
        ` (${formatDuration(ctx.config.leaseDurationMs)} 안에)`,
    }),
  )
  return true
}
