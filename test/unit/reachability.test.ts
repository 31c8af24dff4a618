import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { StepError } from '../../lib/core/errors.ts'
import {
  ApiReachability,
  asksApiServer,
  clockTime,
  isUnreachable,
  outageOutlasted,
  serverIn,
} from '../../lib/tools/reachability.ts'
import { captureLog } from './builders.ts'

const refusedByKubectl =
  'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'
const refusedByHelm =
  'Error: Kubernetes cluster unreachable: Get "https://10.0.0.2:6443/version": dial tcp 10.0.0.2:6443: connect: ' +
  'connection refused'

// isUnreachable

const isUnreachableTest = suite('isUnreachable')

isUnreachableTest('works: kubectl refused by the API server', () => {
  assert.ok(isUnreachable(refusedByKubectl))
})

for (const [name, stderr, unreachable] of [
  ['helm: cluster unreachable, connection refused', refusedByHelm, true],
  ['no route to host', 'Unable to connect to the server: dial tcp 10.0.0.2:6443: connect: no route to host', true],
  ['network is unreachable', 'dial tcp 10.0.0.2:6443: connect: network is unreachable', true],
  ['a dial that times out', 'Unable to connect to the server: dial tcp 172.18.0.2:6443: i/o timeout', true],
  [
    'a webhook refusing connections: the API server answered',
    'Error from server (InternalError): Internal error occurred: failed calling webhook "webhook.cert-manager.io": ' +
      'failed to call webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": ' +
      'dial tcp 10.96.12.34:443: connect: connection refused',
    false,
  ],
  ['a 500: the API server answered', 'Error from server (InternalError): Internal error occurred: etcd', false],
  ['a reset connection: a stumble, retried as transient', 'read: connection reset by peer', false],
  ['a TLS handshake timeout: a stumble', 'Unable to connect to the server: net/http: TLS handshake timeout', false],
  ['empty', '', false],
] as const) {
  isUnreachableTest(`${name} → ${unreachable}`, () => {
    assert.is(isUnreachable(stderr), unreachable)
  })
}

isUnreachableTest.run()

// serverIn

const serverInTest = suite('serverIn')

serverInTest("works: kubectl's words name host:port", () => {
  assert.is(serverIn(refusedByKubectl), '127.0.0.1:6443')
})

serverInTest("Go's dial error (helm), and an IPv6 address", () => {
  assert.is(serverIn(refusedByHelm), '10.0.0.2:6443')
  assert.is(serverIn('dial tcp [::1]:6443: connect: connection refused'), '[::1]:6443')
})

serverInTest('no address in the words: none', () => {
  assert.is(serverIn('network is unreachable'), undefined)
})

serverInTest.run()

// asksApiServer

const asksTest = suite('asksApiServer')

asksTest('works: kubectl get and helm upgrade ask the API server', () => {
  assert.ok(asksApiServer(['kubectl', 'get', 'pods', '-n', 'monitoring', '-o', 'json']))
  assert.ok(asksApiServer(['helm', 'upgrade', '--install', 'tempo', 'grafana/tempo', '--kube-context', 'kind-kind']))
})

for (const [name, argv, asks] of [
  ['helm repo list: the local repository list', ['helm', 'repo', 'list', '--output', 'json'], false],
  ['helm repo update: chart repositories, not the cluster', ['helm', 'repo', 'update', 'grafana'], false],
  ['helm search repo: the local index', ['helm', 'search', 'repo', '--regexp', 'x', '--versions'], false],
  ['helm version', ['helm', 'version', '--short'], false],
  ['kubectl config view', ['kubectl', 'config', 'view', '-o', 'json'], false],
  ['kubectl config view with a context', ['kubectl', '--context', 'kind-kind', 'config', 'view'], false],
  ['kubectl version --client', ['kubectl', 'version', '--client', '-o', 'json'], false],
  ['kubectl version: the server is asked too', ['kubectl', 'version', '-o', 'json'], true],
  ['kubectl with a context, then its verb', ['kubectl', '--context', 'kind-kind', 'get', 'ns'], true],
  ['helm list', ['helm', 'list', '--namespace', 'monitoring', '--output', 'json'], true],
  ['another tool than kubectl and helm: it may', ['curl', '--fail', 'https://127.0.0.1:6443/version'], true],
] as const) {
  asksTest(`${name} → ${asks}`, () => {
    assert.is(asksApiServer(argv), asks)
  })
}

