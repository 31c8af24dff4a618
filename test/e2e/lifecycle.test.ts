// The user's story, for each profile (seed, current) under helm 3 (v32 layer) and helm 4 (v35
// layer): each script alone in the seed's order from an empty cluster, the report green, `all`
// again changing nothing; and `npm run all` from empty on a second cluster. Assertions read the
// cluster, not only our output.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { profiles, type ProfileName } from '../../lib/core/stack.ts'
import {
  kubectl,
  kubectlJson,
  layers,
  leakedChildren,
  releases,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  suiteProfiles,
  type Cluster,
  type Suite,
} from './harness.ts'

/** Pods by their real names: the seed's list (§5), and the current profile's. */
const expectedPods: Record<ProfileName, { exact: string[]; prefixes: string[]; absent: string[] }> = {
  seed: {
    exact: ['loki-0', 'tempo-0', 'prometheus-kube-prometheus-stack-prometheus-0'],
    prefixes: [
      'kube-prometheus-stack-operator-',
      'kube-prometheus-stack-grafana-',
      'loki-promtail-',
      'opentelemetry-operator-',
    ],
    absent: ['alloy-'],
  },
  current: {
    exact: ['loki-0', 'tempo-0', 'prometheus-kube-prometheus-stack-prometheus-0'],
    prefixes: [
      'kube-prometheus-stack-operator-',
      'kube-prometheus-stack-grafana-',
      'alloy-',
      'opentelemetry-operator-',
    ],
    absent: ['loki-promtail-', 'loki-canary-', 'loki-gateway-', 'loki-chunks-cache-'],
  },
}

for (const [layer, profile] of suiteLayers.flatMap((l) => suiteProfiles.map((p) => [l, p] as const))) {
  const pinned = profiles[profile].map((r) => [r.name, 'deployed', `${r.chart}-${r.version}`])
  const test = suite(`lifecycle, --profile ${profile}, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s, { stackProfile: profile })
    await kubectl(c, 'create', 'namespace', 'ticketing')
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('each script alone, in the seed order, installs the stack', async () => {
    for (const script of ['01-namespace.mts', '02-lgtm.mts', '03-cert-manager.mts', '04-otel-operator.mts']) {
      const run = await runScript(c, script)
      assert.is(run.exitCode, 0, `${script} failed:\n${run.output}`)
      assert.equal(leakedChildren(c), [], `${script} left children running`)
    }
    const installed = (await releases(c)).map((r) => [r.name, r.status, r.chart]).sort()
    assert.equal(installed, [...pinned].sort())
    const pods = (await kubectlJson(c, 'get', 'pods', '-n', 'monitoring')).items.map((p: any) => p.metadata.name)
    const want = expectedPods[profile]
    for (const name of want.exact) assert.ok(pods.includes(name), `${name} in ${pods.join(', ')}`)
    for (const prefix of want.prefixes)
      assert.ok(
        pods.some((p: string) => p.startsWith(prefix)),
        `a pod named ${prefix}… in ${pods.join(', ')}`,
      )
    for (const prefix of want.absent)
      assert.not.ok(
        pods.some((p: string) => p.startsWith(prefix)),
        `no pod named ${prefix}… in ${pods.join(', ')}`,
      )
    // the services the next workshop section sends telemetry to, by name and port, in both profiles
    const services = (await kubectlJson(c, 'get', 'services', '-n', 'monitoring')).items
    const port = (name: string, p: number) =>
      services.some((svc: any) => svc.metadata.name === name && svc.spec.ports.some((x: any) => x.port === p))
    assert.ok(port('loki', 3100), 'service loki:3100')
    assert.ok(port('tempo', 3200), 'service tempo:3200')
    const certManager = await kubectlJson(c, 'get', 'deployments', '-n', 'cert-manager')
    assert.equal(certManager.items.map((d: any) => [d.metadata.name, d.status.availableReplicas]).sort(), [
      ['cert-manager', 1],
      ['cert-manager-cainjector', 1],
      ['cert-manager-webhook', 1],
    ])
  })

  test('05-verify reports every checkpoint green, as a table and as JSON', async () => {
    const table = await runScript(c, '05-verify.mts')
    assert.is(table.exitCode, 0, table.output)
    assert.match(table.stdout, /All \d+ checks passed/)
    assert.not.match(table.stdout, /❌/)
    const json = await runScript(c, '05-verify.mts', ['--json'])
    const report = JSON.parse(json.stdout)
    assert.is(report.version, 1)
    assert.is(report.ok, true, `failed: ${JSON.stringify(report.checks.filter((c: any) => !c.ok))}`)
    assert.ok(report.checks.length >= 15, `${report.checks.length} checks`)
  })

  test('npm run all on the converged cluster is a status check: no new revision, nothing applied', async () => {
    const before = await releases(c)
    const generations = await workloadGenerations(c)
    const served = s.repo.requests.length
    const run = await runScript(c, 'all.mts')
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /nothing to do/)
    // the local indexes already hold every pinned version: no `helm repo update` download
    assert.equal(s.repo.requests.slice(served), [])
    assert.equal(
      (await releases(c)).map((r) => [r.name, r.revision]),
      before.map((r) => [r.name, r.revision]),
    )
    assert.equal(await workloadGenerations(c), generations)
    assert.equal(leakedChildren(c), [])
  })

  test('npm run all on an empty cluster installs everything and ends with a green report', async () => {
    const fresh = await startCluster(s, { stackProfile: profile })
    try {
      await kubectl(fresh, 'create', 'namespace', 'ticketing')
      const run = await runScript(fresh, 'all.mts')
      assert.is(run.exitCode, 0, run.output)
      assert.match(run.stdout, /All \d+ checks passed/)
      assert.equal((await releases(fresh)).map((r) => [r.name, r.status, r.chart]).sort(), [...pinned].sort())
      assert.match(run.stderr, /^ {2}npm run grafana {3}/m)
    } finally {
      await fresh.stop()
    }
  })

  test.run()
}

/** Every workload's generation: it moves only when something re-applied its spec. */
async function workloadGenerations(c: Cluster): Promise<string[]> {
  const lists = await Promise.all(
    ['monitoring', 'cert-manager'].map((ns) => kubectlJson(c, 'get', 'deployments,statefulsets,daemonsets', '-n', ns)),
  )
  return lists.flatMap((l) => l.items.map((o: any) => `${o.kind}/${o.metadata.name}@${o.metadata.generation}`)).sort()
}
