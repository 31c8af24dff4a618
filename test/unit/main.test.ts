import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { projectRoot } from '../../lib/core/values.ts'
import { EnvironmentError, ExitError, InterruptedError, StepError, UsageError } from '../../lib/core/errors.ts'
import { argsAfter, endsAtOnce, interruptedLines, stopSignals } from '../../lib/run/main.ts'
import { printError } from '../../lib/ui/errors.ts'
import { captureLog } from './builders.ts'

const script = path.join(projectRoot, 'scripts', '02-lgtm.mts')
const node = '/usr/local/bin/node'
const zxCli = path.join(projectRoot, 'node_modules', 'zx', 'build', 'cli.js')

// argsAfter

const argsAfterTest = suite('argsAfter')

argsAfterTest('works: `node zx-cli script.mts --dry-run` (npx zx)', () => {
  assert.equal(argsAfter(script, [node, zxCli, script, '--dry-run']), ['--dry-run'])
})

argsAfterTest('the script given relative to the working directory', () => {
  const relative = path.relative(process.cwd(), script)
  assert.equal(argsAfter(script, [node, zxCli, relative, '--namespace=x', '--json']), ['--namespace=x', '--json'])
})

argsAfterTest('`node script.mts --x` (tsx, node --import tsx)', () => {
  assert.equal(argsAfter(script, [node, script, '--x']), ['--x'])
})

argsAfterTest("zx's own flags before the script are not the script's", () => {
  assert.equal(argsAfter(script, [node, zxCli, '--quiet', script, '--verbose']), ['--verbose'])
})

argsAfterTest('no arguments after the script: none', () => {
  assert.equal(argsAfter(script, [node, zxCli, script]), [])
})

argsAfterTest('the script absent from argv (imported by all.mts): everything after node and its entry', () => {
  assert.equal(argsAfter(script, [node, path.join(projectRoot, 'scripts', 'all.mts'), '--dry-run']), ['--dry-run'])
})

argsAfterTest("the script's path given again as a value: only the first is the script", () => {
  assert.equal(argsAfter(script, [node, script, '--cert-manager-manifest', script]), [
    '--cert-manager-manifest',
    script,
  ])
})

argsAfterTest.run()

// printError

const printErrorTest = suite('printError')

printErrorTest('works: a UsageError lists every problem, says nothing changed, and points to --help', () => {
  const { log, err, out } = captureLog()
  printError(log, new UsageError(['--namespace: "Bad" is not a valid name', '--timeout: "5x" is not a duration']))
  assert.is(
    err(),
    [
      '✗ 2 problems with the settings (nothing was changed):',
      '  - --namespace: "Bad" is not a valid name',
      '  - --timeout: "5x" is not a duration',
      'Run with --help to see every flag and its environment variable.',
      '',
    ].join('\n'),
  )
  assert.is(out(), '', 'errors go to stderr only')
})

printErrorTest('a UsageError with one problem', () => {
  const { log, err } = captureLog()
  printError(log, new UsageError(['unknown flag --bogus']))
  assert.ok(err().startsWith('✗ Invalid setting (nothing was changed):\n  - unknown flag --bogus\n'), err())
})

printErrorTest('an EnvironmentError: the message and the hint', () => {
  const { log, err } = captureLog()
  printError(
    log,
    new EnvironmentError('helm was not found on PATH', 'install helm 3 or 4: https://helm.sh/docs/intro/install/'),
  )
  assert.is(err(), '✗ helm was not found on PATH\n  install helm 3 or 4: https://helm.sh/docs/intro/install/\n')
})

printErrorTest('an EnvironmentError without a hint', () => {
  const { log, err } = captureLog()
  printError(log, new EnvironmentError('kubectl has no current context'))
  assert.is(err(), '✗ kubectl has no current context\n')
})

printErrorTest('a StepError: the message, the command with its exit code, its output indented, the hint', () => {
  const { log, err } = captureLog()
  printError(
    log,
    new StepError('helm upgrade --install failed: Error: UPGRADE FAILED: timed out', {
      command: 'helm upgrade --install loki grafana/loki-stack --namespace monitoring',
      exitCode: 1,
      output: 'Release "loki" does not exist. Installing it now.\nError: UPGRADE FAILED: timed out',
      hint: 'run the same command again',
    }),
  )
  assert.is(
    err(),
    [
      '✗ helm upgrade --install failed: Error: UPGRADE FAILED: timed out',
      'Command: helm upgrade --install loki grafana/loki-stack --namespace monitoring (exit code 1)',
      'Command output:',
      '  Release "loki" does not exist. Installing it now.',
      '  Error: UPGRADE FAILED: timed out',
      'Hint: run the same command again',
      '',
    ].join('\n'),
  )
})

printErrorTest('a StepError without a command (a wait): its output is the details', () => {
  const { log, err } = captureLog()
  printError(
    log,
    new StepError('tempo not ready after 10m', {
      output: 'statefulset/tempo in monitoring: 0/1 ready',
      hint: 'give more time with --timeout=20m',
    }),
  )
  assert.is(
    err(),
    '✗ tempo not ready after 10m\nDetails:\n  statefulset/tempo in monitoring: 0/1 ready\n' +
      'Hint: give more time with --timeout=20m\n',
  )
})

