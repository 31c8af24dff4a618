// the report fails with the right ❌ and a useful detail when the cluster
// is not what the seed wants, and a values change is rolled out by a re-run. One installed
// cluster, broken and mended step by step.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { releaseNamed, loadConfig } from '../../lib/core/config.ts'
import {
  helm,
  kubectl,
  kubectlIn,
  releases,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  suiteProfiles,
  layers,
  type Cluster,
  type Suite,
} from './harness.ts'

interface Check {
  id: string
  ok: boolean
  detail: string
}

for (const [layer, profile] of suiteLayers.flatMap((l) => suiteProfiles.map((p) => [l, p] as const))) {
  const test = suite(
    `the report catches what is wrong, --profile ${profile}, ${layer} (helm ${layers[layer].helmMajor})`,
  )
  let s: Suite
  let c: Cluster
  let valuesDir: string

  async function report(
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ exitCode: number | null; checks: Record<string, Check> }> {
    const run = await runScript(c, '05-verify.mts', ['--json'], { env })
    const parsed = JSON.parse(run.stdout)
    return { exitCode: run.exitCode, checks: Object.fromEntries(parsed.checks.map((k: Check) => [k.id, k])) }
  }

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s, { stackProfile: profile })
    await kubectl(c, 'create', 'namespace', 'ticketing')
    const run = await runScript(c, 'all.mts')
    assert.is(run.exitCode, 0, run.output)
    valuesDir = path.join(c.dir, 'values')
    fs.cpSync(path.join(root, 'values'), valuesDir, { recursive: true })
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test("a second stack's namespace: the operator webhook of the first one does not count as its own", async () => {
    // nothing is installed in observability; the operator of monitoring answers the same dry run there
    await kubectl(c, 'create', 'namespace', 'observability')
    const { exitCode, checks } = await report({ STACK_NAMESPACE: 'observability' })
    await kubectl(c, 'delete', 'namespace', 'observability')
    assert.is(exitCode, 1)
    assert.is(checks['webhook/operator'].ok, false)
    assert.match(checks['webhook/operator'].detail, /observability\/opentelemetry-operator-webhook/)
    assert.is((await report()).checks['webhook/operator'].ok, true)
  })

  test('a pod kept unready: ❌ for its workload with the pod and the reason', async () => {
    c.sim.faults.pods.set('^tempo-0$', { kind: 'neverReady' })
    await kubectl(c, 'delete', 'pod', 'tempo-0', '-n', 'monitoring', '--wait=true')
    await kubectl(c, 'wait', '--for=create', 'pod/tempo-0', '-n', 'monitoring', '--timeout=20s')
    const { exitCode, checks } = await report()
    assert.is(exitCode, 1)
    assert.is(checks['workload/tempo'].ok, false)
    assert.match(checks['workload/tempo'].detail, /statefulset\/tempo 0\/1 ready/)
    assert.is(checks['workload/loki'].ok, true, 'a healthy workload stays green')
    c.sim.faults.pods.clear('^tempo-0$')
    await kubectl(c, 'rollout', 'status', 'statefulset/tempo', '-n', 'monitoring', '--timeout=30s')
    assert.is((await report()).exitCode, 0)
  })

  test('a values change (Tempo URL) is rolled out by a re-run, and the report shows it', async () => {
    const file = path.join(valuesDir, 'grafana-values.yaml')
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('http://tempo.monitoring.svc.cluster.local:3200', 'http://tempo.elsewhere.svc.cluster.local:3200'),
    )
    const revision = (await releases(c)).find((r) => r.name === 'kube-prometheus-stack')!.revision
    const run = await runScript(c, '02-lgtm.mts', [], { env: { STACK_VALUES_DIR: valuesDir } })
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /values changed/)
    assert.is(
      (await releases(c)).find((r) => r.name === 'kube-prometheus-stack')!.revision,
      String(Number(revision) + 1),
    )
    const { exitCode, checks } = await report({ STACK_VALUES_DIR: valuesDir })
    assert.is(exitCode, 1)
    assert.is(checks['datasource/tempo'].ok, false)
    assert.match(
      checks['datasource/tempo'].detail,
      /^→ service tempo in namespace elsewhere: not found; want service tempo:3200 in namespace monitoring /,
    )
  })

  test('a missing datasource: ❌ naming it and the values key to fix', async () => {
    const file = path.join(valuesDir, 'grafana-values.yaml')
    const doc = fs.readFileSync(path.join(root, 'values', 'grafana-values.yaml'), 'utf8')
    fs.writeFileSync(file, doc.slice(0, doc.indexOf('    - name: Tempo')))
    assert.is((await runScript(c, '02-lgtm.mts', [], { env: { STACK_VALUES_DIR: valuesDir } })).exitCode, 0)
    const { checks } = await report()
    assert.is(checks['datasource/tempo'].ok, false)
    assert.match(checks['datasource/tempo'].detail, /missing/)
    assert.is(checks['datasource/loki'].ok, true)
  })

  if (profile === 'current')
    test(
      'a second default datasource from another release: ' + '❌ one default, ❌ unique names, naming the ConfigMap',
      async () => {
        assert.is((await runScript(c, '02-lgtm.mts')).exitCode, 0, 'back to our own values first')
        const configMap =
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-datasources\n  namespace: monitoring\n' +
          '  labels:\n    grafana_datasource: "1"\ndata:\n  team.yaml: |\n    apiVersion: 1\n    datasources:\n' +
          '    - name: Loki\n      type: loki\n      url: http://loki.team.svc:3100\n      isDefault: true\n'
        assert.is((await kubectlIn(c, configMap, 'apply', '-f', '-')).exitCode, 0)
        const { exitCode, checks } = await report()
        assert.is(exitCode, 1)
        assert.match(checks['datasource/one-default'].detail, /2 defaults: .*configmap\/team-datasources/)
        assert.match(checks['datasource/unique-names'].detail, /"Loki" 2×.*configmap\/team-datasources/)
        await kubectl(c, 'delete', 'configmap', 'team-datasources', '-n', 'monitoring')
        assert.is((await report()).exitCode, 0)
      },
    )

  if (profile === 'seed')
    test(
      'a second default datasource from another release: ' + '❌ one default, ❌ unique names; a re-run mends it',
      async () => {
        const loki = releaseNamed(loadConfig([]), 'loki')
        const up = await helm(
          c,
          'upgrade',
          'loki',
          'grafana/loki-stack',
          '-n',
          'monitoring',
          '--version',
          loki.version,
          '--reuse-values',
          '--set',
          'grafana.sidecar.datasources.enabled=true',
          '--set',
          'loki.isDefault=true',
        )
        assert.is(up.exitCode, 0, up.stderr)
        const { checks } = await report()
        assert.is(checks['datasource/one-default'].ok, false)
        assert.match(
          checks['datasource/one-default'].detail,
          /2 defaults: .*Prometheus.*Loki|2 defaults: .*Loki.*Prometheus/,
        )
        assert.is(checks['datasource/unique-names'].ok, false)
        assert.match(checks['datasource/unique-names'].detail, /"Loki" 2×/)

        const mend = await runScript(c, '02-lgtm.mts')
        assert.is(mend.exitCode, 0, mend.output)
        const after = await report()
        assert.is(after.exitCode, 0, JSON.stringify(Object.values(after.checks).filter((k) => !k.ok)))
      },
    )

  test.run()
}
