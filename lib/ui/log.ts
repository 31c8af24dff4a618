// What the user sees. Progress goes to stderr; stdout carries only what a user may pipe:
// the dry-run commands (a runnable script) and the report. Status lines fail by default and
// end ✓ with the elapsed time only when their work succeeded (kind's cli/status.go).
import chalk, { Chalk, type ChalkInstance } from 'chalk'
import type { Verbosity } from '../core/config.ts'
import { redactCredentials } from '../core/redact.ts'
import { languageOf, type Lang } from './i18n.ts'

export interface LogOptions {
  verbosity: Verbosity
  /** live, redrawn status lines; off when stderr is not a TTY or CI is set */
  live: boolean
  color: boolean
  /** the language of the report's checkpoint lines and the summary (default English) */
  lang?: Lang
  err?: NodeJS.WriteStream | { write(s: string): boolean }
  out?: NodeJS.WriteStream | { write(s: string): boolean }
}

export interface StatusHandle {
  /** the changing part of the line, e.g. `3/5 pods ready` */
  update(detail: string): void
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
/** how often a plain (non-live) status repeats a changed detail */
const PLAIN_REPEAT_MS = 15_000

interface Active {
  title: string
  detail: string
  started: number
  lastPrinted: number
}

export class Log {
  readonly c: ChalkInstance
  readonly lang: Lang
  private readonly err
  private readonly out
  private readonly active = new Set<Active>()
  private drawn = 0
  private ticker?: NodeJS.Timeout
  private frame = 0
  private silenced = false

  constructor(readonly opts: LogOptions) {
    this.c = opts.color ? chalk : new Chalk({ level: 0 })
    this.lang = opts.lang ?? 'en'
    this.err = opts.err ?? process.stderr
    this.out = opts.out ?? process.stdout
  }

  header(text: string) {
    if (this.opts.verbosity !== 'quiet') this.line(`\n${this.c.bold(text)}`)
  }
  info(text: string) {
    if (this.opts.verbosity !== 'quiet') this.line(text)
  }
  verbose(text: string) {
    if (this.opts.verbosity === 'verbose') this.line(this.c.dim(text))
  }
  ok(text: string) {
    if (this.opts.verbosity !== 'quiet') this.line(`${this.c.green('✓')} ${text}`)
  }
  warn(text: string) {
    this.line(`${this.c.yellow('!')} ${this.c.yellow(text)}`)
  }
  error(text: string) {
    this.line(this.c.red(text))
  }
  /** what explains an error (command, output, hint): shown even with --quiet */
  explain(text: string) {
    this.line(text)
  }
  /** stdout: a line of the dry-run script or of the report */
  print(text: string) {
    if (this.silenced) return
    this.clearLive()
    this.out.write(`${redactCredentials(text)}\n`)
    this.drawLive()
  }

  /**
   * Runs `work` under a status line `title`. The line shows the elapsed time while it runs and
   * ends `✓ title (12.3s)` on success or `✗ title (12.3s)` when `work` throws (the error goes on).
   */
  async status<T>(title: string, work: (status: StatusHandle) => Promise<T>): Promise<T> {
    const entry: Active = { title, detail: '', started: Date.now(), lastPrinted: Date.now() }
    this.active.add(entry)
    if (!this.opts.live && this.opts.verbosity !== 'quiet') this.line(`${this.c.cyan('…')} ${title}`)
    this.startTicker()
    const handle: StatusHandle = { update: (detail) => this.updateDetail(entry, detail) }
    try {
      const result = await work(handle)
      this.finish(entry, true)
      return result
    } catch (error) {
      this.finish(entry, false)
      throw error
    }
  }

  /** Stops the live renderer (timers), e.g. before the process exits. */
  close() {
    this.clearLive()
    this.active.clear()
    this.stopTicker()
  }

  /** The titles of the status lines under way: what a signal interrupts. */
  inProgress(): string[] {
    return [...this.active].map((a) => a.title)
  }

  /** Closes the log and prints nothing more: an interrupted run's steps fail on their way out, which is noise. */
  silence() {
    this.close()
    this.silenced = true
  }

  private updateDetail(entry: Active, detail: string) {
    if (detail === entry.detail) return
    entry.detail = detail
    if (this.opts.live || this.opts.verbosity === 'quiet') return
    if (Date.now() - entry.lastPrinted >= PLAIN_REPEAT_MS || this.opts.verbosity === 'verbose') {
      entry.lastPrinted = Date.now()
      this.line(this.c.dim(`  ${entry.title}: ${detail} (${elapsed(entry.started)})`))
    }
  }

  private finish(entry: Active, ok: boolean) {
    this.active.delete(entry)
    if (!this.active.size) this.stopTicker()
    const mark = ok ? this.c.green('✓') : this.c.red('✗')
    const tail = ok ? '' : entry.detail ? this.c.dim(` — ${entry.detail}`) : ''
    if (ok && this.opts.verbosity === 'quiet') return this.drawLive()
    this.line(`${mark} ${entry.title} ${this.c.dim(`(${elapsed(entry.started)})`)}${tail}`)
  }

  private line(text: string) {
    if (this.silenced) return
    this.clearLive()
    this.err.write(`${redactCredentials(text)}\n`)
    this.drawLive()
  }

  private startTicker() {
    if (!this.opts.live || this.ticker) return
    this.ticker = setInterval(() => {
      this.frame = (this.frame + 1) % frames.length
      this.clearLive()
      this.drawLive()
    }, 100)
    this.ticker.unref()
  }

  private stopTicker() {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
  }

  private drawLive() {
    if (!this.opts.live || !this.active.size || this.silenced) return
    const columns = (this.err as NodeJS.WriteStream).columns ?? 120
    for (const a of this.active) {
      const text = `${frames[this.frame]} ${a.title}${a.detail ? ` — ${a.detail}` : ''} (${elapsed(a.started)})`
      this.err.write(`${this.c.cyan(redactCredentials(text).slice(0, columns - 1))}\n`)
    }
    this.drawn = this.active.size
  }

  private clearLive() {
    if (!this.opts.live || !this.drawn) return
    this.err.write(`\x1b[${this.drawn}A\x1b[0J`)
    this.drawn = 0
  }
}

export function elapsed(since: number): string {
  const ms = Date.now() - since
  // rounded to a tenth first, so that 59.97 s reads 1m00s, not 60.0s
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`
  const whole = Math.round(ms / 1000)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}

/**
 * The defaults a user expects: live lines on a terminal, plain ones in CI and pipes, NO_COLOR
 * respected, the report and summary in the locale's language.
 */
export function createLog(
  verbosity: Verbosity,
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv,
): Log {
  const tty = Boolean(process.stderr.isTTY)
  const color = tty && !env.NO_COLOR && !argv.includes('--no-color')
  return new Log({ verbosity, live: tty && !env.CI, color: Boolean(env.FORCE_COLOR) || color, lang: languageOf(env) })
}
