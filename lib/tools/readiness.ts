// Pure judgements on Kubernetes objects: is a workload rolled out and ready (as `kubectl rollout
// status` judges it), which of its pods are stuck and why, and the words that explain it.
import { INOTIFY_HOST_COMMAND } from '../core/flavours.ts'
import type { KubeObject } from './kubectl.ts'
import { say } from '../core/text.ts'

export interface WorkloadStatus {
  ready: boolean
  /** e.g. `1/3 ready` or `waiting for the controller to see generation 4` */
  detail: string
  readyCount: number
  wanted: number
}

export function workloadStatus(obj: KubeObject | undefined): WorkloadStatus {
  if (!obj) return { ready: false, detail: 'not created yet', readyCount: 0, wanted: 1 }
  const s = obj.status ?? {}
  const generation = (obj.metadata as { generation?: number }).generation ?? 0
  if ((s.observedGeneration ?? 0) < generation)
    return { ready: false, detail: 'waiting for its controller', readyCount: 0, wanted: 1 }
  switch (obj.kind) {
    case 'Deployment': {
      const wanted = obj.spec?.replicas ?? 1
      const available = s.availableReplicas ?? 0
      const settled = (s.updatedReplicas ?? 0) >= wanted && (s.replicas ?? 0) <= wanted
      return counted(available, wanted, settled, 'available')
    }
    case 'StatefulSet': {
      const wanted = obj.spec?.replicas ?? 1
      const settled =
        (s.updatedReplicas ?? wanted) >= wanted &&
        (!s.updateRevision || s.currentRevision === s.updateRevision || (s.updatedReplicas ?? 0) >= wanted)
      return counted(s.readyReplicas ?? 0, wanted, settled, 'ready')
    }
    case 'DaemonSet': {
      const wanted = s.desiredNumberScheduled ?? 0
      const settled = (s.updatedNumberScheduled ?? 0) >= wanted
      if (wanted === 0 && s.observedGeneration === undefined)
        return { ready: false, detail: 'no nodes scheduled yet', readyCount: 0, wanted: 0 }
      // numberAvailable is omitted while 0 (omitempty): with minReadySeconds, Ready pods are not yet available
      return counted(Math.min(s.numberReady ?? 0, s.numberAvailable ?? 0), wanted, settled, 'ready')
    }
    default:
      return { ready: true, detail: 'exists', readyCount: 1, wanted: 1 }
  }
}

function counted(readyCount: number, wanted: number, settled: boolean, word: string): WorkloadStatus {
  const ready = readyCount >= wanted && settled
  return {
    ready,
    readyCount,
    wanted,
    detail: `${readyCount}/${wanted} ${word}${settled || readyCount < wanted ? '' : ', rolling out'}`,
  }
}

/** Does a workload's `spec.selector` select these labels? (matchLabels and matchExpressions) */
export function selects(
  selector:
    | {
        matchLabels?: Record<string, string>
        matchExpressions?: { key: string; operator: string; values?: string[] }[]
      }
    | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
  const byExpr = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key])
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key])
    if (e.operator === 'Exists') return has
    if (e.operator === 'DoesNotExist') return !has
    return false
  })
  return byLabels && byExpr
}

export interface PodProblem {
  pod: string
  container?: string
  image?: string
  reason: string
  message: string
  /** true when waiting longer will not help (the step may fail now, before its deadline) */
  terminal: boolean
  hint: string
}

/** Reasons a pod will not become ready by itself. */
const STUCK_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
])
const CRASH_RESTARTS = 3

/**
 * Failures seen again and again with this stack, by what they say in a pod's status or events: the
 * cause, and what fixes it. The first whose pattern matches names the problem's hint.
 */
