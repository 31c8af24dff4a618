import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createContext } from '../../lib/steps/context.ts'
import { markUnfinished, spansByRelease } from '../../lib/steps/release.ts'
import {
  endedHelmOf,
  endedHelmsFile,
  parseEndedHelms,
  readEndedHelms,
  recordEndedHelms,
  withEndedHelms,
  type EndedHelm,
} from '../../lib/tools/ended-helms.ts'
import type { Command } from '../../lib/tools/exec.ts'
import type { HistoryEntry } from '../../lib/tools/helm.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

const server = 'https://127.0.0.1:6443'
const at = (iso: string) => Date.parse(iso)
const record = (o: Partial<EndedHelm> = {}): EndedHelm => ({
  server,
  namespace: 'monitoring',
  name: 'loki',
  startedAt: at('2026-05-01T12:00:00Z'),
  endedAt: at('2026-05-01T12:00:30Z'),
  note: 'pid 42 on laptop, 2026-05-01T12:00:31Z',
  ...o,
})
const pendingAt = (updated: string): HistoryEntry[] => [
  { revision: 1, status: 'deployed', chart: 'loki-stack-2.10.3', updated: '2026-04-30T09:00:00Z' },
  { revision: 2, status: 'pending-upgrade', chart: 'loki-stack-2.10.3', updated },
]
const loki = { name: 'loki', namespace: 'monitoring' }

const tempState = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ended-helms-'))

// endedHelmOf

const endedHelmOfTest = suite('endedHelmOf')

endedHelmOfTest('works: the record of the helm that ran while the pending revision was written', () => {
  assert.is(endedHelmOf([record()], server, loki, pendingAt('2026-05-01T12:00:10Z')), record().note)
})

for (const [name, records, history, on] of [
  ['another server', [record({ server: 'https://10.0.0.1:6443' })], pendingAt('2026-05-01T12:00:10Z'), server],
  ['no server known to this run', [record()], pendingAt('2026-05-01T12:00:10Z'), undefined],
  ['another release', [record({ name: 'tempo' })], pendingAt('2026-05-01T12:00:10Z'), server],
  ['another namespace', [record({ namespace: 'observability' })], pendingAt('2026-05-01T12:00:10Z'), server],
  ['written after that helm ended: another helm is at work', [record()], pendingAt('2026-05-01T12:01:00Z'), server],
  ['written before that helm started', [record()], pendingAt('2026-05-01T11:59:00Z'), server],
  [
    'the newest revision is not pending',
    [record()],
    [{ revision: 2, status: 'failed', chart: 'loki-stack-2.10.3', updated: '2026-05-01T12:00:10Z' }],
    server,
  ],
  ['no record at all', [], pendingAt('2026-05-01T12:00:10Z'), server],
] as [string, EndedHelm[], HistoryEntry[], string | undefined][]) {
  endedHelmOfTest(`none: ${name}`, () => {
    assert.is(endedHelmOf(records, on, loki, history), undefined)
  })
}

endedHelmOfTest.run()

// the file

const fileTest = suite('the record file')

fileTest('in $XDG_STATE_HOME, else under ~/.local/state', () => {
  assert.is(
    endedHelmsFile({ XDG_STATE_HOME: '/state', HOME: '/home/me' }),
    '/state/k8s-monitoring-stack/ended-helms.json',
  )
  assert.is(endedHelmsFile({ HOME: '/home/me' }), '/home/me/.local/state/k8s-monitoring-stack/ended-helms.json')
})

fileTest('what is not a record is left out; a file that is not JSON holds none', () => {
  const text = JSON.stringify([record(), { server, name: 'loki' }, null, 'x', record({ endedAt: Number.NaN })])
  assert.equal(parseEndedHelms(text), [record()])
  assert.equal(parseEndedHelms('{"server": 1}'), [])
  assert.equal(parseEndedHelms('not json'), [])
})

