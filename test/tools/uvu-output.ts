// What the test runner reads in a uvu process's output: its counts, and its failures to repeat at the end.
import { stripVTControlCharacters } from 'node:util'

/** uvu's closing "Total: N … Passed: N … Skipped: N" lines: "passed/total", and whether all ran and passed. */
export function uvuCounts(output: string): { text: string; complete: boolean } {
  const plain = stripVTControlCharacters(output)
  const count = (label: string) => plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1]
  const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')]
  if (!total) return { text: 'no uvu summary', complete: false }
  return {
    text: `${passed ?? '?'}/${total} passed`,
    complete: Number(passed) + Number(skipped ?? 0) === Number(total),
  }
}

/**
 * uvu's FAIL blocks (the failing test, its message, the stack's own frames), at most `maxLines` in all and at most
 * `maxLines / 2` per block, a cut one ending in `…`: a log read from its end (a CI page) then shows why a job
 * failed, not only that it did.
 */
export function failureExcerpt(output: string, maxLines = 80): string[] {
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .filter((line) => !/^\s+at .*node_modules/.test(line))
  const starts = lines.flatMap((line, i) => (/^\s*FAIL\s/.test(line) ? [i] : []))
  const closing = lines.findIndex((line) => /^\s*Total:\s+\d/.test(line))
  const excerpt: string[] = []
  for (const [k, start] of starts.entries()) {
    const next = starts[k + 1] ?? (closing > start ? closing : lines.length)
    const block = lines.slice(start, next)
    while (block.length && !block.at(-1)!.trim()) block.pop()
    const room = Math.min(Math.floor(maxLines / 2), maxLines - excerpt.length)
    if (room <= 0) break
    excerpt.push(...(block.length > room ? [...block.slice(0, room - 1), '    …'] : block))
  }
  return excerpt
}
