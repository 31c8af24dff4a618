// status matches the cluster; teardown removes exactly what we installed (CRDs and the
// namespace stay), a second teardown has nothing to do, `all` installs again cleanly, and
// --purge takes the CRDs — refused while the user's Instrumentation is in them, unless
// --purge-foreign-resources — and the namespace only once no other release lives in it.
// Another release of the user's in `monitoring` and the `ticketing` namespace are never touched.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { profiles } from '../../lib/core/stack.ts'
import {
  helm,
  kubectl,
  kubectlIn,
  kubectlJson,
  layers,
  leakedChildren,
  releases,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
} from './harness.ts'

const ours = profiles.seed.map((r) => r.name).sort()
const crdGroups = ['monitoring.coreos.com', 'cert-manager.io', 'acme.cert-manager.io', 'opentelemetry.io']

async function crdsByGroup(c: Cluster): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(crdGroups.map((g) => [g, 0]))
  for (const crd of (await kubectlJson(c, 'get', 'crds')).items) if (crd.spec.group in counts) counts[crd.spec.group]++
  return counts
}

async function exists(c: Cluster, ...args: string[]): Promise<boolean> {
  return (await kubectl(c, 'get', ...args)).exitCode === 0
}

/** A user's own small release in `monitoring`, which no teardown may touch. */
function writeUserChart(dir: string): string {
  const chart = path.join(dir, 'dashboards')
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true })
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: dashboards\nversion: 0.1.0\n')
  fs.writeFileSync(
    path.join(chart, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: my-dashboards\ndata:\n  team: payments\n',
  )
  return chart
}

