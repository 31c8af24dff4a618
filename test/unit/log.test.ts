import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { displayWidth } from '../../lib/ui/i18n.ts'
import { createLog, elapsed, Log } from '../../lib/ui/log.ts'
import { captureLog } from './builders.ts'

/** Date.now under the test's control: `advance(ms)` moves it on; `restore()` gives the real one back. */
function fakeClock(start = 1_736_503_200_000) {
  const real = Date.now
  let now = start
  Date.now = () => now
  return { now: () => now, advance: (ms: number) => void (now += ms), restore: () => void (Date.now = real) }
}

let clock: ReturnType<typeof fakeClock>

// elapsed

const elapsedTest = suite('elapsed')
elapsedTest.before.each(() => {
  clock = fakeClock()
})
elapsedTest.after.each(() => clock.restore())

for (const [name, ms, shown] of [
  ['works: under a minute, seconds to a tenth', 12_340, '12.3s'],
  ['nothing elapsed', 0, '0.0s'],
  ['a minute and more: minutes and two-digit seconds', 65_000, '1m05s'],
  ['just under a minute reads 1m00s, not 60.0s', 59_970, '1m00s'],
  ['just under two minutes reads 2m00s, not 1m60s', 119_700, '2m00s'],
  ['an hour stays in minutes', 3_725_000, '62m05s'],
] as [string, number, string][]) {
  elapsedTest(`${name}: ${ms} ms → ${shown}`, () => {
    assert.is(elapsed(clock.now() - ms), shown)
  })
}

elapsedTest.run()

// Log: the plain lines of a pipe or CI

const plainTest = suite('Log: plain lines')

plainTest('works: progress and errors on stderr, one plain line each, nothing on stdout', () => {
  const { log, err, out } = captureLog()
  log.info('Using context kind-kind')
  log.ok('namespace monitoring exists')
  log.warn('namespace ticketing is missing')
  log.error('helm upgrade failed')
  log.explain('Hint: run it again')
  assert.is(
    err(),
    [
      'Using context kind-kind',
      '✓ namespace monitoring exists',
      '! namespace ticketing is missing',
      'helm upgrade failed',
      'Hint: run it again',
      '',
    ].join('\n'),
  )
  assert.is(out(), '')
})

plainTest('print: stdout only (what a user may pipe)', () => {
  const { log, err, out } = captureLog('quiet')
  log.print('helm repo add grafana https://grafana.github.io/helm-charts')
  assert.is(out(), 'helm repo add grafana https://grafana.github.io/helm-charts\n')
  assert.is(err(), '')
})

plainTest('--quiet: progress hidden; warnings, errors and what explains them still shown', () => {
  const { log, err } = captureLog('quiet')
  log.info('Using context kind-kind')
  log.ok('done')
  log.verbose('kubectl get pods -o json')
  log.warn('namespace ticketing is missing')
  log.error('helm upgrade failed')
  log.explain('Command output:\n  Error: timed out')
  assert.is(err(), '! namespace ticketing is missing\nhelm upgrade failed\nCommand output:\n  Error: timed out\n')
})

plainTest('verbose lines: only with --verbose', () => {
  const normal = captureLog('normal')
  normal.log.verbose('kubectl get pods -o json')
  assert.is(normal.err(), '')
  const verbose = captureLog('verbose')
  verbose.log.verbose('kubectl get pods -o json')
  assert.is(verbose.err(), 'kubectl get pods -o json\n')
})

plainTest('without colour: no escape codes anywhere', async () => {
  const { log, err } = captureLog('verbose')
  await log.step('§1 namespaces', async () => log.ok('o'))
  log.warn('w')
  log.error('e')
  log.verbose('v')
  await log.status('s', async (s) => s.update('d'))
  assert.not.ok(err().includes('\x1b['), 'an escape sequence')
})

plainTest.run()

// Log.status

const statusTest = suite('Log.status')
statusTest.before.each(() => {
  clock = fakeClock()
})
statusTest.after.each(() => clock.restore())

statusTest(
  'works: a line when it starts, ✓ with the elapsed time when it succeeds; the result is returned',
  async () => {
    const { log, err } = captureLog()
    const result = await log.status('Waiting ≤ 10m for tempo', async () => {
      clock.advance(1_500)
      return 42
    })
    assert.is(result, 42)
    assert.is(err(), '… Waiting ≤ 10m for tempo\n✓ Waiting ≤ 10m for tempo (1.5s)\n')
  },
)

