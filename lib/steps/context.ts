// What a step gets: the settings, the runner, the log, the watches, and what the run has learnt of
// the cluster so far.
import type { Config } from '../core/config.ts'
import type { Outcome } from '../core/plan.ts'
import { Runner } from '../tools/exec.ts'
import type { HelmMajor, ReleaseState } from '../tools/helm.ts'
import type { Target } from '../tools/kubectl.ts'
import { Watches } from '../tools/watch.ts'
import { createLog, type Log } from '../ui/log.ts'
import type { StepError } from '../core/errors.ts'

export interface Context {
  config: Config
  log: Log
  runner: Runner
  target: Target
  watches: Watches
  /** set by connect(); 3 in a dry run without helm */
  helmMajor: HelmMajor
  outcomes: Outcome[]
  /** repositories added and updated by this run already (all.mts does it once for every step) */
  reposReady: Set<string>
  /** `helm list` per namespace, read once and kept until a helm change in this run (see listReleases) */
  releaseLists: Map<string, Promise<ReleaseState[]>>
  /** cert-manager was applied and its webhook answered in this run (all.mts: 04 need not ask again) */
  certManagerReady: boolean
  /** namespaces 01 found or created in this run (all.mts: 02 and 04 need not ask again) */
  namespacesReady: Set<string>
  /** releases whose install failed in this run, reported by waitForReleases once the others are up */
  failedReleases: Map<string, StepError>
}

export function createContext(config: Config, log: Log = createLog(config.verbosity), env: NodeJS.ProcessEnv = process.env): Context {
  const target: Target = { context: config.context }
  return { config, log, target, runner: new Runner(log, config.dryRun, env), watches: new Watches(target, log, env), helmMajor: 3, outcomes: [], reposReady: new Set(), releaseLists: new Map(), certManagerReady: false, namespacesReady: new Set(), failedReleases: new Map() }
}
