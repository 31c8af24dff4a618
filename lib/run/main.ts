// The frame every script runs in: read and validate the settings, connect (tools, context,
// cluster), run the script's steps, and print any error once — red message, the command and its
// output, a hint — with its exit code. Watches and live lines are stopped on every way out; a
// signal (or the process that started the script going away) ends the children first, releases
// the run's lock, then says what was interrupted and how to resume.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { configFrom, readSettings, settingDefs } from '../core/config.ts'
import { createContext, type Context } from '../steps/context.ts'
import { askServerFirst } from '../steps/reach.ts'
import { Runner } from '../tools/exec.ts'
import { exitCodeOf } from '../core/errors.ts'
import { messages } from '../ui/i18n.ts'
import type { Script } from './sections.ts'
import { createLog, type Log } from '../ui/log.ts'
import { renderHelp } from '../core/settings.ts'
import { say } from '../core/text.ts'
import { hangupIgnored, watchParent } from './parent.ts'

/** The signals that end a run, each with its exit code: 128 + its number, as a shell reports it. */
export const stopSignals = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const
export type StopSignal = keyof typeof stopSignals

/**
 * Runs a script: the preflight first (tools, context, cluster; unless --help), then the script, or
 * in a dry run its bash script printed to stdout. Errors are printed once; the exit code is set,
 * never forced, so output is flushed. A signal is the exception: once the children are gone the
 * process exits with the signal's code, as the steps may still be waiting on what was stopped.
 */
export async function main(meta: ImportMeta, script: Script, argv = argsAfter(fileURLToPath(meta.url))): Promise<void> {
  const file = path.relative(process.cwd(), fileURLToPath(meta.url))
  let log: Log = createLog(argv.includes('--quiet') ? 'quiet' : 'normal')
  let ctx: Context | undefined
  let stopping: StopCause | undefined
  const stop = async (signal: StopSignal, cause?: string) => {
    const now: StopCause = cause ? 'parent gone' : 'signal'
    if (stopping) {
      if (endsAtOnce(stopping, now)) ctx?.runner.kill()
      return
    }
    stopping = now
    const during = log.inProgress()
    log.silence()
    // a hang-up may have closed the terminal: a failed write must not crash the script before its children end
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
    const [stopped] = await Promise.allSettled([ctx?.runner.interrupt(signal), ctx?.watches.stop()])
    // the children are gone: a release one of them left pending-* is marked so (the next run heals it at
    // once), then the lock goes too, so that the next run need not wait for it to expire; through a
    // runner of its own, as the run's starts nothing more
    if (ctx) {
      const runner = new Runner(log, process.env)
      const unfinished = ctx.runner.unfinishedWrites()
      // loaded here: a run that wrote releases or took the lock has loaded them, and a start need not
      if (unfinished.length) await (await import('../steps/release.ts')).markUnfinished(ctx, runner, unfinished)
      const { releaseInterrupted } = await import('../steps/lease.ts')
      await releaseInterrupted(ctx, runner)
    }
    const say = createLog(log.opts.verbosity)
    const [first, ...rest] = interruptedLines({
      signal,
      cause,
      during,
      stopped: (stopped.status === 'fulfilled' && stopped.value) || [],
    })
    say.error(first)
    for (const line of rest) say.explain(line)
    process.exit(stopSignals[signal])
  }
  const onSignal = (signal: StopSignal) => void stop(signal)
  // under nohup a hang-up is not ours to act on: the parent and the terminal may go
  const signals = (Object.keys(stopSignals) as StopSignal[]).filter((s) => s !== 'SIGHUP' || !hangupIgnored())
  for (const signal of signals) process.on(signal, onSignal)
  const unwatchParent = signals.includes('SIGHUP')
    ? watchParent(() => void stop('SIGHUP', 'the process that started this script is gone'))
    : () => {}
  try {
    const settings = readSettings(argv)
    // a setting at fault, or --help: the values files at once, so that every problem is listed together
    if (settings.problems.length || settings.config.help || settings.config.helpAll) {
      const config = configFrom(settings)
      const used = new Set(script.settings(config))
      process.stdout.write(
        renderHelp(
          file,
          say(script.summary),
          settingDefs.filter((d) => used.has(d.flag)),
          config.helpAll,
        ),
      )
      return
    }
    const { dryRun, verbosity } = settings.config
    log = createLog(verbosity)
    ctx = createContext(settings.config, log)
    // the values files are read while the preflight's processes run: they need only the settings
    const offline = Boolean(script.offline || (dryRun && script.print))
    // the server is asked before the rest of the preflight loads: kubectl starts while it does
    const first = await askServerFirst(ctx, offline)
    const { preflight } = await import('../steps/preflight.ts')
    await preflight(ctx, { offline, configure: () => configFrom(settings), first })
    const { config } = ctx
    if (config.dryRun && script.print) {
      log.print(await script.print(config, ctx.target, `npx zx ${[file, ...argv].join(' ')}`))
      log.info(log.c.yellow(messages[log.lang].dryRun))
      return
    }
    await script.run(ctx)
  } catch (error) {
    // loaded only to print an error: a script reaches the cluster before it has read it
    const { printError } = await import('../ui/errors.ts')
    printError(log, error)
    process.exitCode = exitCodeOf(error)
  } finally {
    await ctx?.watches.stop()
    // a failed run's helm may have left its release pending (the server gone under it): marked, as when interrupted
    const unfinished = (!stopping && ctx?.runner.unfinishedWrites()) || []
    if (ctx && unfinished.length)
      await (await import('../steps/release.ts')).markUnfinished(ctx, ctx.runner, unfinished)
    log.close()
    unwatchParent()
    // once stopping, a second signal still finds its handler (it ends the children at once)
    if (!stopping) for (const signal of signals) process.off(signal, onSignal)
  }
}

