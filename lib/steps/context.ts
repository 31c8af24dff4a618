// What a step gets: the settings, the runner, the log, the watches, and what the run has learnt of
// the cluster so far.
import type { Config } from '../core/config.ts'
import type { Outcome } from '../core/plan.ts'
import { Runner } from '../tools/exec.ts'
import type { HelmMajor, ReleaseState } from '../tools/helm.ts'
import type { ClusterInfo } from '../tools/cluster.ts'
import type { Target } from '../tools/kubectl.ts'
import { Watches } from '../tools/watch.ts'
import { createLog, type Log } from '../ui/log.ts'

export interface Context {
  config: Config
  log: Log
  runner: Runner
  target: Target
  watches: Watches
  /** set by connect(); 3 in a dry run without helm */
  helmMajor: HelmMajor
  outcomes: Outcome[]
  /** `helm list` per namespace, read once and kept until a helm change in this run (see listReleases) */
  releaseLists: Map<string, Promise<ReleaseState[]>>
  /** what the preflight read of the nodes and StorageClasses (undefined: offline, or not allowed to list them) */
  cluster?: ClusterInfo
  /** the API server's URL, as the kubeconfig names it for the context (undefined: offline, or not named) */
  server?: string
}

export function createContext(
  config: Config,
  log: Log = createLog(config.verbosity),
  env: NodeJS.ProcessEnv = process.env,
): Context {
  const target: Target = { context: config.context }
  const runner = new Runner(log, env, { unreachableLimitMs: config.apiUnreachableAfterMs })
  return {
    config,
    log,
    target,
    runner,
    watches: new Watches(target, log, env, runner.api),
    helmMajor: 3,
    outcomes: [],
    releaseLists: new Map(),
  }
}
