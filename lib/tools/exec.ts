// Running commands. A command is data (an argv array, maybe stdin) built by the pure builders in
// kubectl.ts and helm.ts; this module runs it with one of two zx presets, or prints it in a
// dry run from the very same argv, so what is printed is what would run.
import { PassThrough } from 'node:stream'
import { $, quote, type ProcessOutput, type ProcessPromise } from 'zx/core'
import { sleep } from '../core/zx.ts'
import { InterruptedError, StepError } from '../core/errors.ts'
import type { Log } from '../ui/log.ts'
import { ApiReachability, asksApiServer, isUnreachable } from './reachability.ts'
import { endChild, feed, signalChild } from './children.ts'
import { say } from '../core/text.ts'

export interface Command {
  argv: string[]
  /** fed to stdin (e.g. a manifest for `kubectl apply -f -`) */
  input?: string
  /** the process is ended after this long (a bound the tool's own flags may not give) */
  timeoutMs?: number
  /** ends the process (SIGTERM) when aborted: a helm waiting on a hook Job we found stuck */
  signal?: AbortSignal
  /**
   * its result says nothing of an outage: the preflight's first try at a server that may never have
   * answered (no cluster, none started), whose failure is the preflight's own error
   */
  unobserved?: boolean
  /** the helm release it writes: unfinished, it may leave the release pending-* (Runner.unfinishedWrites) */
  writes?: ReleaseRef
}

/** A helm release, by name and namespace. */
export interface ReleaseRef {
  name: string
  namespace: string
}

/**
 * A helm operation of this run that did not finish: it failed (an outage: the server gone under it), or
 * the run's interrupt, a signal or its caller ended it.
 */
export interface UnfinishedWrite {
  release: ReleaseRef
  /** when its helm started and ended, in ms since the epoch: a revision written between is its own */
  startedAt: number
  endedAt?: number
}

/**
 * How many times a command is tried when the API answers with a transient error. With the
 * backoff below (0.25 s doubling to 5 s) the 7 retries span about 18 s: a control plane that
 * stumbles for a few seconds (a restarting apiserver, a flaky VPN) is ridden out, and a dead one
 * still fails within half a minute.
 */
const TRANSIENT_TRIES = 8

/** The pause before the retry after `failures` transient failures: 0.25 s doubling, at most 5 s. */
export function transientBackoffMs(failures: number): number {
  return Math.min(250 * 2 ** (failures - 1), 5000)
}

/** How often a command is tried again while the API server does not answer at all (within the outage limit). */
const UNREACHABLE_PACE_MS = 2000

/** How long an outage is retried through unless the config says (--api-unreachable-after). */
const UNREACHABLE_LIMIT_MS = 60_000

/**
 * One word as a person would type it for bash: bare when nothing in it is special, else in single
 * quotes, and in zx's $'…' only when it holds a control character single quotes cannot carry.
 */
export function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\x00-\x1f\x7f]/.test(word)) return quote(word)
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** The command as a person would type it; stdin becomes a quoted here-document. */
export function renderCommand(cmd: Command): string {
  const line = cmd.argv.map(shellWord).join(' ')
  if (cmd.input === undefined) return line
  const body = cmd.input.endsWith('\n') ? cmd.input : `${cmd.input}\n`
  const lines = new Set(body.split('\n'))
  let tag = 'EOF'
  for (let i = 1; lines.has(tag); i++) tag = `EOF_${i}`
  return `${line} <<'${tag}'\n${body}${tag}`
}

/** The stderr of a transient failure (one alternative a line; the same pattern as a single regex literal). */
const TRANSIENT = new RegExp(
  [
    'connection reset by peer',
    'i\\/o timeout',
    'TLS handshake timeout',
    'unexpected EOF',
    '\\bEOF\\b',
    'Too Many Requests',
    'the server is currently unable to handle the request',
    'ServiceUnavailable',
    'Internal Server Error',
    'an error on the server',
    '\\(InternalError\\)',
    'Internal error occurred',
    'http2: client connection lost',
    '\\(Timeout\\)',
    'rate: Wait',
  ].join('|'),
  'i',
)

/**
 * Errors worth another try: the API server or the network stumbled. A webhook that refuses
 * connections is not one of them: that is a readiness question the waits answer.
 */
export function isTransient(stderr: string): boolean {
  if (/failed calling webhook/i.test(stderr)) return false
  return TRANSIENT.test(stderr)
}

/** How long interrupted children get to finish (helm marks its release failed, not pending). */
const INTERRUPT_GRACE_MS = 10_000

