// `npm run all` stopped at 11 distinct points — SIGINT to the script (as
// `kill -INT`; it must end its helm/kubectl children itself) or SIGKILL to the script and every
// child (a closed laptop) — then run again. Each time the next run converges to a green report,
// nothing is left pending-*, no child outlives the script, and a release left pending or failed
// is healed with the report saying so. Slow API answers and slow pods hold each point open long
// enough to be hit; they are cleared before the next run. Then the signals that are easy to get
// wrong: SIGHUP to the script alone (its kubectl watches must end too), SIGTERM to the
// `npm run` in front of it (the script must not finish the install in the background), SIGINT to the
// whole process group (helm ended by it too), SIGHUP to it (a closed terminal: helm dies of it at once,
// and the run marks the release it left pending, so the next run heals it without waiting out
// --timeout); signals.test.ts tries them all at random instants.
// A run ended by a signal releases its lock on the way out: the next run need not wait for it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  kubectl,
  layers,
  leakedChildren,
  releases,
  runScript,
  startCluster,
  startScript,
  startSuite,
  suiteLayers,
  valuesCopy,
  until,
  type Cluster,
  type Suite,
} from '../e2e/harness.ts'
import { leaseOf } from './lock.ts'
import { startNpm, type Target } from './npm.ts'

interface KillPoint {
  name: string
  signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL'
  /** where the signal goes (default: the script alone; SIGKILL: its whole process group) */
  to?: Target
  /** install the stack first (a point inside an upgrade) */
  converged?: boolean
  /** values dir for the interrupted run (an upgrade needs a change) */
  changeValues?: boolean
  /** slow the cluster or the repository down so the point lasts long enough to be hit */
  hold(c: Cluster): void
  reached(c: Cluster, since: number): boolean
  /** a release the next run must say it healed (left pending by a SIGKILL) */
  heals?: string
  /** the interrupted run marked it ended (its helm died with it): healed at once, without waiting out --timeout */
  healsAtOnce?: boolean
  /** one of the points `npm test` runs (FAULTS=quick); `npm run test:faults` runs them all */
  quick?: boolean
}

const exitCodes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143, SIGKILL: 137 }
const slowServices = (c: Cluster) =>
  c.sim.faults.http.slow({ ms: 1500, path: /\/namespaces\/monitoring\/services/, verbs: ['create', 'patch', 'update'] })
const helmRecord = (c: Cluster, release: string, statuses: string[]) =>
  c.sim.store
    .list({ group: '', resource: 'secrets' }, 'monitoring')
    .items.some(
      (s) =>
        s.metadata.labels?.owner === 'helm' &&
        s.metadata.labels?.name === release &&
        statuses.includes(s.metadata.labels?.status ?? ''),
    )
const indexFetched = (c: Cluster, since: number) =>
  c.suite.repo.requests.slice(since).some((p) => p.endsWith('/index.yaml'))
const exists = (c: Cluster, ns: string, name: string) =>
  Boolean(c.sim.store.get({ group: 'apps', resource: 'deployments' }, ns, name))

const points: KillPoint[] = [
  {
    name: 'during the repository update',
    signal: 'SIGINT',
    hold: (c) => c.suite.repo.delay(3000),
    reached: indexFetched,
  },
  {
    name: 'during the repository update',
    signal: 'SIGKILL',
    hold: (c) => c.suite.repo.delay(3000),
    reached: indexFetched,
  },
  {
    name: 'inside the kube-prometheus-stack install',
    signal: 'SIGINT',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'kube-prometheus-stack', ['pending-install']),
  },
  {
    name: 'inside the kube-prometheus-stack install',
    signal: 'SIGKILL',
    quick: true,
    hold: slowServices,
    reached: (c) => helmRecord(c, 'kube-prometheus-stack', ['pending-install']),
    heals: 'kube-prometheus-stack',
  },
  {
    name: 'inside the loki install',
    signal: 'SIGKILL',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'loki', ['pending-install']),
    heals: 'loki',
  },
  {
    name: 'inside the tempo install',
    signal: 'SIGINT',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'tempo', ['pending-install']),
  },
  {
    name: 'during the cert-manager wait',
    signal: 'SIGINT',
    quick: true,
    hold: (c) => c.sim.faults.pods.set('^cert-manager-webhook-', { kind: 'delay', ms: 5000 }),
    reached: (c) => exists(c, 'cert-manager', 'cert-manager-webhook'),
  },
  {
    name: 'during the cert-manager wait',
    signal: 'SIGKILL',
    hold: (c) => c.sim.faults.pods.set('^cert-manager-webhook-', { kind: 'delay', ms: 5000 }),
    reached: (c) => exists(c, 'cert-manager', 'cert-manager-webhook'),
  },
  {
    name: 'inside the operator install',
    signal: 'SIGINT',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'opentelemetry-operator', ['pending-install']),
  },
  {
    name: 'inside the operator install',
    signal: 'SIGKILL',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'opentelemetry-operator', ['pending-install']),
    heals: 'opentelemetry-operator',
  },
  {
    name: 'during the cert-manager wait',
    signal: 'SIGHUP',
    hold: (c) => c.sim.faults.pods.set('^cert-manager-webhook-', { kind: 'delay', ms: 5000 }),
    reached: (c) => exists(c, 'cert-manager', 'cert-manager-webhook'),
  },
  {
    name: 'inside the kube-prometheus-stack install',
    signal: 'SIGTERM',
    to: 'npm',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'kube-prometheus-stack', ['pending-install']),
  },
  {
    name: 'inside the tempo install',
    signal: 'SIGINT',
    to: 'group',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'tempo', ['pending-install']),
  },
  {
    // a closed terminal: helm gets the hang-up too, and dies of it at once, its release pending-install
    name: 'inside the loki install',
    signal: 'SIGHUP',
    to: 'group',
    hold: slowServices,
    reached: (c) => helmRecord(c, 'loki', ['pending-install']),
    heals: 'loki',
    healsAtOnce: true,
  },
  {
    name: 'inside a kube-prometheus-stack upgrade',
    signal: 'SIGKILL',
    converged: true,
    changeValues: true,
    // the change is to Grafana's admin Secret: helm 3 patches only what changed, helm 4 applies everything
    hold: (c) =>
      c.sim.faults.http.slow({
        ms: 2000,
        path: /\/namespaces\/monitoring\/(secrets|configmaps)\/kube-prometheus-stack-grafana/,
        verbs: ['patch', 'update'],
      }),
    reached: (c) => helmRecord(c, 'kube-prometheus-stack', ['pending-upgrade']),
    heals: 'kube-prometheus-stack',
  },
]

