// one run at a time per cluster and stack: the pure parts of the run lock (the Lease
// object, whether its holder lives, how the holder is named, the commands) and its settings.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadConfig } from '../../lib/core/config.ts'
import {
  commandOf,
  createLeaseCmd,
  deleteLeaseCmd,
  describeHolder,
  getLeaseCmd,
  leaseName,
  leaseObject,
  leaseRefusal,
  lockState,
  microTime,
  parseLock,
  replaceLeaseCmd,
  type Holder,
  type Lock,
} from '../../lib/tools/lease.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'

const now = Date.parse('2026-05-01T12:00:00Z')
const seconds = (n: number) => n * 1000

function aHolder(overrides: Partial<Holder> = {}): Holder {
  return {
    host: 'laptop',
    machine: 'laptop boot-1 pid:[4026531836]',
    pid: 4242,
    command: 'scripts/all.mts --profile=current',
    startedAt: now - seconds(40),
    ...overrides,
  }
}

function aLock(overrides: Partial<Lock> = {}): Lock {
  return {
    holder: aHolder(),
    renewedAt: now - seconds(5),
    durationSeconds: 30,
    transitions: 0,
    resourceVersion: '17',
    ...overrides,
  }
}

/** The Lease as the API server returns it: what we wrote, with a resourceVersion. */
function stored(lease: KubeObject, resourceVersion = '17'): KubeObject {
  return { ...lease, metadata: { ...lease.metadata, resourceVersion } }
}

// leaseObject

const leaseObjectTest = suite('leaseObject')

leaseObjectTest('works: a Lease in default, named after the stack, with our mark and the holder', () => {
  const lease = leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: seconds(30), now })
  assert.equal(lease, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: 'monitoring-stack-lock-monitoring',
      namespace: 'default',
      labels: { 'monitoring-stack.workshop/lock-for': 'monitoring' },
      annotations: {
        'monitoring-stack.workshop/holder-host': 'laptop',
        'monitoring-stack.workshop/holder-machine': 'laptop boot-1 pid:[4026531836]',
        'monitoring-stack.workshop/holder-pid': '4242',
        'monitoring-stack.workshop/holder-command': 'scripts/all.mts --profile=current',
        'monitoring-stack.workshop/holder-started-at': '2026-05-01T11:59:20.000Z',
      },
    },
    spec: {
      holderIdentity: 'laptop/4242',
      leaseDurationSeconds: 30,
      acquireTime: '2026-05-01T12:00:00.000000Z',
      renewTime: '2026-05-01T12:00:00.000000Z',
      leaseTransitions: 0,
    },
  })
})

leaseObjectTest('two stacks, two locks', () => {
  const lease = (ns: string) => leaseObject({ stackNamespace: ns, holder: aHolder(), durationMs: 1000, now })
  assert.is.not(lease('monitoring').metadata.name, lease('monitoring-2').metadata.name)
  assert.is(leaseName('monitoring-2'), 'monitoring-stack-lock-monitoring-2')
})

leaseObjectTest('a renewal replaces the version read, keeps the acquire time and moves the renew time', () => {
  const first = stored(leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 30_000, now }))
  const renewal = leaseObject({
    stackNamespace: 'monitoring',
    holder: aHolder(),
    durationMs: 30_000,
    now: now + seconds(10),
    previous: first,
  })
  assert.is(renewal.metadata.resourceVersion, '17')
  assert.is(renewal.spec.acquireTime, '2026-05-01T12:00:00.000000Z')
  assert.is(renewal.spec.renewTime, '2026-05-01T12:00:10.000000Z')
  assert.is(renewal.spec.leaseTransitions, 0)
})

leaseObjectTest('a take-over replaces the version read, with a new acquire time and one more transition', () => {
  const dead = stored(leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 30_000, now }))
  const taken = leaseObject({
    stackNamespace: 'monitoring',
    holder: aHolder({ pid: 777 }),
    durationMs: 30_000,
    now: now + seconds(60),
    previous: dead,
  })
  assert.is(taken.metadata.resourceVersion, '17')
  assert.is(taken.spec.holderIdentity, 'laptop/777')
  assert.is(taken.spec.acquireTime, '2026-05-01T12:01:00.000000Z')
  assert.is(taken.spec.leaseTransitions, 1)
})

leaseObjectTest('a duration below a second is one whole second, as the API wants', () => {
  const lease = leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 400, now })
  assert.is(lease.spec.leaseDurationSeconds, 1)
})

leaseObjectTest.run()

// microTime

const microTimeTest = suite('microTime')