statusTest(
  'done words: ✓ says what happened, not the command that did it; a failure still names the command',
  async () => {
    const { log, err } = captureLog()
    const title = 'helm upgrade --install loki grafana/loki-stack 2.10.3'
    await log.status(title, async () => clock.advance(1_500), { done: 'installed loki-stack 2.10.3' })
    await log
      .status(title, async () => Promise.reject(new Error('x')), { done: 'installed loki-stack 2.10.3' })
      .catch(() => {})
    assert.is(
      err(),
      [`… ${title}`, '✓ installed loki-stack 2.10.3 (1.5s)', `… ${title}`, `✗ ${title} (0.0s)`, ''].join('\n'),
    )
  },
)

statusTest('a failure: ✗ with the time and the last detail, and the error goes on unchanged', async () => {
  const { log, err } = captureLog()
  const boom = new Error('timed out')
  try {
    await log.status('Waiting ≤ 10m for loki', async (s) => {
      s.update('0/1 ready')
      clock.advance(2_000)
      throw boom
    })
    assert.unreachable('status should rethrow')
  } catch (error) {
    assert.is(error, boom)
  }
  assert.is(err().split('\n').at(-2), '✗ Waiting ≤ 10m for loki (2.0s) — 0/1 ready')
})

statusTest('a failure before any detail: no dangling dash', async () => {
  const { log, err } = captureLog()
  await log
    .status('x', async () => {
      throw new Error('no')
    })
    .catch(() => {})
  assert.is(err().split('\n').at(-2), '✗ x (0.0s)')
})

statusTest('--quiet: nothing on success, the ✗ line on failure', async () => {
  const { log, err } = captureLog('quiet')
  await log.status('fine', async (s) => s.update('1/1 ready'))
  assert.is(err(), '')
  await log
    .status('broken', async (s) => {
      s.update('0/1 ready')
      throw new Error('x')
    })
    .catch(() => {})
  assert.is(err(), '✗ broken (0.0s) — 0/1 ready\n')
})

statusTest('a changed detail is repeated at most every 15 s, with the time so far', async () => {
  const { log, err } = captureLog()
  await log.status('Waiting for loki', async (s) => {
    clock.advance(14_999)
    s.update('0/1 ready') // a change, but too soon after the start line
    clock.advance(1)
    s.update('0/1 ready') // 15 s on, but not a change
    s.update('0/1 ready, 1 restart') // a change, 15 s on
    clock.advance(14_999)
    s.update('1/1 ready') // a change, too soon after the last one printed
  })
  assert.is(
    err(),
    ['… Waiting for loki', '  Waiting for loki: 0/1 ready, 1 restart (15.0s)', '✓ Waiting for loki (30.0s)', ''].join(
      '\n',
    ),
  )
})

statusTest('--verbose: every change is printed', async () => {
  const { log, err } = captureLog('verbose')
  await log.status('Waiting for loki', async (s) => {
    s.update('0/1 ready')
    s.update('0/1 ready')
    clock.advance(1_000)
    s.update('1/1 ready')
  })
  assert.is(
    err(),
    '… Waiting for loki\n  Waiting for loki: 0/1 ready (0.0s)\n' +
      '  Waiting for loki: 1/1 ready (1.0s)\n✓ Waiting for loki (1.0s)\n',
  )
})

statusTest('--quiet: details are never printed, even after 15 s', async () => {
  const { log, err } = captureLog('quiet')
  await log.status('Waiting for loki', async (s) => {
    clock.advance(30_000)
    s.update('0/1 ready')
  })
  assert.is(err(), '')
})

statusTest('two at once: each ends with its own line and its own time', async () => {
  const { log, err } = captureLog()
  let finishFirst = () => {}
  const first = log.status(
    'loki',
    () =>
      new Promise<void>((resolve) => {
        finishFirst = resolve
      }),
  )
  clock.advance(1_000)
  await log.status('tempo', async () => clock.advance(2_000))
  finishFirst()
  await first
  assert.is(err(), '… loki\n… tempo\n✓ tempo (2.0s)\n✓ loki (3.0s)\n')
})

statusTest('plain mode starts no timer: close() writes nothing', async () => {
  const { log, err } = captureLog()
  log.close()
  assert.is(err(), '')
})

