// one run at a time per cluster and stack: two `npm run all` started together
// (one waits, saying who holds the lock; each release installed once); --fail-if-busy (stops at
// once, naming the holder, nothing changed; verify and the dry run take no lock); Ctrl-C while
// waiting; a release left pending-install by a helm still running (waited for, never uninstalled
// under it, by an install or a teardown); the lock of a killed run, followed at once on its own machine and after its expiry
// from another. Leases are short here (--lease-duration 5s), so no case sleeps long.
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { leaseObject, LOCK_LABEL, microTime } from '../../lib/tools/lease.ts'
import { profiles } from '../../lib/core/stack.ts'
import {
  helm,
  kubectl,
  kubectlIn,
  layers,
  leakedChildren,
  releases,
  root,
  runScript,
  startCluster,
  startScript,
  startSuite,
  suiteLayers,
  until,
  type Cluster,
  type Suite,
} from '../e2e/harness.ts'
import { leaseOf, lockName } from './lock.ts'

const SECRETS = { group: '', resource: 'secrets' }
/** a lease far shorter than a run: only renewals keep it */
const short = { STACK_LEASE_DURATION: '5s' }

/** helm's record of a release revision: the same uid from start to end means it was never uninstalled under helm */
const helmRecord = (c: Cluster, release: string, revision = 1) =>
  c.sim.store.get(SECRETS, 'monitoring', `sh.helm.release.v1.${release}.v${revision}`)

/** A lock held by a run on another machine, renewed just now: live for `durationSeconds`. */
async function lockFromElsewhere(c: Cluster, durationSeconds = 600): Promise<void> {
  const lease = leaseObject({
    stackNamespace: 'monitoring',
    holder: {
      host: 'other-laptop',
      machine: 'other-laptop boot-2',
      pid: 4242,
      command: 'scripts/all.mts --profile=seed',
      startedAt: Date.now() - 60_000,
    },
    durationMs: durationSeconds * 1000,
    now: Date.now(),
  })
  const out = await kubectlIn(c, JSON.stringify(lease), 'create', '-f', '-')
  assert.is(out.exitCode, 0, out.stderr)
}

const heldElsewhere = new RegExp(
  'another run is changing stack monitoring: ' +
    /`scripts\/all\.mts --profile=seed` \(pid 4242 on other-laptop, started \d+m\d*s? ago\)/.source,
)

