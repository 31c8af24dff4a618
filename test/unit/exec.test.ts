import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, sleep } from 'zx'
import { InterruptedError, StepError } from '../../lib/core/errors.ts'
import { descendantsOf, endChild } from '../../lib/tools/children.ts'
import {
  isTransient,
  lastLine,
  renderCommand,
  Runner,
  tail,
  transientBackoffMs,
  type Clock,
} from '../../lib/tools/exec.ts'
import { captureLog } from './builders.ts'

/** What bash makes of a rendered command line: each argument it would pass, one per line. */
function argsAsBashSeesThem(rendered: string): string[] {
  const out = execFileSync('bash', ['-c', `printf '%s\\0' ${rendered}`], { encoding: 'utf8' })
  return out.split('\0').slice(0, -1)
}

/** Runs the rendered command in bash and returns its stdout (whatever the exit code). */
function runInBash(rendered: string): string {
  return spawnSync('bash', ['-c', rendered], { encoding: 'utf8' }).stdout
}

// renderCommand

const renderCommandTest = suite('renderCommand')

renderCommandTest('works: plain arguments stay unquoted', () => {
  assert.is(
    renderCommand({
      argv: [
        'helm',
        'upgrade',
        '--install',
        'loki',
        'grafana/loki-stack',
        '--namespace',
        'monitoring',
        '--version',
        '2.10.3',
        '-f',
        'values/loki-stack-values.yaml',
      ],
    }),
    'helm upgrade --install loki grafana/loki-stack --namespace monitoring ' +
      '--version 2.10.3 -f values/loki-stack-values.yaml',
  )
})

renderCommandTest('a URL, a key=value and a context ARN stay unquoted', () => {
  assert.is(
    renderCommand({
      argv: [
        'kubectl',
        '--context',
        'arn:aws:eks:eu-west-1:123:cluster/x',
        'apply',
        '-f',
        'https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml',
      ],
    }),
    'kubectl --context arn:aws:eks:eu-west-1:123:cluster/x apply -f ' +
      'https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml',
  )
  assert.is(
    renderCommand({
      argv: ['helm', '--set-string', 'manager.collectorImage.repository=otel/opentelemetry-collector-k8s'],
    }),
    'helm --set-string manager.collectorImage.repository=otel/opentelemetry-collector-k8s',
  )
})

for (const [name, arg] of [
  ['a space', 'my values.yaml'],
  ['a command substitution', '$(id)'],
  ['a backtick', '`id`'],
  ['a semicolon', 'a;rm -rf x'],
  ['a single quote', "it's"],
  ['a double quote', 'say "hi"'],
  ['a backslash', 'a\\b'],
  ['a newline', 'line1\nline2'],
  ['a tab', 'a\tb'],
  ['a glob', '*.yaml'],
  ['a variable', '$HOME'],
  ['a jsonpath', 'jsonpath={.data.admin-password}'],
  ['an empty argument', ''],
  ['a pipe and a redirection', 'a|b>c'],
  ['non-ASCII text', '모니터링 — ok'],
] as const) {
  renderCommandTest(`${name}: bash passes it literally`, () => {
    const argv = ['kubectl', 'annotate', arg, 'x']
    const rendered = renderCommand({ argv })
    assert.equal(argsAsBashSeesThem(rendered), argv, rendered)
  })
}

renderCommandTest('an argument that needs quoting is quoted, one that does not is not', () => {
  assert.is(renderCommand({ argv: ['echo', 'a b', 'c'] }), "echo 'a b' c")
})

renderCommandTest('with input: a quoted here-document that bash feeds to stdin unchanged', () => {
  const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: $(id) `id` $HOME\ndata:\n  a: "\\n"\n'
  const rendered = renderCommand({ argv: ['cat'], input: manifest })
  assert.is(rendered, `cat <<'EOF'\n${manifest}EOF`)
  assert.is(runInBash(rendered), manifest)
})

renderCommandTest('with input lacking a final newline: the here-document ends it with one', () => {
  const rendered = renderCommand({ argv: ['cat'], input: 'kind: Issuer' })
  assert.is(rendered, "cat <<'EOF'\nkind: Issuer\nEOF")
  assert.is(runInBash(rendered), 'kind: Issuer\n')
})