statusTest('inProgress(): the titles of the status lines under way, for what a signal interrupts', async () => {
  const { log } = captureLog()
  let release = () => {}
  const held = log.status('Waiting ≤ 10m for loki', () => new Promise<void>((r) => (release = r)))
  const done = log.status('helm upgrade --install tempo', async () => {})
  await done
  assert.equal(log.inProgress(), ['Waiting ≤ 10m for loki'])
  release()
  await held
  assert.equal(log.inProgress(), [])
})

statusTest('silence(): an interrupted run prints nothing more, its failing status lines neither', async () => {
  const { log, err, out } = captureLog()
  const failing = log.status('Waiting ≤ 10m for loki', async () => {
    log.silence()
    throw new Error('interrupted')
  })
  await failing.catch(() => {})
  log.warn('later')
  log.print('report')
  assert.equal([err(), out()], ['… Waiting ≤ 10m for loki\n', ''])
})

statusTest.run()

// Log.step: the lines of steps that run side by side

const stepTest = suite('Log.step')
stepTest.before.each(() => {
  clock = fakeClock()
})
stepTest.after.each(() => clock.restore())

stepTest('works: every line a step writes, however deep and however late, names that step', async () => {
  const { log, err, out } = captureLog()
  let resume = () => {}
  const loki = log.step('§2.3 loki', async () => {
    log.ok('repository grafana added')
    await new Promise<void>((r) => (resume = r))
    await log.status('Waiting ≤ 10m for loki', async () => clock.advance(1_000))
  })
  const result = await log.step('§3 cert-manager', async () => {
    log.warn('the webhook is slow')
    log.error('✗ cert-manager webhook did not answer\nCommand output:\n  timed out\n\nHint: run it again')
    return 7
  })
  log.info('Summary')
  resume()
  await loki
  assert.is(result, 7)
  assert.is(
    err(),
    [
      '§2.3 loki │ ✓ repository grafana added',
      '§3 cert-manager │ ! the webhook is slow',
      '§3 cert-manager │ ✗ cert-manager webhook did not answer',
      '§3 cert-manager │ Command output:',
      '§3 cert-manager │   timed out',
      '',
      '§3 cert-manager │ Hint: run it again',
      'Summary',
      '§2.3 loki │ … Waiting ≤ 10m for loki',
      '§2.3 loki │ ✓ Waiting ≤ 10m for loki (1.0s)',
      '',
    ].join('\n'),
  )
  assert.is(out(), '', 'stdout (the report, a dry-run script) is never tagged: it is piped')
})

stepTest('--quiet: warnings and errors still name their step', async () => {
  const { log, err } = captureLog('quiet')
  await log.step('§2.4 tempo', async () => {
    log.ok('unchanged tempo 1.24.4 (revision 1)')
    log.warn('tempo: release is failed')
  })
  assert.is(err(), '§2.4 tempo │ ! tempo: release is failed\n')
})

stepTest('a failing step: the error goes on, and the next lines are no longer its own', async () => {
  const { log, err } = captureLog()
  const boom = new Error('boom')
  const failed = await log
    .step('§1 namespaces', async () => {
      throw boom
    })
    .catch((e) => e)
  log.info('after')
  assert.is(failed, boom)
  assert.is(err(), 'after\n')
})

/** A live log on a terminal `columns` wide, and the rows of its live area as last drawn. */
function onScreen(columns: number) {
  let written = ''
  const log = new Log({
    verbosity: 'normal',
    live: true,
    color: false,
    err: {
      write: (s: string) => {
        written += s
        return true
      },
      columns,
    } as unknown as NodeJS.WriteStream,
  })
  const liveRows = () => {
    // what follows the last clear of the live area: a line written (the marker), then the rows
    const [, rows = ''] = (written.split('\x1b[0J').at(-1) ?? '').split('marker\n')
    return rows.split('\n').filter(Boolean)
  }
  return { log, liveRows, redraw: () => log.info('marker') }
}

