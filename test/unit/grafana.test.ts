import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/core/config.ts'
import { UsageError } from '../../lib/core/errors.ts'
import { forwardFailed, parseForwarding, passwordHint, portForwardCmd } from '../../lib/steps/grafana.ts'

// portForwardCmd

const portForwardCmdTest = suite('portForwardCmd')

portForwardCmdTest('works: the Service port 80 from 127.0.0.1 only, a bounded wait for its pod', () => {
  assert.equal(portForwardCmd({}, 'monitoring', 'kube-prometheus-stack-grafana', 3000).argv, [
    ...['kubectl', 'port-forward', '-n', 'monitoring', 'svc/kube-prometheus-stack-grafana', '3000:80'],
    ...['--address', '127.0.0.1', '--pod-running-timeout=10s'],
  ])
})

portForwardCmdTest('port 0: any free port (kubectl picks it)', () => {
  assert.ok(portForwardCmd({}, 'monitoring', 'g', 0).argv.includes(':80'))
})

portForwardCmdTest('a pinned context comes first', () => {
  assert.equal(portForwardCmd({ context: 'kind-kind' }, 'obs', 'g', 3000).argv.slice(0, 4), [
    'kubectl',
    '--context',
    'kind-kind',
    'port-forward',
  ])
})

portForwardCmdTest.run()

// parseForwarding

const parseForwardingTest = suite('parseForwarding')

for (const [name, said, port] of [
  ['works: the local port kubectl listens on', 'Forwarding from 127.0.0.1:3000 -> 3000\n', 3000],
  ['a port kubectl chose', 'Forwarding from 127.0.0.1:41873 -> 3000\n', 41873],
  ['not yet said', 'Forwarding from 127.0.0', undefined],
  ['another address is not ours', 'Forwarding from [::1]:3000 -> 3000\n', undefined],
] as [string, string, number | undefined][]) {
  parseForwardingTest(name, () => {
    assert.is(parseForwarding(said), port)
  })
}

parseForwardingTest.run()

// forwardFailed

const forwardFailedTest = suite('forwardFailed')

forwardFailedTest('works: a port taken names --grafana-port', () => {
  const error = forwardFailed(
    'Unable to listen on port 3000: Listeners failed to create with the following errors: ' +
      '[unable to create listener: Error listen tcp4 127.0.0.1:3000: bind: address already in use]\n' +
      'error: unable to listen on any of the requested ports: [{3000 3000}]\n',
    1,
    3000,
  )
  assert.is(
    error.message,
    'kubectl port-forward to Grafana ended: error: unable to listen on any of the requested ports: [{3000 3000}]',
  )
  assert.match(error.details.hint ?? '', /port 3000 is taken on 127\.0\.0\.1: choose another with --grafana-port/)
})

forwardFailedTest('anything else: is the pod running; no output: the exit code', () => {
  const error = forwardFailed('', 1, 3000)
  assert.is(error.message, 'kubectl port-forward to Grafana ended: exit code 1')
  assert.match(error.details.hint ?? '', /is the Grafana pod running\?/)
})

forwardFailedTest.run()

// passwordHint

const passwordHintTest = suite('passwordHint')

passwordHintTest('works: no tool, the tools looked for, and the flag that shows it', () => {
  assert.is(
    passwordHint(undefined),
    'not shown: no clipboard tool found (wl-copy, xclip, xsel, pbcopy, clip.exe);' +
      ' run again with --show-password to print it',
  )
})

passwordHintTest('a tool that failed is named', () => {
  assert.match(passwordHint('xclip'), /^not copied: xclip failed; run again with --show-password/)
})

passwordHintTest.run()

// the settings

const settingsTest = suite('grafana settings')

settingsTest('works: port 3000, the password not shown', () => {
  const config = loadConfig([], {})
  assert.equal([config.grafanaPort, config.showPassword], [3000, false])
})

settingsTest('a port and --show-password, from flags or the environment', () => {
  assert.equal(loadConfig(['--grafana-port', '0', '--show-password'], {}).grafanaPort, 0)
  assert.is(loadConfig([], { STACK_SHOW_PASSWORD: 'true' }).showPassword, true)
})

for (const port of ['65536', '-1', 'http', '3000.5']) {
  settingsTest(`--grafana-port ${port} is refused before any cluster call`, () => {
    assert.throws(
      () => loadConfig(['--grafana-port', port], {}),
      (e: unknown) => e instanceof UsageError && e.problems.some((p) => p.includes('is not a port')),
    )
  })
}

settingsTest.run()