export const knownFailures: { pattern: RegExp; cause: string; remedy: string }[] = [
  {
    pattern: /429 Too Many Requests|toomanyrequests/i,
    cause: 'the registry refuses more pulls for now (rate limit; Docker Hub allows anonymous users 100 per 6 hours)',
    remedy: 'wait and run again, pull as a logged-in user (an imagePullSecret), or use a registry mirror',
  },
  {
    pattern: /Insufficient cpu/,
    cause: "the cluster has no room for this pod (the nodes' CPU is all requested)",
    remedy: 'give the nodes more CPUs (minikube start --cpus 4; Docker Desktop: Settings → Resources) or add a node',
  },
  {
    pattern: /Insufficient memory/,
    cause: "the cluster has no room for this pod (the nodes' memory is all requested)",
    remedy:
      'give the nodes more memory (minikube start --memory 8g; Docker Desktop: Settings → Resources; kind and' +
      " k3d: the Docker VM's memory) or add a node",
  },
  {
    pattern: /unbound immediate PersistentVolumeClaims/,
    cause: 'its PersistentVolumeClaim is not bound: no default StorageClass, or its provisioner is not running',
    remedy:
      'kubectl get pvc,storageclass -A shows which; install a provisioner (e.g. rancher/local-path-provisioner)' +
      ' and mark its StorageClass default',
  },
  {
    pattern: /secret "[^"]+" not found/,
    cause: 'a Secret it mounts does not exist',
    remedy:
      "if another release makes it (cert-manager's certificates), see that one is ready; else create it, or" +
      ' mark the volume optional in the values',
  },
  {
    pattern: /is not a shared or slave mount/,
    cause: "the node's / is not a shared mount (Docker Desktop), so node-exporter's host mount cannot be made",
    remedy:
      'run with --flavour=docker-desktop (node-exporter without the host root), or set' +
      ' prometheus-node-exporter.hostRootFsMount.enabled=false',
  },
  {
    pattern: /too many open files/i,
    cause: "the node's inotify limits are spent (log collectors watch every pod's log file)",
    remedy: `raise them on the host (kind and k3d nodes share its kernel): ${INOTIFY_HOST_COMMAND}`,
  },
]

/** `cause: remedy` of the first known failure any of these texts shows. */
export function knownFailureHint(texts: string[]): string | undefined {
  const found = knownFailures.find((f) => texts.some((t) => f.pattern.test(t)))
  return found && `${found.cause}: ${found.remedy}`
}

/** What keeps a pod from being ready, if anything its status names (the hint: a known failure's, if any). */
export function podProblem(pod: KubeObject): PodProblem | undefined {
  return problemWithEvents(pod, [])
}

/**
 * The pod's problem, read from its events as well: a known failure there names the hint, and a pod
 * that waits on a mount (a missing Secret) shows it only in its events.
 */
function problemWithEvents(pod: KubeObject, events: KubeObject[]): PodProblem | undefined {
  const texts = eventsOf(pod, events).map((e: any) => String(e.message ?? ''))
  const problem = statusProblem(pod) ?? eventProblem(pod, events)
  const known = problem && knownFailureHint([problem.message, lastMessage(pod), ...texts])
  return problem && known ? { ...problem, hint: known } : problem
}

/** A warning event of the pod that names a known failure (a mount that fails), as a problem: terminal. */
function eventProblem(pod: KubeObject, events: KubeObject[]): PodProblem | undefined {
  const event: any = eventsOf(pod, events)
    .reverse()
    .find((e: any) => e.type === 'Warning' && knownFailureHint([String(e.message ?? '')]))
  return event && { pod: pod.metadata.name, reason: event.reason, message: event.message, terminal: true, hint: '' }
}

function eventsOf(pod: KubeObject, events: KubeObject[]): KubeObject[] {
  return events
    .filter((e: any) => e.involvedObject?.name === pod.metadata.name)
    .sort((a: any, b: any) => eventTime(a).localeCompare(eventTime(b)))
}

/** The message a container left as it ended (its log's tail, with terminationMessagePolicy FallbackToLogsOnError). */
function lastMessage(pod: KubeObject): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
  return statuses.map((cs: any) => cs.lastState?.terminated?.message ?? '').join('\n')
}