renderCommandTest('with input containing a line EOF: bash still feeds all of it', () => {
  const input = 'data:\n  script: |\n    cat <<EOF\n    hi\nEOF\nkind: ConfigMap\n'
  const rendered = renderCommand({ argv: ['cat'], input })
  assert.is(runInBash(rendered), input, rendered)
})

renderCommandTest('an empty input is still a here-document (stdin is not the terminal)', () => {
  assert.is(renderCommand({ argv: ['kubectl', 'create', '-f', '-'], input: '' }), "kubectl create -f - <<'EOF'\n\nEOF")
})

renderCommandTest.run()

// isTransient

const isTransientTest = suite('isTransient')

isTransientTest('works: a reset connection is worth another try', () => {
  assert.ok(
    isTransient(
      'Unable to connect to the server: read tcp 10.0.0.1:51234->10.0.0.2:6443: read: connection reset by peer',
    ),
  )
})

for (const [name, stderr, transient] of [
  ['i/o timeout', 'Unable to connect to the server: dial tcp 172.18.0.2:6443: i/o timeout', true],
  ['TLS handshake timeout', 'Unable to connect to the server: net/http: TLS handshake timeout', true],
  [
    '429 Too Many Requests',
    'Error from server (TooManyRequests): the server has received too many requests ' +
      'and has asked us to try again later (429 Too Many Requests)',
    true,
  ],
  [
    '500 Internal Server Error',
    'Error: Kubernetes cluster unreachable: an error on the server ("500 Internal Server Error") ' +
      'has prevented the request from succeeding',
    true,
  ],
  [
    'service unavailable',
    'Error from server (ServiceUnavailable): the server is currently unable to handle the request',
    true,
  ],
  ['unexpected EOF', 'error: unexpected EOF', true],
  [
    'an apiserver internal error (etcd stumbled)',
    'Error from server (InternalError): Internal error occurred: etcdserver: request timed out',
    true,
  ],
  [
    'request timeout',
    'Error from server (Timeout): the server was unable to return a response in the time allotted, ' +
      'but may still be processing the request (get pods)',
    true,
  ],
  [
    'a webhook refusing connections (a readiness question)',
    'Error from server (InternalError): Internal error occurred: failed calling webhook "webhook.cert-manager.io": ' +
      'failed to call webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": ' +
      'dial tcp 10.96.12.34:443: connect: connection refused',
    false,
  ],
  [
    'a webhook timing out (a readiness question too)',
    'Internal error occurred: failed calling webhook "mopentelemetrycollectorbeta.kb.io": ' +
      'Post "https://opentelemetry-operator-webhook.monitoring.svc:443/mutate": ' +
      'context deadline exceeded (Client.Timeout exceeded); i/o timeout',
    false,
  ],
  ['NotFound', 'Error from server (NotFound): namespaces "monitoring" not found', false],
  ['Forbidden', 'Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods"', false],
  ['a helm error', 'Error: INSTALLATION FAILED: cannot re-use a name that is still in use', false],
  ['empty', '', false],
] as const) {
  isTransientTest(`${name} → ${transient}`, () => {
    assert.is(isTransient(stderr), transient)
  })
}

isTransientTest.run()

// lastLine, tail

const lastLineTest = suite('lastLine')

lastLineTest('works: the last non-empty line, trimmed', () => {
  assert.is(lastLine('W0110 warning\nError: boom  \n\n'), 'Error: boom')
})

lastLineTest('nothing: empty', () => {
  assert.is(lastLine(''), '')
  assert.is(lastLine('\n \n'), '')
})

lastLineTest.run()

const tailTest = suite('tail')

tailTest('works: the last n lines', () => {
  assert.is(tail('1\n2\n3\n4\n', 2), '3\n4')
})

tailTest('fewer lines than asked: all of them', () => {
  assert.is(tail('only\n', 20), 'only')
})

tailTest.run()

// Runner.interrupt: a Ctrl-C while the steps go on must not leave a command behind

const interruptTest = suite('Runner.interrupt')

interruptTest('works: the running command gets the signal and is named; interrupt resolves once it ended', async () => {
  const runner = new Runner(captureLog().log)
  // interrupted in the same turn it was asked for, before zx has started the process
  const sleeping = runner.once({ argv: ['sleep', '30'] }).then(
    () => undefined,
    (e: Error) => e,
  )
  const stopped = await runner.interrupt('SIGTERM')
  assert.equal(stopped, ['sleep 30'])
  const ended = await sleeping
  assert.instance(ended, InterruptedError, 'its end is the interrupt, not a failure of its step')
  assert.match(ended?.message ?? '', /ended, the run was interrupted \(SIGTERM\): sleep 30/)
})