type StopCause = 'signal' | 'parent gone'

/**
 * Whether a second stop ends the children at once, without their grace: a second signal after a
 * signal (the user will not wait). Not the parent's end, nor a signal after it, which is most
 * likely the one the parent died of, sent to the whole process group.
 */
export function endsAtOnce(first: StopCause, second: StopCause): boolean {
  return first === 'signal' && second === 'signal'
}

/** What an interrupted run says: the signal (and why, when it was no signal), what was under way, how to resume. */
export function interruptedLines(what: {
  signal: StopSignal
  cause?: string
  /** the status lines that were under way */
  during: string[]
  /** the commands the signal ended */
  stopped: string[]
}): string[] {
  const signal = what.cause ? `${what.signal}: ${what.cause}` : what.signal
  const during = what.during.join('; ')
  const stopped = what.stopped.join('; ')
  return [
    `\n${say({ en: `Interrupted (${signal})`, ko: `중단됨 (${signal})` })}` +
      (during ? say({ en: ` during: ${during}.`, ko: `, 진행 중이던 것: ${during}` }) : '.'),
    ...(stopped ? [say({ en: `Stopped: ${stopped}.`, ko: `멈춘 명령: ${stopped}` })] : []),
    say({
      en: 'Nothing is left that the next run does not repair: run the same command again to resume.',
      ko: `다음 실행이 고치지 못할 것은 남지 않았습니다: 같은 명령을 다시 실행하면 \
이어서 진행합니다.`,
    }),
  ]
}

/**
 * Is this module the entry point (`npx zx scripts/02-lgtm.mts`, `tsx scripts/02-lgtm.mts`), and
 * not imported by all.mts? zx puts its own CLI before the script in argv, so look for the file.
 */
export function isMain(meta: ImportMeta): boolean {
  return scriptIndex(fileURLToPath(meta.url)) >= 0
}

/** The arguments given to the script (after its own path in argv). */
export function argsAfter(file: string, argv = process.argv): string[] {
  const i = scriptIndex(file, argv)
  return i >= 0 ? argv.slice(i + 1) : argv.slice(2)
}

function scriptIndex(file: string, argv = process.argv): number {
  return argv.findIndex((a, i) => i > 0 && path.resolve(a) === file)
}