function statusProblem(pod: KubeObject): PodProblem | undefined {
  const name = pod.metadata.name
  const s = pod.status ?? {}
  const unscheduled = (s.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status === 'False')
  if (unscheduled) {
    return {
      pod: name,
      reason: unscheduled.reason ?? 'Unschedulable',
      message: unscheduled.message ?? '',
      terminal: unscheduled.reason === 'Unschedulable',
      hint: hints.Unschedulable,
    }
  }
  for (const cs of [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]) {
    const waiting = cs.state?.waiting
    if (waiting && STUCK_WAITING.has(waiting.reason)) {
      return {
        pod: name,
        container: cs.name,
        image: cs.image,
        reason: waiting.reason,
        message: waiting.message ?? '',
        terminal: waiting.reason !== 'ErrImagePull',
        hint: hints.image,
      }
    }
    if (waiting?.reason === 'CrashLoopBackOff' || (!cs.ready && (cs.restartCount ?? 0) >= CRASH_RESTARTS)) {
      const last = cs.lastState?.terminated
      const message =
        waiting?.message ?? (last ? `last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '')
      return {
        pod: name,
        container: cs.name,
        image: cs.image,
        reason: waiting?.reason ?? 'Restarting',
        message: `${message}; ${cs.restartCount ?? 0} restarts`.replace(/^; /, ''),
        terminal: (cs.restartCount ?? 0) >= CRASH_RESTARTS,
        hint: hints.crash(pod, cs.name),
      }
    }
  }
  if (s.phase === 'Failed')
    return { pod: name, reason: s.reason ?? 'Failed', message: s.message ?? '', terminal: true, hint: hints.failed }
  return undefined
}

const hints = {
  Unschedulable:
    'the cluster has no room for this pod: give the node more CPU/memory' +
    ' (kind, minikube and k3d need about 4 CPUs and 8 GiB for this stack) or add a node',
  image:
    'check the image name and tag, and that the nodes can reach the registry (behind a proxy or offline, use a mirror)',
  crash: (pod: KubeObject, container: string) =>
    `read its log: kubectl logs -n ${pod.metadata.namespace} ${pod.metadata.name} -c ${container} --previous`,
  failed: 'describe the pod: kubectl describe pod -n <namespace> <pod>',
}

/** A Job helm runs as a hook of this release (by the chart's instance label or its name). */
export function isHookOf(job: KubeObject, release: string): boolean {
  if (!job.metadata.annotations?.['helm.sh/hook']) return false
  const labels = job.metadata.labels ?? {}
  const instance = labels['app.kubernetes.io/instance'] ?? labels.release
  return instance === release || job.metadata.name.startsWith(`${release}-`)
}

export interface StuckHook {
  job: KubeObject
  reason: string
}

/**
 * The first hook Job that failed, or that has a pod stuck for `afterMs`. `since` keeps, per pod,
 * when its current problem was first seen (across calls); a pod without a problem is forgotten.
 */
export function stuckHookJob(
  jobs: KubeObject[],
  pods: KubeObject[],
  since: Map<string, number>,
  clock: { afterMs: number; now: number },
): StuckHook | undefined {
  const { afterMs, now } = clock
  for (const job of jobs) {
    const failed = (job.status?.conditions ?? []).find((c: any) => c.type === 'Failed' && c.status === 'True')
    if (failed) return { job, reason: `failed: ${[failed.reason, failed.message].filter(Boolean).join(' — ')}` }
    for (const pod of pods.filter((p) => p.metadata.labels?.['job-name'] === job.metadata.name)) {
      const problem = stuckPodProblem(pod, since, { afterMs, now })
      if (problem) return { job, reason: `its pod ${pod.metadata.name} is stuck (${problem.reason})` }
    }
  }
  return undefined
}

/**
 * The pod's problem when it is one waiting cannot cure (terminal) and has lasted `afterMs`. `since`
 * keeps, per pod, when its current episode began: it lasts while the pod has any problem (a kubelet
 * flips between ErrImagePull and ImagePullBackOff on every retry, which must not restart the clock),
 * and a pod without one is forgotten.
 */
export function stuckPodProblem(
  pod: KubeObject,
  since: Map<string, number>,
  clock: { afterMs: number; now: number },
): PodProblem | undefined {
  const problem = podProblem(pod)
  if (!problem) {
    since.delete(pod.metadata.name)
    return undefined
  }
  const first = since.get(pod.metadata.name) ?? clock.now
  since.set(pod.metadata.name, first)
  return problem.terminal && clock.now - first >= clock.afterMs ? problem : undefined
}

/** Is this pod Running with every container ready? */
export function podReady(pod: KubeObject): boolean {
  return (
    pod.status?.phase === 'Running' &&
    (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  )
}

/** A pod's line in a diagnosis: `monitoring/loki-0 Pending: Unschedulable — 0/1 nodes are available…` */
export function describePod(pod: KubeObject, events: KubeObject[]): string[] {
  const problem = problemWithEvents(pod, events)
  const s = pod.status ?? {}
  const state = problem
    ? `: ${problem.reason}` +
      (problem.container
        ? say({ en: ` in container ${problem.container}`, ko: ` (컨테이너 ${problem.container})` })
        : '') +
      (problem.image ? say({ en: ` (image ${problem.image})`, ko: ` (이미지 ${problem.image})` }) : '') +
      (problem.message ? ` — ${problem.message}` : '')
    : podReady(pod)
      ? say({ en: ', ready', ko: ', 준비됨' })
      : say({ en: ', not ready', ko: ', 준비 안 됨' })
  const head = `${pod.metadata.namespace}/${pod.metadata.name} ${s.phase ?? 'Unknown'}${state}`
  const mine = eventsOf(pod, events)
    .slice(-5)
    .map((e: any) => `    ${e.type ?? ''} ${e.reason ?? ''}: ${String(e.message ?? '').trim()}`)
  const lastEvents = say({ en: 'last events', ko: '최근 이벤트' })
  return [
    head,
    ...(mine.length ? [`    ${lastEvents}:`, ...mine.map((l) => `  ${l}`)] : []),
    ...(problem ? [`    ${say({ en: 'try', ko: '해 볼 것' })}: ${problem.hint}`] : []),
  ]
}

function eventTime(e: any): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''
}
