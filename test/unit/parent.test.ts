import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { hangupIgnoredIn, orphanedAtStart, startTicksIn } from '../../lib/run/parent.ts'

// orphanedAtStart

const orphanedTest = suite('orphanedAtStart')

orphanedTest('works: started by npm, a parent that started minutes before us has adopted us', () => {
  assert.ok(orphanedAtStart({ startedByNpm: true, parentAgeSeconds: 14_000 }))
})

for (const [name, facts, orphaned] of [
  ["npm's shell, started moments before", { startedByNpm: true, parentAgeSeconds: 0.02 }, false],
  ['npm itself, when its shell execs the script (bash as sh)', { startedByNpm: true, parentAgeSeconds: 1.5 }, false],
  ['a minute exactly: still a slow npm', { startedByNpm: true, parentAgeSeconds: 60 }, false],
  [
    'not started by npm: a terminal shell is as old as it likes',
    { startedByNpm: false, parentAgeSeconds: 9000 },
    false,
  ],
  ['no /proc (macOS): not known, so not assumed', { startedByNpm: true, parentAgeSeconds: undefined }, false],
] as const) {
  orphanedTest(`${name} → ${orphaned}`, () => {
    assert.is(orphanedAtStart(facts), orphaned)
  })
}

orphanedTest.run()

// startTicksIn

const startTicksTest = suite('startTicksIn')

startTicksTest('works: field 22 of /proc/<pid>/stat', () => {
  const stat = '4242 (node) S 4241 4242 4242 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 11 0 987654 1000 100 rest'
  assert.is(startTicksIn(stat), 987654)
})

startTicksTest('a command name with spaces and parentheses (npm sets its title to "npm run all")', () => {
  const stat = '4241 (npm run (all)) S 1 4241 4241 0 -1 4194560 1 0 0 0 3 1 0 0 20 0 11 0 555 1000 100 rest'
  assert.is(startTicksIn(stat), 555)
})

startTicksTest.run()

// hangupIgnoredIn

const hangupTest = suite('hangupIgnoredIn')

const status = (sigIgn: string) => `Name:\tnode\nSigPnd:\t0000000000000000\nSigIgn:\t${sigIgn}\nSigCgt:\t0\n`

hangupTest('works: under nohup, SIGHUP (the lowest bit) is ignored', () => {
  assert.ok(hangupIgnoredIn(status('0000000000001001')))
})

hangupTest('SIGPIPE alone ignored (as Node does): not a nohup', () => {
  assert.not.ok(hangupIgnoredIn(status('0000000000001000')))
})

hangupTest('no SigIgn line: not ignored', () => {
  assert.not.ok(hangupIgnoredIn('Name:\tnode\n'))
})

hangupTest.run()
