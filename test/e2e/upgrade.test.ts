// An upgrade from the old pin: kube-prometheus-stack installed by helm 3 at an older chart version
// (with older CRDs), then our run with this layer's helm (helm 4 on v35: a release of helm 3 upgraded
// by helm 4). The chart's CRDs must reach the cluster before the upgrade, server-side, without a
// conflict with helm 3's field manager; a re-run at the pin makes no CRD call at all. A fresh install
// over CRDs a teardown left behind replaces them when they are older, and only then.
// The charts folder holds only the pinned 88.5.3: the "old" chart is that one repackaged as 67.8.0,
// its ServiceMonitor CRD made older (the operator version it names, and one field its schema lacks).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, YAML } from 'zx'
import { profiles } from '../../lib/core/stack.ts'
import {
  extractLayer,
  helm,
  kubectlIn,
  kubectlJson,
  layers,
  releases,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
} from './harness.ts'

const kps = profiles.seed.find((r) => r.name === 'kube-prometheus-stack')!
const OLD = '67.8.0'
const CRD = 'servicemonitors.monitoring.coreos.com'
const pipeline =
  `helm show crds prometheus-community/kube-prometheus-stack --version ${kps.version} | ` +
  'kubectl apply --server-side --force-conflicts -f -'

/** The pinned chart as `version`, its ServiceMonitor CRD as an older operator had it; returns the .tgz. */
async function olderChart(charts: string, helm: string, dir: string, version: string): Promise<string> {
  await $`tar xzf ${path.join(charts, 'prometheus-community', `${kps.chart}-${kps.version}.tgz`)} -C ${dir}`
  const file = path.join(dir, kps.chart, 'charts', 'crds', 'crds', 'crd-servicemonitors.yaml')
  const crd = YAML.parse(fs.readFileSync(file, 'utf8'))
  crd.metadata.annotations['operator.prometheus.io/version'] = '0.79.2'
  delete crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.scrapeClass
  fs.writeFileSync(file, YAML.stringify(crd))
  await $`${helm} package ${path.join(dir, kps.chart)} --version ${version} -d ${dir}`
  return path.join(dir, `${kps.chart}-${version}.tgz`)
}

/** What the cluster and the chart say of the CRD: the operator version it is for, and its schema's fields. */
const shape = (crd: any) => ({
  operator: crd.metadata.annotations['operator.prometheus.io/version'],
  versions: crd.spec.versions,
})