asksTest.run()

// outageOutlasted

const outlastedTest = suite('outageOutlasted')

outlastedTest('works: an outage as long as the limit is given up on, one shorter is not', () => {
  const outage = { since: 1000, lastError: 'refused' }
  assert.not.ok(outageOutlasted(outage, 60_999, 60_000))
  assert.ok(outageOutlasted(outage, 61_000, 60_000))
})

outlastedTest('no outage: nothing to give up on', () => {
  assert.not.ok(outageOutlasted(undefined, Number.MAX_SAFE_INTEGER, 0))
})

outlastedTest.run()

// ApiReachability

const reachabilityTest = suite('ApiReachability')

/** A tracker on a clock the test moves, starting at 10:00:00 local time. */
function aTracker(limitMs = 60_000) {
  let now = new Date(2026, 0, 10, 10, 0, 0).getTime()
  const { log, err } = captureLog()
  const api = new ApiReachability(log, limitMs, () => now)
  return { api, err, pass: (ms: number) => (now += ms) }
}

reachabilityTest('works: refused, said once with its time and limit; answering again, said once', () => {
  const { api, err, pass } = aTracker()
  api.observe({ exitCode: 1, stderr: refusedByKubectl })
  pass(2000)
  api.observe({ exitCode: 1, stderr: refusedByKubectl })
  api.refused(refusedByKubectl)
  assert.ok(api.down)
  pass(10_000)
  api.observe({ exitCode: 0, stderr: '' })
  api.observe({ exitCode: 0, stderr: '' })
  assert.not.ok(api.down)
  assert.is(
    err(),
    [
      `! the API server 127.0.0.1:6443 stopped answering at 10:00:00 (${refusedByKubectl}); retrying until` +
        ' 10:01:00 (--api-unreachable-after=1m)',
      '✓ the API server 127.0.0.1:6443 answers again (it stopped answering at 10:00:00, 12s ago)',
      '',
    ].join('\n'),
  )
})

reachabilityTest('the outage fails its steps once it has lasted the limit, not before', () => {
  const { api, pass } = aTracker()
  api.observe({ exitCode: 1, stderr: refusedByHelm })
  pass(59_999)
  assert.is(api.failure(), undefined)
  pass(1)
  const failure = api.failure()
  assert.instance(failure, StepError)
  assert.is(failure?.message, 'the API server 10.0.0.2:6443 stopped answering at 10:00:00 and has not answered for 1m')
  assert.is(failure?.details.output, refusedByHelm)
  assert.match(failure?.details.hint ?? '', /--api-unreachable-after=5m/)
})

reachabilityTest("error(): the outage going on, whatever its length (a caller's deadline passed); none without", () => {
  const { api, pass } = aTracker()
  assert.is(api.error(), undefined)
  api.refused(refusedByKubectl)
  pass(5000)
  assert.is(
    api.error()?.message,
    'the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 5s',
  )
})

reachabilityTest('an error answer from the server ends an outage; a failure that is no answer does not', () => {
  const { api } = aTracker()
  api.refused(refusedByKubectl)
  api.observe({ exitCode: 1, stderr: 'Error: INSTALLATION FAILED: chart requires kubeVersion' })
  assert.ok(api.down, 'a local failure says nothing of the server')
  api.observe({ exitCode: 1, stderr: 'Error from server (NotFound): namespaces "monitoring" not found' })
  assert.not.ok(api.down)
  api.observe({ exitCode: 1, stderr: 'Error: INSTALLATION FAILED: chart requires kubeVersion' })
  assert.not.ok(api.down, 'nor does it begin one')
})

reachabilityTest("an outage names the error's last line, not the lines before it", () => {
  const { api, err } = aTracker()
  api.observe({
    exitCode: 1,
    stderr: `W1130 10:00:00 memcache.go:265] couldn't get current server API group list\n  ${refusedByKubectl}\n`,
  })
  assert.match(err(), new RegExp(`at 10:00:00 \\(${refusedByKubectl.replace(/[?]/g, '\\?')}\\); retrying`))
  assert.is(api.error()?.details.output, refusedByKubectl)
})

