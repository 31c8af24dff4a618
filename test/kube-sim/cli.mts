// `npm run sim`: a simulated cluster to explore by hand with the real kubectl and helm.
//   npm run sim -- [--nodes 3] [--realistic] [--charts]
// --realistic uses readiness times like a laptop cluster's; --charts also serves the real charts
// and cert-manager manifests (CHARTS_DIR or .cache/charts, see test/fixtures/charts.ts) and prints
// the settings that point the scripts at them. Ctrl-C stops everything.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fastProfile, realisticProfile } from './controllers/index.ts'
import { startCertManager, startSim } from './index.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    realistic: { type: 'boolean', default: false },
    charts: { type: 'boolean', default: false },
  },
})
const nodes = Number(values.nodes)
if (!Number.isInteger(nodes) || nodes < 1) {
  console.error(`--nodes must be a whole number ≥ 1, not "${values.nodes}"`)
  process.exit(2)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-'))
const sim = await startSim({ nodes, dir, profile: values.realistic ? realisticProfile : fastProfile })
const stops: (() => unknown)[] = [() => sim.stop(), () => fs.rmSync(dir, { recursive: true, force: true })]
const exports = [`export KUBECONFIG=${sim.kubeconfig}`]

if (values.charts) {
  // test code, loaded only when asked for: the simulator itself needs none of it
  const { extractLayer } = await import('../tools/extract.mts')
  const { startChartRepo } = await import('../fixtures/chart-repo.ts')
  const { certManagerManifest, ensureCharts } = await import('../fixtures/charts.ts')
  const { certManagerPins } = await import('../../lib/core/stack.ts')
  const { startPrometheusOperator } = await import('../fixtures/operators.ts')
  const bin = await extractLayer('v35')
  const charts = await ensureCharts(path.join(bin, 'helm'), console.log)
  const repo = await startChartRepo({ dir: charts })
  stops.unshift(startPrometheusOperator(sim), startCertManager(sim), () => repo.stop())
  exports.push(
    `export PATH=${bin}:$PATH`,
    `export STACK_PROMETHEUS_COMMUNITY_REPO=${repo.repoUrl('prometheus-community')}`,
    `export STACK_GRAFANA_REPO=${repo.repoUrl('grafana')}`,
    `export STACK_OPEN_TELEMETRY_REPO=${repo.repoUrl('open-telemetry')}`,
    `export STACK_GRAFANA_COMMUNITY_REPO=${repo.repoUrl('grafana-community')}`,
    `export STACK_CERT_MANAGER_MANIFEST=${certManagerManifest(charts, certManagerPins.seed)}`,
    `# with --profile current: export STACK_CERT_MANAGER_MANIFEST=${certManagerManifest(charts, certManagerPins.current)}`,
  )
}

console.log(`kube-sim at ${sim.url} with ${nodes} node(s)${values.realistic ? ', realistic readiness times' : ''}. In another shell:\n`)
console.log(exports.join('\n'))
console.log('\nkubectl get nodes   # then e.g. npx zx scripts/all.mts\nCtrl-C stops it.')

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return
    stopping = true
    for (const stop of stops) await stop()
    process.exit(0)
  })
}
