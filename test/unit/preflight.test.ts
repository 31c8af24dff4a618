// The preflight's one try at the server: an answer with a stumble (500, 429) is tried again, with
// backoff; silence is not (the user hears at once that the cluster is unreachable).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { answeredWithAStumble, reachServer } from '../../lib/steps/preflight.ts'
import { createContext } from '../../lib/steps/context.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

const stumbles = [
  'Error from server (InternalError): an error on the server ("") has prevented the request from succeeding',
  'Error from server (TooManyRequests): the server has received too many requests (Too Many Requests)',
]
const silences = [
  'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout',
  'Unable to connect to the server: net/http: TLS handshake timeout',
  'Unable to connect to the server: context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
]

const test = suite('reachServer')

test('works: 500 and 429 are answers worth another try; timeouts are silence', () => {
  for (const stderr of stumbles) assert.ok(answeredWithAStumble(stderr), stderr)
  for (const stderr of silences) assert.not.ok(answeredWithAStumble(stderr), stderr)
})

for (const [what, stderr, retried] of [
  ['a 500 on /version: tried again, with backoff', stumbles[0], true],
  ['a 429 on /version: tried again, with backoff', stumbles[1], true],
  ['a silent server: not tried again', silences[0], false],
] as const) {
  test(what, async () => {
    const ctx = createContext(aConfig(), captureLog().log)
    const calls: string[] = []
    ctx.runner.once = async () => {
      calls.push('once')
      return anOutput(1, '', stderr)
    }
    ctx.runner.probe = async () => {
      calls.push('probe')
      return anOutput(0, { serverVersion: { gitVersion: 'v1.32.0' } })
    }
    await reachServer(ctx)
    assert.equal(calls, retried ? ['once', 'probe'] : ['once'])
  })
}

test.run()
