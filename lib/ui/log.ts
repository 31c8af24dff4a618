// What the user sees. Progress goes to stderr; stdout carries only what a user may pipe:
// the dry-run commands (a runnable script) and the report. Status lines fail by default and
// end ✓ with the elapsed time only when their work succeeded (kind's cli/status.go).
// Steps of a plan run side by side: every line a step writes carries its title (`§2.3 loki │ ✓ …`),
// and the live area shows each running step with its elapsed time first.
import { AsyncLocalStorage } from 'node:async_hooks'
import { chalk } from 'zx/core'
import type { Verbosity } from '../core/config.ts'
import { redactCredentials } from '../core/redact.ts'
import { displayWidth, languageOf, type Lang } from './i18n.ts'

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
  /** the step it runs in, if any */
  step?: Step
}

interface Step {
  title: string
  started: number
}

/** What a status line ends with on success, when not its title (`installed 2.10.3`, not `installing …`). */
export interface StatusOptions {
  done?: string
}

/** Chalk as zx has it loaded already (the chalk package again would cost every script's start ~20 ms). */
export type Colours = typeof chalk
/** zx's chalk without colours: a new instance from its constructor, level 0 */
const plain: Colours = new (chalk.constructor as new (options: { level: 0 }) => Colours)({ level: 0 })

export class Log {
  readonly c: Colours
  readonly lang: Lang
  private readonly err
  private readonly out
  private readonly active = new Set<Active>()
  private readonly steps = new Set<Step>()
  private readonly current = new AsyncLocalStorage<Step>()
  private drawn = 0
  private ticker?: NodeJS.Timeout
  private frame = 0
  private silenced = false

  constructor(readonly opts: LogOptions) {
    this.c = opts.color ? chalk : plain
    this.lang = opts.lang ?? 'en'
    this.err = opts.err ?? process.stderr
    this.out = opts.out ?? process.stdout
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
   * Runs a step of a plan: every line written while it runs (by it and what it calls) starts with
   * `title │`. Tagged as they come rather than grouped when the step ends: a ten-minute wait shows
   * its progress as it goes (in CI too), and a run that is interrupted or killed keeps every line.
   */
  async step<T>(title: string, work: () => Promise<T>): Promise<T> {
    const step: Step = { title, started: Date.now() }
    this.steps.add(step)
    this.startTicker()
    try {
      return await this.current.run(step, work)
    } finally {
      this.steps.delete(step)
      this.stopTickerWhenIdle()
      this.redraw()
    }
  }

  /**
   * Runs `work` under a status line `title`. The line shows the elapsed time while it runs and
   * ends `✓ title (12.3s)` (or `✓ done (12.3s)`) on success, `✗ title (12.3s)` when `work` throws
   * (the error goes on).
   */
  async status<T>(title: string, work: (status: StatusHandle) => Promise<T>, opts: StatusOptions = {}): Promise<T> {
    const now = Date.now()
    const entry: Active = { title, detail: '', started: now, lastPrinted: now, step: this.current.getStore() }
    this.active.add(entry)
    if (!this.opts.live && this.opts.verbosity !== 'quiet') this.line(`${this.c.cyan('…')} ${title}`)
    this.startTicker()
    const handle: StatusHandle = { update: (detail) => this.updateDetail(entry, detail) }
    try {
      const result = await work(handle)
      this.finish(entry, opts.done ?? title, true)
      return result
    } catch (error) {
      this.finish(entry, title, false)
      throw error
    }
  }

  /** Stops the live renderer (timers), e.g. before the process exits. */
  close() {
    this.clearLive()
    this.active.clear()
    this.steps.clear()
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

  private finish(entry: Active, text: string, ok: boolean) {
    this.active.delete(entry)
    this.stopTickerWhenIdle()
    const mark = ok ? this.c.green('✓') : this.c.red('✗')
    const tail = ok ? '' : entry.detail ? this.c.dim(` — ${entry.detail}`) : ''
    if (ok && this.opts.verbosity === 'quiet') return this.redraw()
    this.line(`${mark} ${text} ${this.c.dim(`(${elapsed(entry.started)})`)}${tail}`)
  }

  /** A line on stderr, each of its lines tagged with the step it was written in. */
  private line(text: string) {
    if (this.silenced) return
    const step = this.current.getStore()
    const tagged = step ? text.replace(/^(?=.)/gm, this.c.dim(`${step.title} │ `)) : text
    this.clearLive()
    this.err.write(`${redactCredentials(tagged)}\n`)
    this.drawLive()
  }

  private redraw() {
    this.clearLive()
    this.drawLive()
  }

  private stopTickerWhenIdle() {
    if (!this.active.size && !this.steps.size) this.stopTicker()
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
    if (!this.opts.live || this.silenced) return
    const rows = liveRows([...this.steps], [...this.active])
    const columns = (this.err as NodeJS.WriteStream).columns ?? 120
    for (const row of rows)
      this.err.write(`${this.c.cyan(cutColumns(`${frames[this.frame]} ${redactCredentials(row)}`, columns - 1))}\n`)
    this.drawn = rows.length
  }

  private clearLive() {
    if (!this.opts.live || !this.drawn) return
    this.err.write(`\x1b[${this.drawn}A\x1b[0J`)
    this.drawn = 0
  }
}

/**
 * The live area: one row per running step, and one per status line outside any step, each with its
 * elapsed time first, so that a row cut at the terminal's width keeps it. A step shows its newest
 * status line (its detail too).
 */
function liveRows(steps: Step[], active: Active[]): string[] {
  const what = (a: Active) => `${a.title}${a.detail ? ` — ${a.detail}` : ''}`
  const ofStep = steps.map((s) => {
    const newest = active.filter((a) => a.step === s).at(-1)
    return `${elapsed(s.started)} ${s.title}${newest ? ` │ ${what(newest)}` : ''}`
  })
  const alone = active.filter((a) => !a.step || !steps.includes(a.step))
  return [...ofStep, ...alone.map((a) => `${elapsed(a.started)} ${what(a)}`)]
}

/** `text` cut to `columns` terminal columns (Hangul takes two), so that a live row never wraps. */
function cutColumns(text: string, columns: number): string {
  let width = 0
  let out = ''
  for (const ch of text) {
    width += displayWidth(ch)
    if (width > columns) break
    out += ch
  }
  return out
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
