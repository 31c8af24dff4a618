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
import { say } from '../core/text.ts'

/**
 * `kubectl get nodes,storageclasses -o json`'s answer, noted: undefined when it could not be read
 * (a user allowed to install into a namespace need not be allowed to list nodes), said once.
 */
export function readClusterAnswer(ctx: Context, answer: { exitCode: number | null; stdout: string; stderr: string }) {
  if (answer.exitCode !== 0) {
    const why = answer.stderr.trim().split('\n').at(-1) || `kubectl exited ${answer.exitCode}`
    ctx.log.warn(
      say({
        en: `Cluster: not read (${why}); its flavour is not known, so nothing is adapted to it (--flavour names it)`,
        ko: `클러스터: 읽지 못함 (${why}). 종류를 몰라 아무것도 맞추지 않습니다 (--flavour로 \
지정할 수 있음)`,
      }),
    )
    return undefined
  }
  try {
    return parseClusterInfo(JSON.parse(answer.stdout))
  } catch {
    ctx.log.warn(
      say({
        en: 'Cluster: kubectl answered with no JSON list of nodes; nothing is adapted to it',
        ko: `클러스터: kubectl이 노드 목록 JSON을 주지 않았습니다. 아무것도 맞추지 \
않습니다`,
      }),
    )
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
  if (!config.adapt)
    return [
      say({
        en: 'Adaptations: off (--no-adapt): the values files are used as they are',
        ko: '클러스터 맞춤: 꺼짐 (--no-adapt): values 파일을 그대로 씁니다',
      }),
    ]
  const flavour = flavourTitles[config.flavourUsed!]
  return config.adaptations.map((a) =>
    say({
      en: `Adapted for ${flavour}: values/${a.file} — ${a.why.en}`,
      ko: `${flavour}에 맞춤: values/${a.file} — ${a.why.ko}`,
    }),
  )
}

/** Too little room for the stack, no default StorageClass, low inotify limits where nodes share the host's. */
export function clusterWarnings(info: ClusterInfo, profile: keyof typeof stackNeeds): string[] {
  const needs = stackNeeds[profile]
  const warnings: string[] = []
  const cpu = formatCpu(info.allocatable.cpuMilli)
  if (info.allocatable.cpuMilli && info.allocatable.cpuMilli < needs.cpuMilli)
    warnings.push(
      say({
        en:
          `the nodes offer ${cpu}; the stack wants about ${formatCpu(needs.cpuMilli)}:` +
          ' pods may stay Pending (Insufficient cpu). Give the cluster more CPUs (e.g. minikube start --cpus 4)',
        ko:
          `노드가 ${cpu}를 주는데 스택은 약 ${formatCpu(needs.cpuMilli)}가 필요합니다:` +
          ` 파드가 Pending(Insufficient cpu)에 머물 수 있습니다. CPU를 늘리세요 (예: minikube start \
--cpus 4)`,
      }),
    )
  if (info.allocatable.memoryBytes && info.allocatable.memoryBytes < needs.memoryBytes)
    warnings.push(
      say({
        en:
          `the nodes offer ${formatBytes(info.allocatable.memoryBytes)}; the stack wants about ` +
          `${formatBytes(needs.memoryBytes)}: pods may stay Pending (Insufficient memory) or be OOM-killed.` +
          " Give the cluster more memory (minikube start --memory 4g, Docker Desktop's Resources settings)",
        ko:
          `노드가 ${formatBytes(info.allocatable.memoryBytes)}를 주는데 스택은 약 ` +
          `${formatBytes(needs.memoryBytes)}가 필요합니다:` +
          ' 파드가 Pending(Insufficient memory)에 머물거나' +
          ` OOM으로 죽을 수 있습니다. 메모리를 늘리세요 (minikube start --memory 4g, Docker \
Desktop의 Resources 설정)`,
      }),
    )
  if (!info.defaultStorageClass)
    warnings.push(
      say({
        en:
          'no default StorageClass: a PersistentVolumeClaim without storageClassName stays Pending.' +
          ' Install one (e.g. rancher/local-path-provisioner) and mark it default',
        ko:
          '기본 StorageClass가 없습니다:' +
          ' storageClassName 없는 PersistentVolumeClaim은 Pending에 머뭅니다.' +
          ' 하나 설치하고(예: rancher/local-path-provisioner) 기본으로 지정하세요',
      }),
    )
  if (INOTIFY_FLAVOURS.includes(info.flavour))
    warnings.push(
      say({
        en:
          `${flavourTitles[info.flavour]} nodes share the host's inotify limits; log collectors (promtail, Alloy)` +
          ` then fail with "too many open files". If they do, on the host: ${INOTIFY_HOST_COMMAND}` +
          ' (npm run status -- --check-inotify reads them)',
        ko:
          `${flavourTitles[info.flavour]} 노드는 호스트의 inotify 한도를 나눠 씁니다.` +
          ' 로그 수집기(promtail, Alloy)가' +
          ` "too many open files"로 실패하면 호스트에서: ${INOTIFY_HOST_COMMAND}` +
          ' (npm run status -- --check-inotify로 읽을 수 있음)',
      }),
    )
  return warnings
}

/** An overlay that cannot be read stops the run before any change: the plan would not be the one printed. */
function readOverlay(file: string): Record<string, unknown> {
  const { values, problem } = readValuesFile(file)
  if (problem)
    throw new EnvironmentError(
      problem,
      say({
        en: 'restore it (git checkout -- values/flavours) or pass --no-adapt',
        ko: '되돌리거나(git checkout -- values/flavours) --no-adapt를 주세요',
      }),
    )
  return values
}
