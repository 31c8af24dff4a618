// The benchmark's reading of a run's output: which seconds were only waiting. A status closes with what
// happened (`✓ installed …`, `✓ loki ready`), not its opening title, and steps side by side each have one open.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { waitLoad, type Mark } from '../bench/measure.ts'

/** A mark at `at` seconds, the requests counted so far (none by the simulated operators); a run's first has no line. */
const mark = (at: number, total: number, line?: string, busy: string[] = []): Mark => ({
  at: at * 1000,
  line,
  stats: { byVerbResource: { 'list pods': total }, total, openWatches: 0, maxOpenWatches: 0 },
  busy,
  inProcess: 0,
})

const test = suite('waitLoad')

test('works: two steps installing, then both waiting: the seconds after the second install closed', () => {
  const load = waitLoad([
    mark(0, 0),
    mark(1, 2, '§2.3 loki │ … helm upgrade --install loki grafana/loki-stack 2.10.3'),
    mark(1, 2, '§2.4 tempo │ … helm upgrade --install tempo grafana/tempo 1.24.4'),
    mark(3, 10, '§2.3 loki │ ✓ installed loki-stack 2.10.3 (2.0s)'),
    mark(3, 10, '§2.3 loki │ … Waiting ≤ 10m for loki'),
    mark(4, 12, '§2.4 tempo │ ✓ installed tempo 1.24.4 (3.0s)'),
    mark(4, 12, '§2.4 tempo │ … Waiting ≤ 10m for tempo'),
    mark(10, 15),
    mark(12, 16, '§2.4 tempo │ ✓ tempo ready (8.0s)'),
    mark(20, 17, '§2.3 loki │ ✓ loki ready (17.0s)'),
    mark(21, 30),
  ])
  assert.is(load.seconds, 16)
  assert.is(load.requests, 5)
  assert.equal(load.byVerbResource, [['list pods', 5]])
})

test("a status with no tag (the lock) closes with its own words, like a step's", () => {
  const load = waitLoad([
    mark(0, 0),
    mark(0, 0, '… Waiting ≤ 1m for the lock on stack monitoring'),
    mark(2, 1),
    mark(3, 1, '✓ lock on stack monitoring taken (3.0s)'),
    mark(5, 9),
  ])
  assert.is(load.seconds, 3)
  assert.is(load.requests, 1)
})

test('a kubectl or helm call running beside the wait: not waiting only', () => {
  const load = waitLoad([
    mark(0, 0),
    mark(0, 0, '§2.3 loki │ … Waiting ≤ 10m for loki'),
    mark(2, 4, undefined, ['kubectl get pods -n monitoring -o json']),
    mark(3, 5),
    mark(4, 6, '§2.3 loki │ ✓ loki ready (4.0s)'),
  ])
  assert.is(load.seconds, 1)
  assert.is(load.requests, 1)
})

test.run()