microTimeTest('works: six fractional digits, as metav1.MicroTime parses them', () => {
  assert.is(microTime(Date.parse('2026-05-01T12:00:00.123Z')), '2026-05-01T12:00:00.123000Z')
  assert.match(microTime(now), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
})

microTimeTest.run()

// parseLock

const parseLockTest = suite('parseLock')

parseLockTest('works: what leaseObject wrote reads back', () => {
  const lease = stored(leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 30_000, now }))
  assert.equal(parseLock(lease, 'monitoring'), {
    holder: aHolder(),
    renewedAt: now,
    durationSeconds: 30,
    transitions: 0,
    resourceVersion: '17',
  })
})

parseLockTest("a Lease without our mark, or another stack's, is not our lock", () => {
  const lease = stored(leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 30_000, now }))
  assert.is(parseLock({ ...lease, metadata: { ...lease.metadata, labels: {} } }, 'monitoring'), undefined)
  assert.is(parseLock(lease, 'monitoring-2'), undefined)
})

parseLockTest('a Lease with our mark and nothing else: no times, no holder', () => {
  const lock = parseLock(
    { metadata: { name: 'x', labels: { 'monitoring-stack.workshop/lock-for': 'monitoring' } } },
    'monitoring',
  )!
  assert.ok(Number.isNaN(lock.renewedAt))
  assert.ok(Number.isNaN(lock.holder.pid))
})

parseLockTest.run()

// lockState

const lockStateTest = suite('lockState')

const neverAsked = (): never => {
  throw new Error('asked whether a pid runs where it cannot tell')
}
const elsewhere = { machine: 'another machine', isRunning: neverAsked }
const hereWith = (running: boolean) => ({ machine: aHolder().machine, isRunning: () => running })

lockStateTest('works: renewed 5s ago, for 30s → live', () => {
  assert.equal(lockState(aLock(), now, elsewhere), { kind: 'live' })
})

for (const [name, lock, state] of [
  ['not renewed for its whole duration → expired', aLock({ renewedAt: now - seconds(30) }), 'expired'],
  ['renewed a moment within its duration → live', aLock({ renewedAt: now - seconds(29) }), 'live'],
  ['a renewal time that cannot be read → live (never taken on a guess)', aLock({ renewedAt: Number.NaN }), 'live'],
  ['a zero duration → expired', aLock({ durationSeconds: 0 }), 'expired'],
] as const) {
  lockStateTest(name, () => {
    assert.is(lockState(lock, now, elsewhere).kind, state)
  })
}

lockStateTest('expired: says how long ago', () => {
  assert.equal(lockState(aLock({ renewedAt: now - seconds(45) }), now, elsewhere), { kind: 'expired', agoMs: 15_000 })
})

lockStateTest("on the holder's own machine, its process gone → ended, without waiting for the expiry", () => {
  assert.equal(lockState(aLock(), now, hereWith(false)), { kind: 'ended' })
})

lockStateTest("on the holder's own machine, its process running → live", () => {
  assert.equal(lockState(aLock(), now, hereWith(true)), { kind: 'live' })
})

lockStateTest('a pid that cannot be read is never asked about', () => {
  const lock = aLock({ holder: aHolder({ pid: Number.NaN }) })
  assert.equal(lockState(lock, now, { machine: aHolder().machine, isRunning: neverAsked }), {
    kind: 'live',
  })
})

lockStateTest.run()

// describeHolder

const describeHolderTest = suite('describeHolder')

describeHolderTest('works: the command, the pid, the host and how long it has run', () => {
  assert.is(describeHolder(aHolder(), now), '`scripts/all.mts --profile=current` (pid 4242 on laptop, started 40s ago)')
})

describeHolderTest('a holder written by hand, with only a pid', () => {
  assert.is(
    describeHolder(aHolder({ command: '', host: '', startedAt: Number.NaN }), now),
    '`a run` (pid 4242 on an unknown host)',
  )
})

describeHolderTest.run()

// commandOf

const commandOfTest = suite('commandOf')

commandOfTest('works: `npx zx scripts/all.mts …` without node and zx, relative to where it runs', () => {
  const argv = ['/usr/bin/node', '/p/node_modules/zx/build/cli.js', '/p/scripts/all.mts', '--profile=current']
  assert.is(commandOf(argv, '/p'), 'scripts/all.mts --profile=current')
})

