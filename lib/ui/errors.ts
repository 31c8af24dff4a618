// An error, printed once: a red message, the command and its output, a hint. Only the frame and
// the plan's executor print errors; lib/ throws them.
import { EnvironmentError, ExitError, InterruptedError, StepError, UsageError } from '../core/errors.ts'
import type { Log } from './log.ts'

export function printError(log: Log, error: unknown): void {
  if (error instanceof ExitError || error instanceof InterruptedError) return
  if (error instanceof UsageError) {
    const heading =
      error.problems.length > 1
        ? `${error.problems.length} problems with the settings (nothing was changed):`
        : 'Invalid setting (nothing was changed):'
    log.error(`✗ ${heading}`)
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
    if (error.details.command)
      log.explain(
        `Command: ${error.details.command}` +
          (error.details.exitCode != null ? ` (exit code ${error.details.exitCode})` : ''),
      )
    if (error.details.output)
      log.explain(`${error.details.command ? 'Command output' : 'Details'}:\n${indent(error.details.output)}`)
    if (error.details.hint) log.explain(`Hint: ${error.details.hint}`)
    return
  }
  log.error(`✗ Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  log.explain('This is a bug in the scripts: please report it with the output above.')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