/** A bash loop that traps these signals (echoing their names), then marks it is ready; it ends by itself after 20 s. */
function trapping(signals: string, dir: string): { argv: string[]; ready: () => Promise<void> } {
  const marker = path.join(dir, `ready-${signals.replace(/\W/g, '')}`)
  const traps = signals
    .split(' ')
    .map((s) => `trap 'echo ${s}; exit 0' ${s};`)
    .join(' ')
  return {
    argv: ['bash', '-c', `${traps} touch ${marker}; for i in $(seq 200); do sleep 0.1; done`],
    ready: async () => {
      while (!fs.existsSync(marker)) await new Promise((r) => setTimeout(r, 20))
    },
  }
}

/** The same, ignoring the signals instead. */
function ignoring(signals: string, dir: string): { argv: string[]; ready: () => Promise<void> } {
  const loop = trapping(signals, dir)
  return { ...loop, argv: ['bash', '-c', loop.argv[2].replace(/trap '[^']*'/g, "trap ''")] }
}

interruptTest(
  'a hang-up reaches the children as SIGTERM, which helm handles (it records the release failed)',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
    try {
      const runner = new Runner(captureLog().log)
      const loop = trapping('TERM HUP', dir)
      const child = runner.once({ argv: loop.argv })
      await loop.ready()
      await runner.interrupt('SIGHUP')
      assert.is((await child).stdout.trim(), 'TERM')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  },
)

interruptTest('kill(), a second signal: what the grace still waits for is killed at once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const runner = new Runner(captureLog().log)
    const loop = ignoring('INT TERM', dir)
    const child = runner.once({ argv: loop.argv })
    await loop.ready()
    runner.kill()
    assert.is((await child).signal, 'SIGKILL')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

interruptTest(
  'a command a step starts after the interrupt is refused and never runs (no retry, no child)',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
    try {
      const runner = new Runner(captureLog().log)
      await runner.interrupt('SIGINT')
      const marker = path.join(dir, 'ran')
      for (const start of [
        () => runner.change({ argv: ['touch', marker] }),
        () => runner.query({ argv: ['touch', marker] }),
        () => runner.once({ argv: ['touch', marker] }),
      ]) {
        let settled = false
        const refusal = start()
          .then(
            () => undefined,
            (e: Error) => e,
          )
          .finally(() => (settled = true))
        // a retry would be sleeping in its backoff by the next turn of the event loop
        await new Promise((r) => setImmediate(r))
        assert.ok(settled, 'refused at once, not retried after a backoff')
        assert.match((await refusal)?.message ?? 'resolved', /not started, the run was interrupted \(SIGINT\): touch/)
      }
      assert.not.ok(fs.existsSync(marker), 'the command ran')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  },
)

interruptTest.run()

// Runner.unfinishedWrites: the helm operations that did not finish, each of which may have left its release pending

const unfinishedTest = suite('Runner.unfinishedWrites')
const loki = { name: 'loki', namespace: 'monitoring' }

unfinishedTest('works: a release-writing command running at the interrupt, with when it started', async () => {
  const clock: Clock = { now: () => 1_000, sleep: async () => {} }
  const runner = new Runner(captureLog().log, process.env, { clock })
  const writing = runner.once({ argv: ['sleep', '30'], writes: loki }).catch(() => {})
  const reading = runner.once({ argv: ['sleep', '30'] }).catch(() => {})
  await runner.interrupt('SIGTERM')
  await Promise.all([writing, reading])
  assert.equal(runner.unfinishedWrites(), [{ release: loki, startedAt: 1_000, endedAt: 1_000 }])
})

unfinishedTest(
  'a writer a signal ended (the process group hung up) or that failed is one; one that succeeded, or a reader, is not',
  async () => {
    const runner = new Runner(captureLog().log)
    const tempo = { name: 'tempo', namespace: 'monitoring' }
    await runner.once({ argv: ['bash', '-c', 'kill -HUP $$'], writes: loki })
    // helm whose server went away under it, or that its caller ended (it handles SIGTERM, then exits 1)
    await runner.once({ argv: ['bash', '-c', 'exit 1'], writes: tempo })
    await runner.once({ argv: ['true'], writes: { name: 'grafana', namespace: 'monitoring' } })
    await runner.once({ argv: ['bash', '-c', 'exit 1'] })
    assert.equal(
      runner.unfinishedWrites().map((c) => c.release),
      [loki, tempo],
    )
  },
)

unfinishedTest.run()

// endChild: ends a child for good, whatever state it is in

const endChildTest = suite('endChild')

endChildTest('works: a child that ignores the signal is killed once the grace is over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const loop = ignoring('TERM', dir)
    const child = $({ quiet: true, nothrow: true })`${loop.argv}`
    await loop.ready()
    await endChild(child, 'SIGTERM', 1000)
    assert.is((await child).signal, 'SIGKILL')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

endChildTest('a wrapper (an asdf or mise shim) ends with the kubectl it started, which held our pipe', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  const pidFile = path.join(dir, 'grandchild')
  let grandchild = 0
  try {
    // the wrapper waits on its own child, as a shim running kubectl in the foreground does
    const child = $({ quiet: true, nothrow: true })`bash -c ${`sleep 300 & echo $! > ${pidFile}; wait`}`
    while (!fs.existsSync(pidFile) || !fs.readFileSync(pidFile, 'utf8').trim()) await sleep(20)
    grandchild = Number(fs.readFileSync(pidFile, 'utf8'))
    // signalled alone, the wrapper ends and its sleep keeps the pipe open: endChild would never return
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref())
    assert.is(await Promise.race([endChild(child, 'SIGTERM', 1000), hung]), undefined)
    // signalled before its wrapper, it may still be on its way out on a loaded machine: a few seconds, not forever
    for (let waited = 0; alive(grandchild) && waited < 5000; waited += 50) await sleep(50)
    assert.not.ok(alive(grandchild), `pid ${grandchild} outlived its wrapper`)
  } finally {
    if (grandchild && alive(grandchild)) process.kill(grandchild, 'SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

endChildTest('descendantsOf: every generation, parents first; a process that is gone has none', () => {
  const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-'))
  try {
    const children = { 10: [11, 12], 11: [13], 12: [], 13: [] } as Record<number, number[]>
    for (const [pid, list] of Object.entries(children)) {
      fs.mkdirSync(path.join(proc, pid, 'task', pid), { recursive: true })
      fs.writeFileSync(path.join(proc, pid, 'task', pid, 'children'), list.map((c) => `${c} `).join(''))
    }
    assert.equal(descendantsOf(10, proc), [11, 13, 12])
    assert.equal(descendantsOf(99, proc), [])
  } finally {
    fs.rmSync(proc, { recursive: true, force: true })
  }
})

endChildTest('a child that has exited already: nothing to do, no "Too late to kill the process"', async () => {
  const child = $({ quiet: true, nothrow: true })`true`
  await child
  await endChild(child, 'SIGTERM', 1000)
  assert.is((await child).exitCode, 0)
})

/** Whether a process lives (a zombie, reaped by nobody yet, counts as gone). */
function alive(pid: number): boolean {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')
  } catch {
    return false
  }
}

endChildTest.run()

// Runner: a transient error is retried with backoff, an unreachable API server for a bounded time

/** A clock whose sleeps pass at once, moving its time on. */
function fakeClock(start = Date.parse('2026-01-10T10:00:00')): Clock & { slept: number[] } {
  let now = start
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms)
      now += ms
    },
  }
}

/** A command that fails with `stderr` its first `failures` times (counted in a file), then prints ok. */
function failing(dir: string, stderr: string, failures = Number.POSITIVE_INFINITY): { argv: string[] } {
  const count = path.join(dir, 'count')
  fs.writeFileSync(count, '0')
  const limit = Number.isFinite(failures) ? failures : 1e9
  const script = `n=$(cat ${count}); echo $((n+1)) > ${count}; if [ $n -lt ${limit} ]; then echo '${stderr}' >&2; exit 1; fi; echo ok`
  return { argv: ['bash', '-c', script] }
}

const tries = (dir: string) => Number(fs.readFileSync(path.join(dir, 'count'), 'utf8'))

const retryTest = suite('Runner: retries')

const refused = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'

retryTest('works: a transient error is tried 8 times, 0.25 s doubling to 5 s between (about 18 s)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const clock = fakeClock()
    const runner = new Runner(captureLog().log, process.env, { clock })
    const error = await runner.query(failing(dir, 'read: connection reset by peer')).catch((e: Error) => e)
    assert.match(String(error), /connection reset by peer/)
    assert.is(tries(dir), 8)
    assert.equal(clock.slept, [250, 500, 1000, 2000, 4000, 5000, 5000])
    assert.equal(clock.slept, [1, 2, 3, 4, 5, 6, 7].map(transientBackoffMs))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

retryTest(
  'an API server refusing connections: retried until --api-unreachable-after, then the outage is the error',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
    try {
      const clock = fakeClock()
      const { log, err } = captureLog()
      const runner = new Runner(log, process.env, { clock, unreachableLimitMs: 60_000 })
      const error = await runner.query(failing(dir, refused)).catch((e: Error) => e)
      assert.instance(error, StepError)
      assert.is(
        (error as StepError).message,
        'the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 1m',
      )
      assert.ok(tries(dir) > 8, `tried ${tries(dir)} times: more than a transient error's 8`)
      assert.is(
        clock.slept.reduce((a, b) => a + b),
        60_000,
      )
      assert.is(err().match(/stopped answering/g)?.length, 1, err())
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  },
)

retryTest('an API server back within the limit: the command goes on and succeeds; both ends are said', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const clock = fakeClock()
    const { log, err } = captureLog()
    const runner = new Runner(log, process.env, { clock, unreachableLimitMs: 60_000 })
    const out = await runner.change(failing(dir, refused, 3))
    assert.is(out.stdout.trim(), 'ok')
    assert.match(
      err(),
      /! the API server 127\.0\.0\.1:6443 stopped answering at 10:00:00 \(.*was refused.*\); retrying until 10:01:00 \(--api-unreachable-after=1m\)\n/,
    )
    assert.match(
      err(),
      /✓ the API server 127\.0\.0\.1:6443 answers again \(it stopped answering at 10:00:00, 6s ago\)\n/,
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

retryTest('a command failing on its own deadline while the server is gone: the outage is the error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const clock = fakeClock()
    const runner = new Runner(captureLog().log, process.env, { clock, unreachableLimitMs: 60_000 })
    runner.api.refused(refused)
    await clock.sleep(60_000)
    const error = await runner.change(failing(dir, 'Error: context deadline exceeded')).catch((e: Error) => e)
    assert.instance(error, StepError)
    assert.match((error as StepError).message, /stopped answering at 10:00:00 and has not answered for 1m/)
    assert.is(tries(dir), 1)
    // a call that asks no API server fails for its own reason, outage or not
    const repo = { argv: ['helm', 'repo', 'add', 'grafana', 'http://127.0.0.1:9/'] }
    const own = await runner.change(repo).catch((e: Error) => e)
    assert.not.match(String(own), /stopped answering/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

retryTest('a webhook refusing connections is no outage: not retried by the runner', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'))
  try {
    const runner = new Runner(captureLog().log, process.env, { clock: fakeClock() })
    const webhook =
      'Internal error occurred: failed calling webhook "w": dial tcp 10.96.0.5:443: connect: connection refused'
    const out = await runner.probe(failing(dir, webhook))
    assert.is(out.exitCode, 1)
    assert.is(tries(dir), 1)
    assert.not.ok(runner.api.down)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

retryTest.run()

// Runner: a command's input

const inputTest = suite('Runner: input')

inputTest('works: the input reaches the command on stdin', async () => {
  const out = await new Runner(captureLog().log).once({ argv: ['cat'], input: 'kind: Issuer\n' })
  assert.is(out.stdout, 'kind: Issuer\n')
})

inputTest(
  'a command that ends before it read its input (a signal, an early failure): its exit code, no EPIPE crash',
  async () => {
    // more than a pipe holds (64 KiB), so the write is still going on when the command has ended
    const input = 'x'.repeat(4 * 1024 * 1024)
    const out = await new Runner(captureLog().log).once({ argv: ['bash', '-c', 'exit 3'], input })
    assert.is(out.exitCode, 3)
  },
)

inputTest.run()