/** Waiting, as the Runner does it: a test gives its own clock so that time is under its control. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: Clock = { now: Date.now, sleep: (ms) => sleep(ms) }

export interface RunnerOptions {
  /** how long an API server that does not answer at all is retried through (--api-unreachable-after) */
  unreachableLimitMs?: number
  clock?: Clock
}

export class Runner {
  /** each running child, with the command it runs and when it started */
  private readonly running = new Map<ProcessPromise, { cmd: Command; startedAt: number }>()
  /** the release-writing children that did not finish (see unfinishedWrites) */
  private readonly unfinished = new Map<ProcessPromise, UnfinishedWrite>()
  /** Set once interrupted: no command starts after that, so none can outlive the script. */
  private interruptedBy?: NodeJS.Signals
  private readonly clock: Clock
  /** whether the API server answers, from every command's result (and the watches') */
  readonly api: ApiReachability

  constructor(
    readonly log: Log,
    private readonly env: NodeJS.ProcessEnv = process.env,
    opts: RunnerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock
    this.api = new ApiReachability(log, opts.unreachableLimitMs ?? UNREACHABLE_LIMIT_MS, this.clock.now)
  }

  /** A read: runs even in a dry run, quietly; transient API errors are retried with backoff. */
  async query(cmd: Command): Promise<ProcessOutput> {
    const out = await this.tryTransient(cmd)
    if (out.exitCode !== 0) throw failure(cmd, out)
    return out
  }

  /** A read whose exit code is the answer (e.g. `helm status` of an absent release). */
  async probe(cmd: Command): Promise<ProcessOutput> {
    return this.tryTransient(cmd)
  }

  /** A change to the cluster. Transient API errors are retried: every change we make is idempotent. */
  async change(cmd: Command): Promise<ProcessOutput> {
    this.log.verbose(`$ ${renderCommand(cmd)}`)
    const out = await this.tryTransient(cmd)
    if (out.exitCode !== 0) throw failure(cmd, out)
    return out
  }

  /** One attempt, no retry: for readiness probes, which have their own deadline and pace. */
  async once(cmd: Command): Promise<ProcessOutput> {
    return this.spawn(cmd)
  }

  /**
   * A child that runs until its caller ends it (`kubectl proxy`), with endChild: an abort signal
   * would end a kubectl wrapper and leave its kubectl serving. An interrupt ends it with the others.
   */
  serve(cmd: Command): ProcessPromise {
    if (this.interruptedBy) throw this.notStarted(cmd)
    this.log.verbose(`  $ ${cmd.argv.map(shellWord).join(' ')}`)
    const [bin, ...args] = cmd.argv
    const child = $({ quiet: true, verbose: false, nothrow: true, env: this.env })`${bin} ${args}`
    this.running.set(child, { cmd, startedAt: this.clock.now() })
    void child.finally(() => this.running.delete(child))
    return child
  }

  /**
   * Tries until an answer that is not a stumble: transient errors up to TRANSIENT_TRIES times with
   * backoff; an API server that does not answer at all, at a steady pace until the outage has
   * lasted its limit, then the step fails with the outage (the caller's own failure would only say
   * "connection refused").
   */
  private async tryTransient(cmd: Command): Promise<ProcessOutput> {
    // refused at once, not retried with backoff: the script is about to exit
    if (this.interruptedBy) throw this.notStarted(cmd)
    for (let failures = 0; ; ) {
      const out = await this.spawn(cmd)
      if (out.exitCode === 0) return out
      // a call to the API server failing while it is gone (helm's own deadline in the outage): the outage is the cause
      if (isUnreachable(out.stderr) || (this.api.down && asksApiServer(cmd.argv))) {
        const outage = this.api.failure()
        if (outage) throw outage
        const pace = UNREACHABLE_PACE_MS / 1000
        const retrying = say({ en: `retrying in ${pace}s`, ko: `${pace}초 뒤 재시도` })
        this.log.verbose(`  ${retrying}: ${lastLine(out.stderr)}`)
        await this.clock.sleep(UNREACHABLE_PACE_MS)
        continue
      }
      if (!isTransient(out.stderr) || ++failures >= TRANSIENT_TRIES) return out
      this.log.verbose(`  retrying (${failures}/${TRANSIENT_TRIES - 1}) after: ${lastLine(out.stderr)}`)
      await this.clock.sleep(transientBackoffMs(failures))
    }
  }

