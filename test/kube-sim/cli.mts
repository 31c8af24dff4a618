// A simulated cluster to explore by hand with the real kubectl and helm.
//   tsx cli.mts [--nodes 3] [--realistic] [--charts]
// --realistic uses readiness times like a laptop cluster's; --charts also serves a folder of charts
// on a loopback chart repository, starts the simulated operators, and prints the settings that
// point the host's programs at them: which folder, which tools and which settings are the caller's
// (runCli's `charts`), so --charts needs a host that says (the project's `npm run sim`).
// Ctrl-C stops everything.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startBackends } from './backends/index.ts'
import { startChartRepo, type ChartRepoServer } from './chart-repo.ts'
import { fastProfile, realisticProfile, startSim } from './index.ts'
import { startCertManager, startPrometheusOperator } from './operators/index.ts'

export interface CliOptions {
  /**
   * what --charts serves: the charts folder, the tools' folder, and the shell lines that point the host's programs
   * at the repository
   */
  charts?: () => Promise<{ dir: string; bin: string; exports: (repo: ChartRepoServer) => string[] }>
  /** what to suggest once it runs (default: `kubectl get nodes`) */
  next?: string
}

export async function runCli(argv: string[], opts: CliOptions = {}): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '2' },
      realistic: { type: 'boolean', default: false },
      charts: { type: 'boolean', default: false },
    },
  })
  const nodes = Number(values.nodes)
  if (!Number.isInteger(nodes) || nodes < 1) return usage(`--nodes must be a whole number ≥ 1, not "${values.nodes}"`)
  if (values.charts && !opts.charts)
    return usage("--charts: this runner serves no charts (the project's `npm run sim -- --charts` does)")

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-'))
  const sim = await startSim({ nodes, dir, profile: values.realistic ? realisticProfile : fastProfile })
  const stops: (() => unknown)[] = [() => sim.stop(), () => fs.rmSync(dir, { recursive: true, force: true })]
  const exports = [`export KUBECONFIG=${sim.kubeconfig}`]

  if (values.charts && opts.charts) {
    const charts = await opts.charts()
    const repo = await startChartRepo({ dir: charts.dir })
    // the stack's backends behind its Services, as in every test world: the data-path checks get answers
    const backends = startBackends(sim)
    stops.unshift(
      startPrometheusOperator(sim),
      startCertManager(sim),
      () => repo.stop(),
      () => backends.stop(),
    )
    exports.push(`export PATH=${charts.bin}:$PATH`, ...charts.exports(repo))
  }

  console.log(
    `kube-sim at ${sim.url} with ${nodes} node(s)${values.realistic ? ', realistic readiness times' : ''}. ` +
      'In another shell:\n',
  )
  console.log(exports.join('\n'))
  console.log(`\n${opts.next ?? 'kubectl get nodes'}\nCtrl-C stops it.`)

  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, async () => {
      if (stopping) return
      stopping = true
      for (const stop of stops) await stop()
      process.exit(0)
    })
  }
}

function usage(message: string): void {
  console.error(message)
  process.exit(2)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]))
  await runCli(process.argv.slice(2))