fileTest('records of the last week are kept with the new ones; older ones go', () => {
  const now = at('2026-05-08T12:00:00Z')
  const old = record({ endedAt: at('2026-05-01T11:00:00Z') })
  const recent = record({ endedAt: at('2026-05-07T12:00:00Z') })
  const added = record({ name: 'tempo' })
  assert.equal(withEndedHelms([old, recent], [added], now), [recent, added])
})

fileTest('added to, and read back; a missing file holds none', () => {
  const dir = tempState()
  try {
    const file = path.join(dir, 'k8s-monitoring-stack', 'ended-helms.json')
    assert.equal(readEndedHelms(file), [])
    recordEndedHelms([record()], file, at('2026-05-01T13:00:00Z'))
    recordEndedHelms([record({ name: 'tempo' })], file, at('2026-05-01T13:00:00Z'))
    assert.equal(readEndedHelms(file), [record(), record({ name: 'tempo' })])
    assert.equal(fs.readdirSync(path.dirname(file)), ['ended-helms.json'], 'a partial file left behind')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

fileTest.run()

// markUnfinished: the mark on the server, else this machine's record

const markTest = suite('markUnfinished')

/** A run's end with one cut-short helm on loki; `answers` says how the server answers history and annotate. */
async function markWith(answers: { history: boolean | 'not found'; annotate?: boolean }) {
  const dir = tempState()
  const previous = process.env.XDG_STATE_HOME
  process.env.XDG_STATE_HOME = dir
  try {
    const ctx = createContext(aConfig(), captureLog().log)
    ctx.server = server
    const ran: string[] = []
    const startedAt = Date.now() - 30_000
    const once = async (cmd: Command) => {
      ran.push(cmd.argv.slice(0, 2).join(' '))
      if (cmd.argv[1] === 'history') {
        const history = [{ revision: 1, status: 'pending-install', updated: new Date(startedAt + 1000).toISOString() }]
        if (answers.history === 'not found') return anOutput(1, undefined, 'Error: release: not found')
        return answers.history
          ? anOutput(0, history)
          : anOutput(1, undefined, 'Error: dial tcp 127.0.0.1:6443: connect: connection refused')
      }
      return anOutput(answers.annotate ? 0 : 1)
    }
    await markUnfinished(ctx, { once } as never, [{ release: loki, startedAt, endedAt: Date.now() }])
    return { ran, records: readEndedHelms(endedHelmsFile()) }
  } finally {
    process.env.XDG_STATE_HOME = previous
    if (previous === undefined) delete process.env.XDG_STATE_HOME
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

markTest('works: the pending revision is marked on the server, nothing kept here', async () => {
  const { ran, records } = await markWith({ history: true, annotate: true })
  assert.equal(ran, ['helm history', 'kubectl annotate'])
  assert.equal(records, [])
})

markTest('the server cannot be asked: this machine keeps the record', async () => {
  const { ran, records } = await markWith({ history: false })
  assert.equal(ran, ['helm history'])
  assert.equal(
    records.map((r) => [r.server, r.namespace, r.name]),
    [[server, 'monitoring', 'loki']],
  )
  assert.match(records[0].note, new RegExp(`^pid ${process.pid} on `))
})

markTest('the server answers that there is no such release: nothing is kept', async () => {
  const { ran, records } = await markWith({ history: 'not found' })
  assert.equal(ran, ['helm history'])
  assert.equal(records, [])
})

markTest('the mark is refused: this machine keeps the record', async () => {
  const { records } = await markWith({ history: true, annotate: false })
  assert.is(records.length, 1)
})

markTest('one span per release: a command retried through an outage is several helms, the first wrote', () => {
  const tempo = { name: 'tempo', namespace: 'monitoring' }
  const spans = spansByRelease(
    [
      { release: loki, startedAt: 1_000, endedAt: 9_000 },
      { release: tempo, startedAt: 2_000 },
      { release: loki, startedAt: 9_500, endedAt: 9_510 },
    ],
    20_000,
  )
  assert.equal(spans, [
    { release: loki, startedAt: 1_000, endedAt: 9_510 },
    { release: tempo, startedAt: 2_000, endedAt: 20_000 },
  ])
})

markTest.run()