stepTest(
  'the live area: a row per running step, its elapsed time first, cut at the width and never wrapped',
  async () => {
    const { log, liveRows, redraw } = onScreen(60)
    const held: (() => void)[] = []
    const hold = () => new Promise<void>((r) => held.push(r))
    const kps = log.step('§2.2 kube-prometheus-stack', () =>
      log.status(
        'helm upgrade --install kube-prometheus-stack prometheus-community/kube-prometheus-stack 88.5.3',
        hold,
      ),
    )
    clock.advance(65_000)
    const ns = log.step('§1 사전 준비', hold)
    const waiting = log.status('Waiting ≤ 10m for the lock on stack monitoring', async (s) => {
      s.update('held by pid 42')
      await hold()
    })
    clock.advance(2_000)
    redraw()
    const rows = liveRows()
    log.close()
    for (const release of held) release()
    await Promise.all([kps, ns, waiting])
    assert.equal(
      rows.map((r) => r.slice(2)),
      [
        '1m07s §2.2 kube-prometheus-stack │ helm upgrade --install',
        '2.0s §1 사전 준비',
        '2.0s Waiting ≤ 10m for the lock on stack monitoring — hel',
      ],
    )
    for (const row of rows) {
      assert.match(row, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /, 'a spinner first')
      assert.ok(displayWidth(row) <= 59, `${row}: wider than the terminal`)
    }
  },
)

stepTest('the live area: Hangul takes two columns, so a Korean row is cut as short as it shows', async () => {
  const { log, liveRows, redraw } = onScreen(19)
  const step = log.step('§2 LGTM 스택 설치 중입니다', async () => {})
  redraw()
  const [row] = liveRows()
  log.close()
  await step
  assert.is(row.slice(2), '0.0s §2 LGTM 스')
  assert.is(displayWidth(row), 17, 'the next Hangul would take columns 18 and 19, the last one left free')
})

stepTest('the live area: a step ended leaves it, its lines stay', async () => {
  const { log, liveRows, redraw } = onScreen(80)
  await log.step('§2.4 tempo', async () => log.ok('installed tempo 1.24.4'))
  redraw()
  assert.equal(liveRows(), [])
  log.close()
})

stepTest.run()

// createLog

const createLogTest = suite('createLog')

/** Runs `fn` as if stderr were (or were not) a terminal. */
function onTerminal<T>(tty: boolean, fn: () => T): T {
  const before = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY')
  Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true, writable: true })
  try {
    return fn()
  } finally {
    if (before) Object.defineProperty(process.stderr, 'isTTY', before)
    else delete (process.stderr as { isTTY?: boolean }).isTTY
  }
}

const optionsOf = (tty: boolean, env: NodeJS.ProcessEnv = {}, argv: string[] = []) => {
  const { opts } = onTerminal(tty, () => createLog('normal', env, argv))
  return { live: opts.live, color: opts.color }
}

createLogTest('works: on a terminal, live lines in colour', () => {
  assert.equal(optionsOf(true), { live: true, color: true })
})

for (const [name, tty, env, argv, expected] of [
  ['piped (not a terminal): plain lines without colour', false, {}, [], { live: false, color: false }],
  ['CI set on a terminal: plain lines, still in colour', true, { CI: 'true' }, [], { live: false, color: true }],
  ['NO_COLOR on a terminal: live, no colour', true, { NO_COLOR: '1' }, [], { live: true, color: false }],
  ['--no-color on a terminal: live, no colour', true, {}, ['--no-color'], { live: true, color: false }],
  ['FORCE_COLOR when piped: colour, plain lines', false, { FORCE_COLOR: '1' }, [], { live: false, color: true }],
] as [string, boolean, NodeJS.ProcessEnv, string[], { live: boolean; color: boolean }][]) {
  createLogTest(name, () => {
    assert.equal(optionsOf(tty, env, argv), expected)
  })
}

createLogTest('the language comes from the locale (LC_ALL, LC_MESSAGES, LANG)', () => {
  assert.is(onTerminal(false, () => createLog('normal', { LANG: 'ko_KR.UTF-8' }, [])).lang, 'ko')
  assert.is(onTerminal(false, () => createLog('normal', { LC_ALL: 'C', LANG: 'ko_KR.UTF-8' }, [])).lang, 'en')
  assert.is(onTerminal(false, () => createLog('normal', {}, [])).lang, 'en')
})

createLogTest('the verbosity is kept', () => {
  assert.is(onTerminal(false, () => createLog('quiet', {}, [])).opts.verbosity, 'quiet')
})

createLogTest('stderr is put back as it was', () => {
  const before = process.stderr.isTTY
  onTerminal(!before, () => assert.is(process.stderr.isTTY, !before))
  assert.is(process.stderr.isTTY, before)
})

createLogTest.run()
