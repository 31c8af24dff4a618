// The frame every script runs in: read and validate the settings, connect (tools, context,
// cluster), run the script's steps, and print any error once — red message, the command and its
// output, a hint — with its exit code. Watches and live lines are stopped on every way out.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { preflight } from '../steps/preflight.ts'
import { loadConfig, settingDefs } from '../core/config.ts'
import { createContext, type Context } from '../steps/context.ts'
import { exitCodeOf } from '../core/errors.ts'
import { printError } from '../ui/errors.ts'
import { messages } from '../ui/i18n.ts'
import type { Script } from './sections.ts'
import { createLog, type Log } from '../ui/log.ts'
import { renderHelp } from '../core/settings.ts'

/**
 * Runs a script: the preflight first (tools, context, cluster; unless --help), then the script, or
 * in a dry run its bash script printed to stdout. Errors are printed once; the exit code is set,
 * never forced, so output is flushed.
 */
export async function main(meta: ImportMeta, script: Script, argv = argsAfter(fileURLToPath(meta.url))): Promise<void> {
  const file = path.relative(process.cwd(), fileURLToPath(meta.url))
  let log: Log = createLog(argv.includes('--quiet') ? 'quiet' : 'normal')
  let ctx: Context | undefined
  const onSignal = async (signal: NodeJS.Signals) => {
    log.close()
    const [stopped = []] = await Promise.all([ctx?.runner.interrupt(signal), ctx?.watches.stop()])
    const running = stopped.length
      ? ` while running: ${stopped.map((c) => c.split(' ').slice(0, 4).join(' ')).join('; ')}`
      : ''
    log.error(`\nInterrupted (${signal})${running}.`)
    log.info('Nothing is left that the next run does not repair: run the same command again to resume.')
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  const forward = (signal: NodeJS.Signals) => void onSignal(signal)
  process.once('SIGINT', forward)
  process.once('SIGTERM', forward)
  try {
    const config = loadConfig(argv)
    if (config.help || config.helpAll) {
      const used = new Set(script.settings(config))
      process.stdout.write(
        renderHelp(
          file,
          script.summary,
          settingDefs.filter((d) => used.has(d.flag)),
          config.helpAll,
        ),
      )
      return
    }
    log = createLog(config.verbosity)
    ctx = createContext(config, log)
    await preflight(ctx, { offline: Boolean(script.offline || (config.dryRun && script.print)) })
    if (config.dryRun && script.print) {
      log.print(await script.print(config, ctx.target, `npx zx ${[file, ...argv].join(' ')}`))
      log.info(log.c.yellow(messages[log.lang].dryRun))
      return
    }
    await script.run(ctx)
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