  /**
   * Forwards a signal to every running child and waits (bounded) for them to end, so an
   * interrupted helm can record its release as failed rather than leave it pending; what is left
   * then is killed. Resolves once every child is gone. Returns the commands that were interrupted.
   */
  async interrupt(signal: NodeJS.Signals): Promise<string[]> {
    if (this.interruptedBy) return []
    this.interruptedBy = signal
    const children = [...this.running]
    for (const [child, { cmd, startedAt }] of children) this.noteUnfinished(child, cmd, startedAt)
    // helm records its release as failed on SIGINT and SIGTERM; a hang-up would end it mid-write, pending
    const forwarded = signal === 'SIGHUP' ? 'SIGTERM' : signal
    await Promise.all(children.map(([child]) => endChild(child, forwarded, INTERRUPT_GRACE_MS)))
    return children.map(([, { cmd }]) => commandName(cmd))
  }

  /**
   * The helm operations on a release that did not finish: running when the run was interrupted, ended
   * by a signal (the whole process group's hang-up reaches helm before us) or by their caller, or failed
   * (a helm whose server went away cannot record its release as failed). Each may have left its release
   * pending-*, with no helm running on it any more.
   */
  unfinishedWrites(): UnfinishedWrite[] {
    return [...this.unfinished.values()]
  }

  private noteUnfinished(child: ProcessPromise, cmd: Command, startedAt: number): void {
    if (!cmd.writes || this.unfinished.has(child)) return
    const write: UnfinishedWrite = { release: cmd.writes, startedAt }
    this.unfinished.set(child, write)
    void child.finally(() => (write.endedAt = this.clock.now()))
  }

  /** Ends every running child at once: a second signal, when the user will not wait for the grace. */
  kill(): void {
    for (const child of this.running.keys()) signalChild(child, 'SIGKILL')
  }

  private async spawn(cmd: Command): Promise<ProcessOutput> {
    // the steps go on while the interrupt waits for the children: a command they start now is refused
    if (this.interruptedBy) throw this.notStarted(cmd)
    this.log.verbose(`  $ ${cmd.argv.map(shellWord).join(' ')}`)
    const [bin, ...args] = cmd.argv
    const input = cmd.input === undefined ? undefined : new PassThrough()
    const options = { quiet: true, verbose: false, nothrow: true, env: this.env, input, signal: cmd.signal }
    const startedAt = this.clock.now()
    const child = $(options)`${bin} ${args}`
    if (input) void feed(child, input, cmd.input ?? '')
    const run = cmd.timeoutMs ? child.timeout(cmd.timeoutMs) : child
    this.running.set(child, { cmd, startedAt })
    const out = await run.finally(() => this.running.delete(child))
    // failed, killed by a signal, or ended by its caller (helm handles SIGTERM and exits 1)
    if (out.exitCode !== 0) this.noteUnfinished(child, cmd, startedAt)
    if (!cmd.unobserved) this.api.observe(out, cmd.argv, startedAt)
    // ended by the interrupt (or by the same signal, sent to the whole process group): not a failure of its step
    if (this.interruptedBy && out.exitCode !== 0) throw this.ended(cmd)
    return out
  }

  private notStarted(cmd: Command): InterruptedError {
    return new InterruptedError(
      say({
        en: `not started, the run was interrupted (${this.interruptedBy}): ${commandName(cmd)}`,
        ko: `시작 안 함, 실행이 중단됨 (${this.interruptedBy}): ${commandName(cmd)}`,
      }),
    )
  }

  private ended(cmd: Command): InterruptedError {
    return new InterruptedError(
      say({
        en: `ended, the run was interrupted (${this.interruptedBy}): ${commandName(cmd)}`,
        ko: `끝남, 실행이 중단됨 (${this.interruptedBy}): ${commandName(cmd)}`,
      }),
    )
  }
}

/** The first words of a command, enough to name it in one line (`helm upgrade --install tempo`). */
export function commandName(cmd: Pick<Command, 'argv'>): string {
  return cmd.argv.slice(0, 4).map(shellWord).join(' ')
}

export function failure(cmd: Command, out: ProcessOutput): StepError {
  return new StepError(
    say({
      en: `${cmd.argv.slice(0, 3).join(' ')} failed: ${lastLine(out.stderr) || `exit code ${out.exitCode}`}`,
      ko: `${cmd.argv.slice(0, 3).join(' ')} 실패: ${lastLine(out.stderr) || `종료 코드 ${out.exitCode}`}`,
    }),
    {
      command: renderCommand({ argv: cmd.argv }),
      exitCode: out.exitCode,
      output: tail(out.stderr || out.stdout, 20),
    },
  )
}

export function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? ''
}

export function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}