/** A copy of values/ with one change, so kube-prometheus-stack has something to upgrade. */
const changedValues = (dir: string) =>
  valuesCopy(dir, 'values-changed', 'grafana-values.yaml', (v) => {
    v.grafana.adminUser = 'workshop'
  })

for (const layer of suiteLayers) {
  const test = suite(`interrupted runs, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  for (const point of points.filter((p) => p.quick || process.env.FAULTS !== 'quick')) {
    const to = point.to ?? (point.signal === 'SIGKILL' ? 'group' : 'script')
    const where = to === 'script' ? '' : to === 'group' ? ' to the process group' : ' to npm'
    test(`${point.signal}${where} ${point.name}: the next run converges`, async () => {
      const c = await startCluster(s)
      try {
        await kubectl(c, 'create', 'namespace', 'ticketing')
        const env = point.changeValues ? { STACK_VALUES_DIR: changedValues(c.dir) } : {}
        if (point.converged) assert.is((await runScript(c, 'all.mts')).exitCode, 0)
        const since = s.repo.requests.length
        point.hold(c)
        const running = to === 'npm' ? startNpm(c, 'all', [], env) : startScript(c, 'all.mts', [], { env })
        await until(point.name, () => point.reached(c, since), 120_000)
        await new Promise((r) => setTimeout(r, 200))
        if ('ended' in running) await running.signal(point.signal, to)
        else running.signal(point.signal, { group: to === 'group' })
        const stopped = await running.done
        c.sim.faults.http.clear()
        c.sim.faults.pods.clear()
        s.repo.delay(0)

        assert.is(stopped.exitCode, exitCodes[point.signal], stopped.output)
        if (point.signal !== 'SIGKILL') {
          const said = to === 'npm' ? 'SIGHUP: the process that started this script is gone' : point.signal
          assert.ok(stopped.stderr.includes(`\nInterrupted (${said})`), stopped.stderr)
          assert.match(stopped.stderr, /run the same command again to resume\.\n$/)
          assert.not.match(stopped.output, /Unexpected error|Too late to kill|\n\s+at \S.*:\d+:\d+/)
          // a helm or kubectl the signal ended (the group's, or ours) is no failure of its step
          assert.not.match(stopped.stderr, /^✗ /m)
          // its lock went with it: the next run need not wait for it to expire
          assert.is(leaseOf(c), undefined, 'the interrupted run left its lock')
        }
        await until('the interrupted children to end', () => leakedChildren(c).length === 0, 15_000).catch(() =>
          assert.equal(leakedChildren(c), [], 'children outlived the script'),
        )

        // a release a SIGKILL left pending-* is healed once its last change is older than --timeout (a helm
        // elsewhere might still be running it): a short one keeps these cases short
        const again = await runScript(c, 'all.mts', [], { env: { ...env, STACK_TIMEOUT: '20s' } })
        assert.is(again.exitCode, 0, again.output)
        assert.match(again.stdout, /All \d+ checks passed/)
        if (point.heals) assert.match(again.stderr, new RegExp(`${point.heals}: .*(pending|failed).*healing it first`))
        if (point.healsAtOnce) {
          assert.match(again.stderr, new RegExp(`${point.heals}: .*the helm that wrote it has ended`))
          assert.not.match(again.stderr, /may still be running on it/)
        }
        const left = (await releases(c)).filter((r) => r.status !== 'deployed')
        assert.equal(left, [], 'a release left not deployed')
      } finally {
        s.repo.delay(0)
        await c.stop()
      }
    })
  }

  test.run()
}