printErrorTest('a StepError: exit code 0 is still shown, a missing one is not', () => {
  const withZero = captureLog()
  printError(withZero.log, new StepError('x', { command: 'kubectl get ns', exitCode: 0 }))
  assert.ok(withZero.err().includes('Command: kubectl get ns (exit code 0)\n'), withZero.err())
  const without = captureLog()
  printError(without.log, new StepError('x', { command: 'kubectl get ns', exitCode: null }))
  assert.ok(without.err().includes('Command: kubectl get ns\n'), without.err())
})

printErrorTest(
  'an InterruptedError prints nothing (the signal handler says "Interrupted" once, not per refused command)',
  () => {
    const { log, err, out } = captureLog()
    printError(log, new InterruptedError('not started, the run was interrupted (SIGINT): helm upgrade --install'))
    assert.equal([err(), out()], ['', ''])
  },
)

printErrorTest('an ExitError prints nothing (its output was printed already)', () => {
  const { log, err, out } = captureLog()
  printError(log, new ExitError(1))
  assert.equal([err(), out()], ['', ''])
})

printErrorTest('anything else: an unexpected error, with its stack, asking for a report', () => {
  const { log, err } = captureLog()
  printError(log, new TypeError('cannot read properties of undefined'))
  assert.match(err(), /^✗ Unexpected error: TypeError: cannot read properties of undefined\n {4}at /)
  assert.match(err(), /This is a bug in the scripts: please report it with the output above.\n$/)
})

printErrorTest('a thrown non-Error value', () => {
  const { log, err } = captureLog()
  printError(log, 'boom')
  assert.ok(err().startsWith('✗ Unexpected error: boom\n'), err())
})

printErrorTest('quiet: the error is printed whole: its command, output (the diagnosis) and hint too', () => {
  // --quiet is "only warnings, errors and the summary": a failed wait's diagnosis is part of the error
  const { log, err } = captureLog('quiet')
  printError(
    log,
    new StepError('tempo not ready after 10m', {
      command: 'kubectl rollout status statefulset/tempo',
      exitCode: 1,
      output: 'monitoring/tempo-0 Pending: Unschedulable',
      hint: 'add a node',
    }),
  )
  assert.is(
    err(),
    [
      '✗ tempo not ready after 10m',
      'Command: kubectl rollout status statefulset/tempo (exit code 1)',
      'Command output:',
      '  monitoring/tempo-0 Pending: Unschedulable',
      'Hint: add a node',
      '',
    ].join('\n'),
  )
})

printErrorTest('quiet: a UsageError still lists every problem', () => {
  const { log, err } = captureLog('quiet')
  printError(log, new UsageError(['a', 'b']))
  assert.ok(err().startsWith('✗ 2 problems with the settings (nothing was changed):\n  - a\n  - b\n'), err())
})

printErrorTest.run()

// interruptedLines

const interruptedTest = suite('interruptedLines')

interruptedTest('works: the signal, what was under way, what it stopped, how to resume', () => {
  assert.equal(
    interruptedLines({
      signal: 'SIGINT',
      during: ['helm upgrade --install tempo grafana/tempo 1.24.4 (not installed)', 'Waiting ≤ 10m for loki'],
      stopped: ['helm upgrade --install tempo'],
    }),
    [
      '\nInterrupted (SIGINT) during: helm upgrade --install tempo grafana/tempo 1.24.4 (not installed);' +
        ' Waiting ≤ 10m for loki.',
      'Stopped: helm upgrade --install tempo.',
      'Nothing is left that the next run does not repair: run the same command again to resume.',
    ],
  )
})

interruptedTest('a hang-up that was no signal says why', () => {
  const [first] = interruptedLines({
    signal: 'SIGHUP',
    cause: 'the process that started this script is gone',
    during: [],
    stopped: [],
  })
  assert.is(first, '\nInterrupted (SIGHUP: the process that started this script is gone).')
})

interruptedTest('between steps: nothing under way, nothing stopped, still how to resume', () => {
  assert.equal(interruptedLines({ signal: 'SIGTERM', during: [], stopped: [] }), [
    '\nInterrupted (SIGTERM).',
    'Nothing is left that the next run does not repair: run the same command again to resume.',
  ])
})

interruptedTest.run()

// stopSignals

const stopSignalsTest = suite('stopSignals')

stopSignalsTest('works: 128 + the signal number, the code a shell reports for a process it ended', async () => {
  const { constants } = await import('node:os')
  for (const [signal, code] of Object.entries(stopSignals))
    assert.is(code, 128 + constants.signals[signal as keyof typeof constants.signals], signal)
})

stopSignalsTest.run()

// endsAtOnce

const endsAtOnceTest = suite('endsAtOnce')

endsAtOnceTest('works: a second signal after a signal ends the children at once', () => {
  assert.ok(endsAtOnce('signal', 'signal'))
})

for (const [first, second] of [
  ['signal', 'parent gone'],
  ['parent gone', 'signal'],
  ['parent gone', 'parent gone'],
] as const) {
  endsAtOnceTest(`${first}, then ${second}: the children keep their grace (one event seen twice)`, () => {
    assert.not.ok(endsAtOnce(first, second))
  })
}

endsAtOnceTest.run()