for (const layer of suiteLayers) {
  const test = suite(`an upgrade from the old pin: CRDs follow the chart, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster
  let dir: string
  let helm3: string
  let pinned: any
  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-upgrade-'))
    helm3 = path.join(await extractLayer('v32'), 'helm')
    const chart = path.join(s.charts, 'prometheus-community', `${kps.chart}-${kps.version}.tgz`)
    const crds = (await $`${helm3} show crds ${chart}`.quiet()).stdout
    pinned = YAML.parseAllDocuments(crds)
      .map((d) => d.toJS())
      .find((d) => d?.metadata?.name === CRD)
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  test(`installed by helm 3 at ${OLD}, with its older CRDs`, async () => {
    const ns = await runScript(c, '01-namespace.mts')
    assert.is(ns.exitCode, 0, ns.output)
    const old = await olderChart(s.charts, helm3, dir, OLD)
    // the values our run gives it on this (kind) cluster: its own file, then the kind overlay
    const values = ['grafana-values.yaml', 'flavours/kube-prometheus-stack.control-plane-monitors-off.yaml']
    const args = ['install', kps.name, old, '--namespace', 'monitoring']
    args.push(...values.flatMap((f) => ['-f', path.join(root, 'values', f)]))
    const install = await $({ env: c.env, nothrow: true, quiet: true })`${helm3} ${args}`
    assert.is(install.exitCode, 0, install.stderr)
    const crd = shape(await kubectlJson(c, 'get', 'crd', CRD))
    assert.is(crd.operator, '0.79.2')
    assert.not.equal(crd, shape(pinned))
  })

  test(`02-lgtm applies the ${kps.version} CRDs server-side first, then the upgrade goes through`, async () => {
    const order: string[] = []
    const stop = c.sim.store.onAny((e) => {
      if (e.object.metadata.name === CRD) order.push('crd')
      if (e.object.metadata.name === `sh.helm.release.v1.${kps.name}.v2`) order.push('upgrade')
    })
    const run = await runScript(c, '02-lgtm.mts').finally(stop)
    assert.is(run.exitCode, 0, run.output)
    assert.ok(run.output.includes(pipeline), run.output)
    const move = `${kps.chart} ${OLD} → ${kps.version}`
    assert.match(
      run.output,
      `applied the CRDs of ${kps.chart} ${kps.version} server-side, before the upgrade (${move})`,
    )
    // the server's refusal when a field manager's conflict is not forced
    assert.not.match(run.output, /Apply failed|conflict with/, run.output)
    assert.equal(shape(await kubectlJson(c, 'get', 'crd', CRD)), shape(pinned))
    assert.is(order.indexOf('crd') >= 0 && order.indexOf('crd') < order.indexOf('upgrade'), true, order.join(' '))
    const release = (await releases(c)).find((r) => r.name === kps.name)
    assert.equal([release?.chart, release?.status, release?.revision], [`${kps.chart}-${kps.version}`, 'deployed', '2'])
  })

  test('a re-run at the pin: no CRD step, not even a helm show', async () => {
    const before = (await kubectlJson(c, 'get', 'crd', CRD)).metadata.resourceVersion
    const run = await runScript(c, '02-lgtm.mts', ['--verbose'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.output, `unchanged ${kps.chart} ${kps.version} (revision 2)`, run.output)
    assert.not.match(run.output, /helm show crds|--server-side/)
    assert.is((await kubectlJson(c, 'get', 'crd', CRD)).metadata.resourceVersion, before)
  })

  test('new values at the pin: an upgrade, still no CRD step', async () => {
    const values = path.join(dir, 'values')
    fs.cpSync(path.join(root, 'values'), values, { recursive: true })
    fs.appendFileSync(path.join(values, 'grafana-values.yaml'), 'commonLabels:\n  upgraded-by: e2e\n')
    const run = await runScript(c, '02-lgtm.mts', ['--verbose', `--values-dir=${values}`])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.output, `upgraded ${kps.chart} ${kps.version}, values changed`, run.output)
    assert.not.match(run.output, /helm show crds|--server-side/)
  })

  test('--dry-run: the step as a line to copy, run when helm list shows another version', async () => {
    const run = await runScript(c, '02-lgtm.mts', ['--dry-run'])
    assert.is(run.exitCode, 0, run.output)
    const lines = run.stdout.split('\n').map((l) => l.trim())
    assert.ok(lines.includes(`${pipeline} ;;`), run.stdout)
    assert.ok(lines.includes(`*'"chart":"${kps.chart}-${kps.version}"'*) ;;`), run.stdout)
  })

  test('the dry run, run by bash on a release back at the old pin: the CRDs follow too', async () => {
    const old = path.join(dir, `${kps.chart}-${OLD}.tgz`)
    const back = await helm(c, 'rollback', kps.name, '1', '--namespace', 'monitoring')
    assert.is(back.exitCode, 0, back.stderr)
    const oldCrds = (await $`${helm3} show crds ${old}`.quiet()).stdout
    const reset = await kubectlIn(c, oldCrds, 'apply', '--server-side', '--force-conflicts', '-f', '-')
    assert.is(reset.exitCode, 0, reset.stderr)
    assert.not.equal(shape(await kubectlJson(c, 'get', 'crd', CRD)), shape(pinned))
    const dry = await runScript(c, '02-lgtm.mts', ['--dry-run'])
    assert.is(dry.exitCode, 0, dry.output)
    const bash = await $({ cwd: root, env: c.env, input: dry.stdout, quiet: true, nothrow: true })`bash -euo pipefail`
    assert.is(bash.exitCode, 0, bash.stderr)
    assert.equal(shape(await kubectlJson(c, 'get', 'crd', CRD)), shape(pinned))
    const release = (await releases(c)).find((r) => r.name === kps.name)
    assert.equal([release?.chart, release?.status], [`${kps.chart}-${kps.version}`, 'deployed'])
  })

  // teardown keeps CRDs, helm installs none that exist: a fresh install over older ones left behind
  const uninstallKeepingCrds = async () => {
    const out = await helm(c, 'uninstall', kps.name, '--namespace', 'monitoring', '--wait')
    assert.is(out.exitCode, 0, out.stderr)
  }

  test("a fresh install over older CRDs left in the cluster: the chart's replace them first", async () => {
    await uninstallKeepingCrds()
    const old = path.join(dir, `${kps.chart}-${OLD}.tgz`)
    const oldCrds = (await $`${helm3} show crds ${old}`.quiet()).stdout
    const reset = await kubectlIn(c, oldCrds, 'apply', '--server-side', '--force-conflicts', '-f', '-')
    assert.is(reset.exitCode, 0, reset.stderr)
    const run = await runScript(c, '02-lgtm.mts')
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.output, `applied the CRDs of ${kps.chart} ${kps.version} (${shape(pinned).operator}) server-side`)
    assert.equal(shape(await kubectlJson(c, 'get', 'crd', CRD)), shape(pinned))
  })

  test('a fresh install over CRDs of its own version: read, left as they are', async () => {
    await uninstallKeepingCrds()
    const before = (await kubectlJson(c, 'get', 'crd', CRD)).metadata.resourceVersion
    const run = await runScript(c, '02-lgtm.mts', ['--verbose'])
    assert.is(run.exitCode, 0, run.output)
    assert.not.match(run.output, /--server-side/)
    assert.is((await kubectlJson(c, 'get', 'crd', CRD)).metadata.resourceVersion, before)
  })

  test.run()
}
