// An error, printed once: a red message, the command and its output, a hint. Only the frame and
// the plan's executor print errors; lib/ throws them.
import { EnvironmentError, ExitError, InterruptedError, StepError, UsageError } from '../core/errors.ts'
import { say } from '../core/text.ts'
import type { Log } from './log.ts'

export function printError(log: Log, error: unknown): void {
  if (error instanceof ExitError || error instanceof InterruptedError) return
  if (error instanceof UsageError) {
    const n = error.problems.length
    const heading =
      n > 1
        ? say({
            en: `${n} problems with the settings (nothing was changed):`,
            ko: `설정 문제 ${n}개 (바꾼 것 없음):`,
          })
        : say({ en: 'Invalid setting (nothing was changed):', ko: '잘못된 설정 (바꾼 것 없음):' })
    log.error(`✗ ${heading}`)
    for (const p of error.problems) log.error(`  - ${p}`)
    log.explain(
      say({
        en: 'Run with --help to see every flag and its environment variable.',
        ko: '--help로 실행하면 모든 플래그와 그 환경 변수를 볼 수 있습니다.',
      }),
    )
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
        `${say({ en: 'Command', ko: '명령' })}: ${error.details.command}` +
          (error.details.exitCode != null
            ? say({ en: ` (exit code ${error.details.exitCode})`, ko: ` (종료 코드 ${error.details.exitCode})` })
            : ''),
      )
    if (error.details.output) {
      const heading = error.details.command
        ? say({ en: 'Command output', ko: '명령 출력' })
        : say({ en: 'Details', ko: '자세히' })
      log.explain(`${heading}:\n${indent(error.details.output)}`)
    }
    if (error.details.hint) log.explain(`${say({ en: 'Hint', ko: '힌트' })}: ${error.details.hint}`)
    return
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
  log.error(`✗ ${say({ en: 'Unexpected error', ko: '예상하지 못한 오류' })}: ${text}`)
  log.explain(
    say({
      en: 'This is a bug in the scripts: please report it with the output above.',
      ko: '스크립트의 버그입니다. 위 출력과 함께 알려 주세요.',
    }),
  )
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