for (const [name, argv, command] of [
  ['tsx', ['/usr/bin/node', 'scripts/02-lgtm.mts', '--quiet'], 'scripts/02-lgtm.mts --quiet'],
  ['a script outside the folder stays absolute', ['/usr/bin/node', '/elsewhere/all.mts'], '/elsewhere/all.mts'],
  ['no script found: everything after node', ['/usr/bin/node', 'run'], 'run'],
  [
    'credentials in a URL are never stored in the cluster',
    ['/usr/bin/node', 'scripts/all.mts', '--chart-mirror=https://me:s3cret@charts.example.com'],
    'scripts/all.mts --chart-mirror=https://***@charts.example.com',
  ],
] as const) {
  commandOfTest(name, () => {
    assert.is(commandOf([...argv], '/p'), command)
  })
}

commandOfTest.run()

// the commands

const commandsTest = suite('lease commands')

const kind = { context: 'kind-kind' }

commandsTest('works: create and replace take the Lease on stdin, as JSON', () => {
  const lease = leaseObject({ stackNamespace: 'monitoring', holder: aHolder(), durationMs: 30_000, now })
  assert.equal(createLeaseCmd(kind, lease).argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'create',
    '-f',
    '-',
    '-o',
    'json',
  ])
  assert.equal(JSON.parse(createLeaseCmd(kind, lease).input!), lease)
  assert.equal(replaceLeaseCmd({}, lease).argv, ['kubectl', 'replace', '-f', '-', '-o', 'json'])
  assert.equal(JSON.parse(replaceLeaseCmd({}, lease).input!), lease)
})

commandsTest('get reads the one Lease of the stack', () => {
  assert.equal(getLeaseCmd({}, 'monitoring').argv, [
    'kubectl',
    'get',
    'leases.coordination.k8s.io',
    'monitoring-stack-lock-monitoring',
    '-n',
    'default',
    '-o',
    'json',
  ])
})

commandsTest('delete is a raw DELETE whose precondition is the version this run wrote', () => {
  const cmd = deleteLeaseCmd(kind, 'monitoring', '42')
  assert.equal(cmd.argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'delete',
    '--raw',
    '/apis/coordination.k8s.io/v1/namespaces/default/leases/monitoring-stack-lock-monitoring',
    '-f',
    '-',
  ])
  assert.equal(JSON.parse(cmd.input!), {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    preconditions: { resourceVersion: '42' },
  })
})

commandsTest.run()

// leaseRefusal

const leaseRefusalTest = suite('leaseRefusal')

for (const [stderr, refusal] of [
  [
    'Error from server (AlreadyExists): error when creating "STDIN": leases.coordination.k8s.io ' +
      '"monitoring-stack-lock-monitoring" already exists',
    'exists',
  ],
  [
    'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on ' +
      'leases.coordination.k8s.io "monitoring-stack-lock-monitoring": the object has been modified; please apply ' +
      'your changes to the latest version and try again',
    'conflict',
  ],
  [
    'Error from server (Conflict): Operation cannot be fulfilled on leases.coordination.k8s.io "x": Precondition ' +
      'failed: ResourceVersion in precondition: 9, ResourceVersion in meta: 10',
    'conflict',
  ],
  ['Error from server (NotFound): leases.coordination.k8s.io "x" not found', 'not-found'],
  [
    'Error from server (Forbidden): leases.coordination.k8s.io is forbidden: User "me" cannot create resource ' +
      '"leases" in API group "coordination.k8s.io" in the namespace "default"',
    undefined,
  ],
  ['Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused', undefined],
] as const) {
  leaseRefusalTest(`${stderr.slice(0, 60)}… → ${refusal}`, () => {
    assert.is(leaseRefusal(stderr), refusal)
  })
}

leaseRefusalTest.run()

// the lock's settings

const settingsTest = suite('lock settings')

settingsTest('works: by default a run waits, and its lock outlives it by 30s', () => {
  const config = loadConfig([], {})
  assert.is(config.failIfBusy, false)
  assert.is(config.leaseDurationMs, 30_000)
})

settingsTest('--fail-if-busy and --lease-duration, or their environment variables', () => {
  assert.is(loadConfig(['--fail-if-busy'], {}).failIfBusy, true)
  assert.is(loadConfig([], { STACK_FAIL_IF_BUSY: 'true' }).failIfBusy, true)
  assert.is(loadConfig(['--lease-duration=3s'], {}).leaseDurationMs, 3000)
  assert.is(loadConfig([], { STACK_LEASE_DURATION: '1m' }).leaseDurationMs, 60_000)
})

settingsTest('a lease duration that is not a duration is refused before anything runs', () => {
  assert.throws(() => loadConfig(['--lease-duration=soon'], {}), /--lease-duration: "soon" is not a duration/)
})

settingsTest.run()
