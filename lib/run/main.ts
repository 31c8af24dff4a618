// The frame every script runs in: read and validate the settings, connect (tools, context,
// cluster), run the script's steps, and print any error once — red message, the command and its
// output, a hint — with its exit code. Watches and live lines are stopped on every way out.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { preflight } from '../steps/preflight.ts'
import { loadConfig, settingDefs } from '../core/config.ts'
import { createContext, type Context } from '../steps/context.ts'
import { EnvironmentError, ExitError, InterruptedError, StepError, UsageError, exitCodeOf } from '../core/errors.ts'
import { createLog, type Log } from '../ui/log.ts'
import { renderHelp } from '../core/settings.ts'

export interface ScriptInfo {
  /** what --help says the script does */
  summary: string
}

/**
 * Runs a script: the preflight first (tools, context, cluster; unless --help), then `run`.
 * Errors are printed here and only here; the exit code is set, never forced, so output is flushed.
 */
export async function main(meta: ImportMeta, info: ScriptInfo, run: (ctx: Context) => Promise<void>, argv = argsAfter(fileURLToPath(meta.url))): Promise<void> {
  const file = path.relative(process.cwd(), fileURLToPath(meta.url))
  let log: Log = createLog(argv.includes('--quiet') ? 'quiet' : 'normal')
  let ctx: Context | undefined
  const onSignal = async (signal: NodeJS.Signals) => {
    log.close()
    const [stopped = []] = await Promise.all([ctx?.runner.interrupt(signal), ctx?.watches.stop()])
    log.error(`\nInterrupted (${signal})${stopped.length ? ` while running: ${stopped.map((c) => c.split(' ').slice(0, 4).join(' ')).join('; ')}` : ''}.`)
    log.info('Nothing is left that the next run does not repair: run the same command again to resume.')
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  const forward = (signal: NodeJS.Signals) => void onSignal(signal)
  process.once('SIGINT', forward)
  process.once('SIGTERM', forward)
  try {
    const config = loadConfig(argv)
    if (config.help || config.helpAll) {
      process.stdout.write(renderHelp(file, info.summary, settingDefs, config.helpAll))
      return
    }
    log = createLog(config.verbosity)
    ctx = createContext(config, log)
    await preflight(ctx)
    await run(ctx)
  } catch (error) {
    printError(log, error)
    process.exitCode = exitCodeOf(error)
  } finally {
    await ctx?.watches.stop()
    log.close()
    process.off('SIGINT', forward)
    process.off('SIGTERM', forward)
  }
}

export function printError(log: Log, error: unknown): void {
  if (error instanceof ExitError || error instanceof InterruptedError) return
  if (error instanceof UsageError) {
    log.error(`✗ ${error.problems.length > 1 ? `${error.problems.length} problems with the settings (nothing was changed):` : 'Invalid setting (nothing was changed):'}`)
    for (const p of error.problems) log.error(`  - ${p}`)
    log.explain('Run with --help to see every flag and its environment variable.')
    return
  }
  if (error instanceof EnvironmentError) {
    log.error(`✗ ${error.message}`)
    if (error.hint) log.explain(`  ${error.hint}`)
    return
  }
  if (error instanceof StepError) {
    log.error(`✗ ${error.message}`)
    if (error.details.command) log.explain(`Command: ${error.details.command}${error.details.exitCode != null ? ` (exit code ${error.details.exitCode})` : ''}`)
    if (error.details.output) log.explain(`${error.details.command ? 'Command output' : 'Details'}:\n${indent(error.details.output)}`)
    if (error.details.hint) log.explain(`Hint: ${error.details.hint}`)
    return
  }
  log.error(`✗ Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  log.explain('This is a bug in the scripts: please report it with the output above.')
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n')
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
