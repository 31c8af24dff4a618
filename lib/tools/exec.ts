// Running commands. A command is data (an argv array, maybe stdin) built by the pure builders in
// kubectl.ts and helm.ts; this module runs it with one of two zx presets, or prints it in a
// dry run from the very same argv, so what is printed is what would run.
import { $, expBackoff, quote, retry, sleep, type ProcessOutput, type ProcessPromise } from 'zx'
import { InterruptedError, StepError } from '../core/errors.ts'
import type { Log } from '../ui/log.ts'

export interface Command {
  argv: string[]
  /** fed to stdin (e.g. a manifest for `kubectl apply -f -`) */
  input?: string
  /** the process is ended after this long (a bound the tool's own flags may not give) */
  timeoutMs?: number
  /** ends the process (SIGTERM) when aborted: a helm waiting on a hook Job we found stuck */
  signal?: AbortSignal
}

/**
 * How many times a command is tried when the API answers with a transient error. With the
 * backoff below (0.25 s doubling to 5 s) the 7 retries span about 18 s: a control plane that
 * stumbles for a few seconds (a restarting apiserver, a flaky VPN) is ridden out, and a dead one
 * still fails within half a minute.
 */
const TRANSIENT_TRIES = 8

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

export class Runner {
  private readonly running = new Set<ProcessPromise>()
  /** Set once interrupted: no command starts after that, so none can outlive the script. */
  private interruptedBy?: NodeJS.Signals

  constructor(
    readonly log: Log,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

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

  private async tryTransient(cmd: Command): Promise<ProcessOutput> {
    // refused at once, not retried with backoff: the script is about to exit
    if (this.interruptedBy) throw this.notStarted(cmd)
    let attempt = 0
    return retry(TRANSIENT_TRIES, expBackoff('5s', 250), async () => {
      const out = await this.spawn(cmd)
      if (out.exitCode !== 0 && isTransient(out.stderr) && ++attempt < TRANSIENT_TRIES) {
        this.log.verbose(`  retrying (${attempt}/${TRANSIENT_TRIES - 1}) after: ${lastLine(out.stderr)}`)
        throw failure(cmd, out)
      }
      return out
    })
  }

  /**
   * Forwards a signal to every running child and waits (bounded) for them to end, so an
   * interrupted helm can record its release as failed rather than leave it pending.
   * Returns the commands that were interrupted.
   */
  async interrupt(signal: NodeJS.Signals): Promise<string[]> {
    this.interruptedBy = signal
    const children = [...this.running]
    const names = children.map((c) => c.cmd)
    await Promise.all(children.map((c) => c.kill(signal).catch(() => {})))
    await Promise.race([Promise.allSettled(children), sleep(INTERRUPT_GRACE_MS)])
    await Promise.all([...this.running].map((c) => c.kill('SIGKILL').catch(() => {})))
    return names
  }

  private spawn(cmd: Command): Promise<ProcessOutput> {
    // the steps go on while the interrupt waits for the children: a command they start now is refused
    if (this.interruptedBy) return Promise.reject(this.notStarted(cmd))
    this.log.verbose(`  $ ${cmd.argv.map(shellWord).join(' ')}`)
    const [bin, ...args] = cmd.argv
    const options = { quiet: true, verbose: false, nothrow: true, env: this.env, input: cmd.input, signal: cmd.signal }
    const child = $(options)`${bin} ${args}`
    const run = cmd.timeoutMs ? child.timeout(cmd.timeoutMs) : child
    this.running.add(child)
    return run.finally(() => this.running.delete(child))
  }

  private notStarted(cmd: Command): InterruptedError {
    return new InterruptedError(
      `not started, the run was interrupted (${this.interruptedBy}): ${cmd.argv.slice(0, 3).join(' ')}`,
    )
  }
}

export function failure(cmd: Command, out: ProcessOutput): StepError {
  return new StepError(
    `${cmd.argv.slice(0, 3).join(' ')} failed: ${lastLine(out.stderr) || `exit code ${out.exitCode}`}`,
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
