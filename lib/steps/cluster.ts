// The cluster, as the preflight read it: one line of what it is, a warning for what will not fit or
// not work there, and the flavour's adaptations added to the plan's releases (each named).
import { adaptConfig } from '../core/config.ts'
import { EnvironmentError } from '../core/errors.ts'
import { readValuesFile } from '../core/values.ts'
import {
  flavourTitles,
  formatBytes,
  formatCpu,
  INOTIFY_FLAVOURS,
  INOTIFY_HOST_COMMAND,
  stackNeeds,
} from '../core/flavours.ts'
import { clusterLine, parseClusterInfo, type ClusterInfo } from '../tools/cluster.ts'
import type { Context } from './context.ts'

/**
 * `kubectl get nodes,storageclasses -o json`'s answer, noted: undefined when it could not be read
 * (a user allowed to install into a namespace need not be allowed to list nodes), said once.
 */
export function readClusterAnswer(ctx: Context, answer: { exitCode: number | null; stdout: string; stderr: string }) {
  if (answer.exitCode !== 0) {
    ctx.log.warn(
      `Cluster: not read (${answer.stderr.trim().split('\n').at(-1) || `kubectl exited ${answer.exitCode}`});` +
        ' its flavour is not known, so nothing is adapted to it (--flavour names it)',
    )
    return undefined
  }
  try {
    return parseClusterInfo(JSON.parse(answer.stdout))
  } catch {
    ctx.log.warn('Cluster: kubectl answered with no JSON list of nodes; nothing is adapted to it')
    return undefined
  }
}

/**
 * Says what the cluster is and what will not fit or not work on it, and adds the flavour's overlays to
 * the config (an explicit --flavour wins; --no-adapt adds none). Each adaptation is named.
 */
export function noteCluster(ctx: Context, info: ClusterInfo | undefined): void {
  const { log, config } = ctx
  ctx.cluster = info
  if (info) {
    log.info(clusterLine(info, flavourTitles))
    for (const warning of clusterWarnings(info, config.profile)) log.warn(warning)
    if (config.flavour === 'auto') ctx.config = adaptConfig(config, info.flavour, readOverlay)
  }
  for (const line of adaptationLines(ctx)) log.info(line)
}

/** What the run adds for the flavour, or why nothing. */
export function adaptationLines(ctx: Pick<Context, 'config'>): string[] {
  const { config } = ctx
  if (!config.adapt) return ['Adaptations: off (--no-adapt): the values files are used as they are']
  const flavour = flavourTitles[config.flavourUsed!]
  return config.adaptations.map((a) => `Adapted for ${flavour}: values/${a.file} — ${a.why}`)
}

/** Too little room for the stack, no default StorageClass, low inotify limits where nodes share the host's. */
export function clusterWarnings(info: ClusterInfo, profile: keyof typeof stackNeeds): string[] {
  const needs = stackNeeds[profile]
  const warnings: string[] = []
  if (info.allocatable.cpuMilli && info.allocatable.cpuMilli < needs.cpuMilli)
    warnings.push(
      `the nodes offer ${formatCpu(info.allocatable.cpuMilli)}; the stack wants about ${formatCpu(needs.cpuMilli)}:` +
        ' pods may stay Pending (Insufficient cpu). Give the cluster more CPUs (e.g. minikube start --cpus 4)',
    )
  if (info.allocatable.memoryBytes && info.allocatable.memoryBytes < needs.memoryBytes)
    warnings.push(
      `the nodes offer ${formatBytes(info.allocatable.memoryBytes)}; the stack wants about ` +
        `${formatBytes(needs.memoryBytes)}: pods may stay Pending (Insufficient memory) or be OOM-killed.` +
        " Give the cluster more memory (minikube start --memory 4g, Docker Desktop's Resources settings)",
    )
  if (!info.defaultStorageClass)
    warnings.push(
      'no default StorageClass: a PersistentVolumeClaim without storageClassName stays Pending.' +
        ' Install one (e.g. rancher/local-path-provisioner) and mark it default',
    )
  if (INOTIFY_FLAVOURS.includes(info.flavour))
    warnings.push(
      `${flavourTitles[info.flavour]} nodes share the host's inotify limits; log collectors (promtail, Alloy)` +
        ` then fail with "too many open files". If they do, on the host: ${INOTIFY_HOST_COMMAND}`,
    )
  return warnings
}

/** An overlay that cannot be read stops the run before any change: the plan would not be the one printed. */
function readOverlay(file: string): Record<string, unknown> {
  const { values, problem } = readValuesFile(file)
  if (problem) throw new EnvironmentError(problem, 'restore it (git checkout -- values/flavours) or pass --no-adapt')
  return values
}
