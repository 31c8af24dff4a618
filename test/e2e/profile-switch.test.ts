// switching a cluster from --profile seed to current and back with a re-run. The
// other profile's releases are replaced or removed, the output says so, the report is green, and
// two log shippers (promtail and Alloy) never end up side by side.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { profiles, type ProfileName } from '../../lib/core/stack.ts'
import {
  kubectl,
  kubectlJson,
  layers,
  releases,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
} from './harness.ts'

async function logShippers(c: Cluster): Promise<string[]> {
  return (await kubectlJson(c, 'get', 'daemonsets', '-n', 'monitoring')).items
    .map((d: any) => d.metadata.name)
    .filter((n: string) => n === 'loki-promtail' || n === 'alloy')
}

const installed = async (c: Cluster) => (await releases(c)).map((r) => [r.name, r.chart, r.status]).sort()
const pinned = (p: ProfileName) => profiles[p].map((r) => [r.name, `${r.chart}-${r.version}`, 'deployed']).sort()

for (const layer of suiteLayers) {
  const test = suite(`--profile switch, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster
  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s, { stackProfile: 'seed' })
    await kubectl(c, 'create', 'namespace', 'ticketing')
    const run = await runScript(c, 'all.mts')
    assert.is(run.exitCode, 0, run.output)
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('seed → current: loki and tempo replaced, Alloy in place of promtail, the report green', async () => {
    const run = await runScript(c, 'all.mts', ['--profile=current'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stdout, /All \d+ checks passed/)
    assert.match(
      run.stderr,
      /loki: deployed is loki-stack 2\.10\.3, want loki 18\.11\.0 \(another --profile\): removing it first/,
    )
    assert.match(
      run.stderr,
      /tempo: deployed is tempo 1\.24\.4, want tempo 2\.2\.4 \(another --profile\): removing it first/,
    )
    assert.equal(await installed(c), pinned('current'))
    assert.equal(await logShippers(c), ['alloy'])
  })

  test('current again: nothing to do', async () => {
    const run = await runScript(c, 'all.mts', ['--profile=current'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /nothing to do/)
  })

  test('current → seed: Alloy removed, saying why; loki-stack and tempo 1.x back; the report green', async () => {
    const run = await runScript(c, 'all.mts', ['--profile=seed'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stdout, /All \d+ checks passed/)
    assert.match(
      run.stderr,
      /alloy: release alloy \(alloy 1\.11\.1\) belongs to another profile, not --profile seed: removing it/,
    )
    assert.equal(await installed(c), pinned('seed'))
    assert.equal(await logShippers(c), ['loki-promtail'])
  })

  test('teardown from seed also removes a release another profile left behind', async () => {
    const up = await runScript(c, '02-lgtm.mts', ['--profile=current'])
    assert.is(up.exitCode, 0, up.output)
    // back on seed's scripts, but only teardown: alloy is ours though seed does not install it
    const run = await runScript(c, 'teardown.mts', ['--yes', '--profile=seed'])
    assert.is(run.exitCode, 0, run.output)
    assert.match(run.stderr, /helm release alloy/)
    assert.equal(await releases(c), [])
  })

  test.run()
}
