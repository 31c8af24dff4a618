// The test runner's reading of a uvu process's output: its counts, and the failures it repeats under its table.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { failureExcerpt, uvuCounts } from '../tools/uvu-output.ts'

const red = (s: string) => `\u001b[31m${s}\u001b[39m`
/** uvu's output for two suites, three tests, two failing (as uvu 0.5 prints it, colours and all) */
const twoFailures = [
  'a.test.ts',
  ' signals, v32 (helm 3)    #1 chain 1 run 1: fine',
  `${red('✘ ')}•   (1 / 2)`,
  '',
  `  \u001b[41m FAIL \u001b[49m signals, v32 (helm 3)  "${red('first')}"`,
  '    #2 chain 1 run 2 (SIGNAL_SEED=1):',
  'left running: 123 helm upgrade',
  '',
  '        Actual:',
  '    at assert (/w/node_modules/uvu/assert/index.js:33:8)',
  '    at Object.handler (/w/test/faults/a.test.ts:4:68)',
  '    at Number.runner (/w/node_modules/uvu/dist/index.js:78:16)',
  '',
  '',
  ' other  ✘   (0 / 1)',
  '',
  '  FAIL  other  "third"',
  '    one is not two  (is)',
  '',
  '  Total:     3',
  `  Passed:    ${red('1')}`,
  '  Skipped:   0',
  '  Duration:  2.71ms',
].join('\n')

const test = suite('uvu output')

test('counts: passed of total, complete only when every test passed or was skipped', () => {
  assert.equal(uvuCounts(twoFailures), { text: '1/3 passed', complete: false })
  assert.equal(uvuCounts('  Total:     2\n  Passed:    1\n  Skipped:   1\n'), { text: '1/2 passed', complete: true })
  assert.equal(uvuCounts('Error: Cannot find module'), { text: 'no uvu summary', complete: false })
})

test('failures: each FAIL block, plain, without the frames of node_modules, up to the closing counts', () => {
  assert.equal(failureExcerpt(twoFailures), [
    '   FAIL  signals, v32 (helm 3)  "first"',
    '    #2 chain 1 run 2 (SIGNAL_SEED=1):',
    'left running: 123 helm upgrade',
    '',
    '        Actual:',
    '    at Object.handler (/w/test/faults/a.test.ts:4:68)',
    '',
    '',
    ' other  ✘   (0 / 1)',
    '  FAIL  other  "third"',
    '    one is not two  (is)',
  ])
})

test('failures: a long block is cut at half the room, and the whole at the room', () => {
  const long = (name: string) => [`  FAIL  s  "${name}"`, ...Array.from({ length: 30 }, (_, i) => `line ${i}`)]
  const excerpt = failureExcerpt([...long('a'), ...long('b'), ...long('c'), '  Total:  3'].join('\n'), 20)
  assert.is(excerpt.length, 20)
  assert.equal(excerpt.slice(0, 2), ['  FAIL  s  "a"', 'line 0'])
  assert.equal(excerpt.slice(8, 11), ['line 7', '    …', '  FAIL  s  "b"'])
  assert.is(excerpt.at(-1), '    …')
  assert.not.ok(excerpt.some((line) => line.includes('"c"')))
})

test('failures: none in a passing output', () => {
  assert.equal(failureExcerpt(' s  • •   (2 / 2)\n\n  Total:     2\n  Passed:    2\n'), [])
})

test.run()