for (const layer of suiteLayers) {
  const test = suite(`teardown and status, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s)
    await kubectl(c, 'create', 'namespace', 'ticketing')
    await kubectl(c, 'create', 'configmap', 'app-config', '-n', 'ticketing', '--from-literal=mode=prod')
    const run = await runScript(c, 'all.mts')
    assert.is(run.exitCode, 0, run.output)
    const mine = await helm(c, 'install', 'dashboards', writeUserChart(c.dir), '-n', 'monitoring')
    assert.is(mine.exitCode, 0, mine.stderr)
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('status --json matches the cluster: revisions, chart versions, ready/total, webhooks', async () => {
    const run = await runScript(c, 'status.mts', ['--json'])
    assert.is(run.exitCode, 0, run.output)
    const view = JSON.parse(run.stdout)
    assert.is(view.version, 1)
    const listed = await releases(c)
    for (const r of view.releases) {
      const real = listed.find((l) => l.name === r.name)!
      assert.is(`${r.chart}-${r.version}`, real.chart)
      assert.is(String(r.revision), String(real.revision))
      assert.is(r.status, real.status)
    }
    const workloads = [
      ...(await kubectlJson(c, 'get', 'deployments,statefulsets,daemonsets', '-n', 'monitoring')).items,
      ...(await kubectlJson(c, 'get', 'deployments', '-n', 'cert-manager')).items,
    ]
    assert.is(view.workloads.length, workloads.length)
    for (const w of workloads) {
      const shown = view.workloads.find((v: any) => v.kind === w.kind && v.name === w.metadata.name)
      assert.ok(shown, `${w.kind}/${w.metadata.name} missing from status`)
      const ready = w.kind === 'DaemonSet' ? w.status.numberReady : w.status.readyReplicas
      assert.is(shown.ready, ready, `${w.metadata.name} ready`)
    }
    assert.equal(
      view.webhooks.map((h: any) => [h.name, h.answering]),
      [
        ['cert-manager', true],
        ['opentelemetry-operator', true],
      ],
    )
    const table = await runScript(c, 'status.mts')
    assert.match(table.stdout, /kube-prometheus-stack\s+88\.5\.3\s+deployed/)
  })

  test('teardown without --yes off a terminal refuses, deleting nothing', async () => {
    const run = await runScript(c, 'teardown.mts')
    assert.is(run.exitCode, 2, run.output)
    assert.match(run.stderr, /--yes/)
    assert.equal((await releases(c)).map((r) => r.name).sort(), [...ours, 'dashboards'].sort())
  })

  test(
    'teardown --yes removes our releases and cert-manager; ' + "CRDs, the namespace and the user's objects stay",
    async () => {
      // what section 06 creates in the app's namespace: it lives in the operator chart's CRD
      const instrumentation = await kubectlIn(
        c,
        [
          'apiVersion: opentelemetry.io/v1alpha1',
          'kind: Instrumentation',
          'metadata: {name: ticketing, namespace: ticketing}',
          'spec: {exporter: {endpoint: "http://otel-collector.monitoring:4318"}}',
        ].join('\n'),
        'apply',
        '-f',
        '-',
      )
      assert.is(instrumentation.exitCode, 0, instrumentation.stderr)
      const crdsBefore = await crdsByGroup(c)
      const run = await runScript(c, 'teardown.mts', ['--yes'])
      assert.is(run.exitCode, 0, run.output)
      assert.equal(
        (await releases(c)).map((r) => r.name),
        ['dashboards'],
      )
      assert.ok(!(await exists(c, 'namespace', 'cert-manager')), 'cert-manager namespace left behind')
      assert.equal(
        (await kubectlJson(c, 'get', 'deployments,statefulsets,daemonsets', '-n', 'monitoring')).items.map(
          (w: any) => w.metadata.name,
        ),
        [],
      )
      assert.ok(await exists(c, 'namespace', 'monitoring'))
      assert.ok(await exists(c, 'configmap', 'my-dashboards', '-n', 'monitoring'))
      assert.ok(await exists(c, 'configmap', 'app-config', '-n', 'ticketing'))
      const crdsAfter = await crdsByGroup(c)
      for (const group of crdGroups) assert.is(crdsAfter[group], crdsBefore[group], `${group} CRDs`)
      assert.ok(crdsAfter['opentelemetry.io'] > 0, 'the operator chart installed no opentelemetry.io CRDs')
      assert.ok(
        await exists(c, 'instrumentation', 'ticketing', '-n', 'ticketing'),
        "the user's Instrumentation was deleted",
      )
      assert.equal(leakedChildren(c), [])
    },
  )

  test('a second teardown has nothing to remove and exits 0', async () => {
    const run = await runScript(c, 'teardown.mts', ['--yes'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /nothing to remove/)
  })

  test('npm run all installs again cleanly over the CRDs left behind, this time through --chart-mirror', async () => {
    const served = s.repo.requests.length
    // the same server by another name: a mirror URL the repositories were not added with
    const mirror = s.repo.url.replace('127.0.0.1', 'localhost')
    // the flag wins over the harness's own STACK_CHART_MIRROR
    const run = await runScript(c, 'all.mts', [`--chart-mirror=${mirror}`])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stdout, /All \d+ checks passed/)
    const fetched = s.repo.requests.slice(served)
    for (const repo of ['prometheus-community', 'grafana', 'open-telemetry'])
      assert.ok(
        fetched.includes(`/${repo}/index.yaml`),
        `${repo} index not fetched from the mirror: ${fetched.join(', ')}`,
      )
    const urls = JSON.parse((await helm(c, 'repo', 'list', '-o', 'json')).stdout).map((r: any) => r.url)
    for (const repo of ['prometheus-community', 'grafana', 'open-telemetry'])
      assert.ok(urls.includes(`${mirror}/${repo}`), `${repo} not pointed at the mirror: ${urls}`)
  })

  test(
    "--purge: refused while the user's Instrumentation is in the CRDs; with --purge-foreign-resources they go; " +
      'the namespace stays while another release lives in it, then goes',
    async () => {
      const crdsBefore = await crdsByGroup(c)
      const refused = await runScript(c, 'teardown.mts', ['--yes', '--purge'])
      assert.is(refused.exitCode, 1, refused.output)
      assert.match(refused.stderr, /- Instrumentation ticketing\/ticketing$/m)
      assert.match(refused.stderr, /--purge-foreign-resources/)
      assert.equal(await crdsByGroup(c), crdsBefore)
      assert.equal((await releases(c)).map((r) => r.name).sort(), [...ours, 'dashboards'].sort())

      const run = await runScript(c, 'teardown.mts', ['--yes', '--purge', '--purge-foreign-resources'])
      assert.is(run.exitCode, 0, run.output)
      assert.match(run.stderr, /namespace monitoring stays: it also holds helm release dashboards/)
      assert.equal(await crdsByGroup(c), Object.fromEntries(crdGroups.map((g) => [g, 0])))
      assert.ok(await exists(c, 'configmap', 'my-dashboards', '-n', 'monitoring'))

      assert.is((await helm(c, 'uninstall', 'dashboards', '-n', 'monitoring')).exitCode, 0)
      const last = await runScript(c, 'teardown.mts', ['--yes', '--purge'])
      assert.is(last.exitCode, 0, last.output)
      assert.ok(!(await exists(c, 'namespace', 'monitoring')), 'monitoring namespace left behind')
      assert.ok(await exists(c, 'configmap', 'app-config', '-n', 'ticketing'))
    },
  )

  test.run()
}