reachabilityTest('a new outage after one ended: said again, timed from its own start', () => {
  const { api, err, pass } = aTracker()
  api.refused(refusedByKubectl)
  api.answered()
  pass(120_000)
  api.refused(refusedByKubectl)
  assert.is(api.failure(), undefined)
  assert.is(err().match(/stopped answering at/g)?.length, 3, err())
  assert.match(err(), /stopped answering at 10:02:00 \(/)
})

reachabilityTest('a command that asks no API server ends no outage by succeeding (a step side by side)', () => {
  const { api, err } = aTracker()
  api.observe({ exitCode: 1, stderr: refusedByKubectl }, ['kubectl', 'get', 'namespace', 'monitoring'])
  api.observe({ exitCode: 0, stderr: '' }, ['helm', 'repo', 'list', '--output', 'json'])
  api.observe({ exitCode: 0, stderr: '' }, ['kubectl', 'config', 'view', '-o', 'json'])
  assert.ok(api.down)
  api.observe({ exitCode: 1, stderr: refusedByHelm }, ['helm', 'list', '--namespace', 'monitoring'])
  assert.is(err().match(/stopped answering at/g)?.length, 1, err())
  assert.not.match(err(), /answers again/)
  api.observe({ exitCode: 0, stderr: '' }, ['helm', 'list', '--namespace', 'monitoring'])
  assert.not.ok(api.down)
})

reachabilityTest('an answer to a command sent before the outage was seen ends nothing (steps side by side)', () => {
  const { api, err, pass } = aTracker()
  const sentEarlier = new Date(2026, 0, 10, 10, 0, 0).getTime()
  pass(3000)
  api.observe({ exitCode: 1, stderr: refusedByHelm }, ['helm', 'upgrade', '--install', 'loki'], sentEarlier)
  pass(1000)
  api.observe({ exitCode: 0, stderr: '' }, ['helm', 'list', '--namespace', 'monitoring'], sentEarlier)
  assert.ok(api.down)
  api.observe({ exitCode: 1, stderr: refusedByHelm }, ['helm', 'upgrade', '--install', 'tempo'], sentEarlier + 3500)
  assert.is(err().match(/stopped answering at/g)?.length, 1, err())
  assert.not.match(err(), /answers again/)
  pass(1000)
  api.observe({ exitCode: 0, stderr: '' }, ['helm', 'list', '--namespace', 'monitoring'], sentEarlier + 4500)
  assert.not.ok(api.down)
  assert.match(err(), /answers again \(it stopped answering at 10:00:03, 2s ago\)/)
})

reachabilityTest('steps failing side by side on one outage: the first error explains it, the others name it', () => {
  const { api, pass } = aTracker()
  api.refused(refusedByHelm)
  assert.not.ok(api.outlasted)
  pass(60_000)
  assert.ok(api.outlasted, 'asking changes nothing: the error below is still the first')
  const [first, second, third] = [api.failure(), api.failure(), api.error('loki not ready after 2m')]
  const stopped = 'the API server 10.0.0.2:6443 stopped answering at 10:00:00 and has not answered for 1m'
  assert.equal([first?.message, first?.details.output], [stopped, refusedByHelm])
  assert.match(first?.details.hint ?? '', /kubectl cluster-info/)
  assert.equal([second?.message, second?.details], [stopped, {}])
  assert.equal([third?.message, third?.details], [`loki not ready after 2m: ${stopped}`, {}])
  // the next outage is a new story, explained again
  api.answered()
  api.refused(refusedByKubectl)
  pass(60_000)
  assert.is(api.failure()?.details.output, refusedByKubectl)
})

reachabilityTest.run()

// clockTime

const clockTimeTest = suite('clockTime')

clockTimeTest('works: HH:MM:SS, local time', () => {
  assert.is(clockTime(new Date(2026, 0, 10, 9, 5, 7, 999).getTime()), '09:05:07')
})

clockTimeTest.run()