for (const layer of suiteLayers) {
  const test = suite(`one run at a time, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  // npm test (FAULTS=quick) runs the two the users met: two runs together, and --fail-if-busy
  const full = (name: string, run: () => Promise<void>) => {
    if (process.env.FAULTS !== 'quick') test(name, run)
  }

  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  async function withCluster(fn: (c: Cluster) => Promise<void>) {
    const c = await startCluster(s)
    try {
      await kubectl(c, 'create', 'namespace', 'ticketing')
      await fn(c)
    } finally {
      s.repo.delay(0)
      await c.stop()
    }
  }

  test('two `npm run all` together: one waits, naming the other; each release installed once', () =>
    withCluster(async (c) => {
      // a 3 s lease on runs of several seconds: the first keeps it only by renewing it
      const [a, b] = [startScript(c, 'all.mts', [], { env: short }), startScript(c, 'all.mts', [], { env: short })]
      const runs = await Promise.all([a.done, b.done])
      for (const run of runs) {
        assert.is(run.exitCode, 0, run.output)
        assert.not.match(run.output, /already exists/)
        assert.not.match(run.output, /took over the lock/)
        assert.match(run.stdout, /All \d+ checks passed/)
      }
      const waited = runs.filter((r) => /waiting for it to end/.test(r.stderr))
      assert.is(waited.length, 1, runs.map((r) => r.stderr).join('\n-----\n'))
      const [waiter] = waited
      const holder = waiter === runs[0] ? b : a
      assert.match(
        waiter.stderr,
        new RegExp(`another run is changing stack monitoring: \`scripts/all\\.mts\` \\(pid ${holder.pid} on `),
      )
      assert.match(
        waiter.stderr,
        /… Waiting ≤ 1m30s for the lock on stack monitoring\n(.*\n)*✓ lock on stack monitoring taken \(/,
      )
      // the second run's summary says what it did: nothing, every step green
      assert.match(waiter.stderr, /nothing to do: everything was already in place/)
      assert.not.match(waiter.stderr, /✗/)
      assert.equal(
        (await releases(c)).map((r) => [r.name, r.revision, r.status]),
        profiles.seed.map((r) => [r.name, '1', 'deployed']).sort(),
      )
      assert.is(leaseOf(c), undefined, 'the lock is released at the end')
    }))

  test('--fail-if-busy: stops at once naming the holder, nothing changed; verify and a dry run take no lock', () =>
    withCluster(async (c) => {
      await lockFromElsewhere(c)
      const version = leaseOf(c)!.metadata.resourceVersion
      const all = await runScript(c, 'all.mts', ['--fail-if-busy'])
      assert.is(all.exitCode, 1, all.output)
      assert.match(all.stderr, heldElsewhere)
      assert.match(all.stderr, /lease default\/monitoring-stack-lock-monitoring\); nothing done/)
      assert.match(all.stderr, /without --fail-if-busy to wait for it/)
      assert.not.match(all.stderr, /Waiting/)
      const teardown = await runScript(c, 'teardown.mts', ['--yes', '--fail-if-busy'])
      assert.is(teardown.exitCode, 1, teardown.output)
      assert.match(teardown.stderr, heldElsewhere)
      // read-only: it reports at once, saying a run is changing the stack
      const verify = await runScript(c, '05-verify.mts')
      assert.is(verify.exitCode, 1, verify.output)
      assert.match(verify.stderr, /`scripts\/all\.mts --profile=seed` \(pid 4242 on other-laptop, .*\) is changing/)
      assert.not.match(verify.stderr, /Waiting ≤ \S+ for the lock/)
      const dryRun = await runScript(c, 'all.mts', ['--dry-run'])
      assert.is(dryRun.exitCode, 0, dryRun.output)
      // nothing changed: no namespace, no release, the lock as it was
      assert.is((await kubectl(c, 'get', 'namespace', 'monitoring')).exitCode, 1)
      assert.equal(await releases(c, 'monitoring').catch(() => []), [])
      assert.is(leaseOf(c)!.metadata.resourceVersion, version)
    }))

  full('Ctrl-C while waiting for the lock: exit 130, nothing started, the lock left to its holder', () =>
    withCluster(async (c) => {
      await lockFromElsewhere(c)
      const version = leaseOf(c)!.metadata.resourceVersion
      const waiting = startScript(c, 'all.mts')
      await until('the run to wait for the lock', () => /Waiting ≤ 1m30s for the lock/.test(waiting.output()))
      waiting.signal('SIGINT')
      const run = await waiting.done
      assert.is(run.exitCode, 130, run.output)
      assert.match(run.stderr, /Interrupted \(SIGINT\)/)
      assert.not.match(run.output, /✗|Unexpected error/)
      assert.equal(leakedChildren(c), [])
      assert.is(leaseOf(c)!.metadata.resourceVersion, version)
      assert.is((await kubectl(c, 'get', 'namespace', 'monitoring')).exitCode, 1)
    }),
  )

  full('a release pending-install under a helm still running is waited for, never uninstalled, nor torn down', () =>
    withCluster(async (c) => {
      assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
      const kps = profiles.seed.find((r) => r.name === 'kube-prometheus-stack')!
      const repo = `${s.repo.url}/${kps.repo}`
      assert.is((await helm(c, 'repo', 'add', kps.repo, repo)).exitCode, 0)
      // the user's own helm install in another terminal, held in its pre-install hook
      c.sim.faults.pods.set('^kube-prometheus-stack-admission-create-', { kind: 'imagePull' })
      const values = path.join(root, 'values', kps.valuesFiles[0])
      const userHelm = helm(
        c,
        'install',
        kps.name,
        `${kps.repo}/${kps.chart}`,
        '--version',
        kps.version,
        '-n',
        'monitoring',
        '-f',
        values,
        // the simulated cluster reads as kind: the same overlay our run adds, so it finds the values it wants
        '-f',
        path.join(root, 'values', 'flavours', 'kube-prometheus-stack.control-plane-monitors-off.yaml'),
        '--timeout',
        '5m',
      )
      await until(
        'their install to be pending',
        () => helmRecord(c, kps.name)?.metadata.labels?.status === 'pending-install',
      )
      const record = helmRecord(c, kps.name)!.metadata.uid

      const busy = await runScript(c, '02-lgtm.mts', ['--fail-if-busy'])
      assert.is(busy.exitCode, 1, busy.output)
      assert.match(
        busy.stderr,
        new RegExp(
          /kube-prometheus-stack: release is pending-install \(revision 1\), last changed \S+ ago: /.source +
            /a helm operation may still be running on it; .* nothing done/.source,
        ),
      )

      // teardown follows the same rule: it uninstalls nothing a helm may still be at work on
      const teardown = await runScript(c, 'teardown.mts', ['--yes', '--fail-if-busy'])
      assert.is(teardown.exitCode, 1, teardown.output)
      assert.match(
        teardown.stderr,
        new RegExp(
          /kube-prometheus-stack: release is pending-install \(revision 1\), last changed \S+ ago: /.source +
            /a helm operation may still be running on it; it is uninstalled only once .* nothing done/.source,
        ),
      )
      assert.is(helmRecord(c, kps.name)?.metadata.uid, record, 'their release was uninstalled under their helm')

      const ours = startScript(c, '02-lgtm.mts')
      await until('our run to wait for their helm', () =>
        /kube-prometheus-stack: release is pending-install .*; waiting for it/.test(ours.output()),
      )
      c.sim.faults.pods.clear()
      const their = await userHelm
      assert.is(their.exitCode, 0, their.stderr)
      const run = await ours.done
      assert.is(run.exitCode, 0, run.output)
      assert.not.match(run.stderr, /kube-prometheus-stack: .*healing it first/)
      assert.match(run.stderr, /§2\.2 kube-prometheus-stack │ ✓ unchanged kube-prometheus-stack \S+ \(revision 1\)/)
      assert.is(helmRecord(c, kps.name)!.metadata.uid, record, 'their release was uninstalled under their helm')
      assert.equal(
        (await releases(c)).map((r) => [r.name, r.revision, r.status]),
        [
          ['kube-prometheus-stack', '1', 'deployed'],
          ['loki', '1', 'deployed'],
          ['tempo', '1', 'deployed'],
        ],
      )
    }),
  )

  full('the lock of a killed run: followed at once on its own machine', () =>
    withCluster(async (c) => {
      s.repo.delay(3000)
      const killed = startScript(c, 'all.mts', [], { env: short })
      await until('the run to hold the lock', () => leaseOf(c) && s.repo.requests.some((p) => p.endsWith('index.yaml')))
      killed.signal('SIGKILL', { group: true })
      await killed.done
      s.repo.delay(0)
      const next = await runScript(c, 'all.mts', [], { env: short })
      assert.is(next.exitCode, 0, next.output)
      assert.match(
        next.stderr,
        new RegExp(
          `took over the lock on stack monitoring from \`scripts/all\\.mts\` \\(pid ${killed.pid} on .*\\): ` +
            'its process has ended',
        ),
      )
      assert.not.match(next.stderr, /waiting for it to end/)
      assert.match(next.stdout, /All \d+ checks passed/)
    }),
  )

  full('the lock of a run killed on another machine: taken over once it expires', () =>
    withCluster(async (c) => {
      s.repo.delay(3000)
      const killed = startScript(c, 'all.mts', [], { env: short })
      await until('the run to hold the lock', () => leaseOf(c) && s.repo.requests.some((p) => p.endsWith('index.yaml')))
      killed.signal('SIGKILL', { group: true })
      await killed.done
      s.repo.delay(0)
      // as if it ran on another machine (a pid here says nothing of a process there) and renewed its
      // 10 s lease just before it died: the next run, started at once, finds it live
      const lastRenewal = {
        metadata: { annotations: { 'monitoring-stack.workshop/holder-machine': 'another machine' } },
        spec: { renewTime: microTime(Date.now()), leaseDurationSeconds: 10 },
      }
      const moved = await kubectl(
        c,
        ...['patch', 'lease', lockName, '-n', 'default', '--type=merge', '-p', JSON.stringify(lastRenewal)],
      )
      assert.is(moved.exitCode, 0, moved.stderr)
      assert.is(leaseOf(c)!.metadata.labels?.[LOCK_LABEL], 'monitoring')
      const next = await runScript(c, 'all.mts', [], { env: short })
      assert.is(next.exitCode, 0, next.output)
      const held = new RegExp(`\`scripts/all\\.mts\` \\(pid ${killed.pid} on [^,]+, started \\S+ ago\\)`)
      assert.match(next.stderr, new RegExp(`another run is changing stack monitoring: ${held.source}`))
      assert.match(
        next.stderr,
        new RegExp(`took over the lock on stack monitoring from ${held.source}: its lease expired`),
      )
      assert.match(next.stdout, /All \d+ checks passed/)
      assert.is(leaseOf(c), undefined)
    }),
  )

  test.run()
}
