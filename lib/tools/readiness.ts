// Pure judgements on Kubernetes objects: is a workload rolled out and ready (as `kubectl rollout
// status` judges it), which of its pods are stuck and why, and the words that explain it.
import { INOTIFY_HOST_COMMAND } from '../core/flavours.ts'
import type { KubeObject } from './kubectl.ts'
import { inBoth, say, type Text } from '../core/text.ts'

export interface WorkloadStatus {
  ready: boolean
  /** e.g. `1/3 ready` or `waiting for its controller`, in both languages (the report's JSON carries the English) */
  detail: Text
  readyCount: number
  wanted: number
}

export function workloadStatus(obj: KubeObject | undefined): WorkloadStatus {
  if (!obj)
    return {
      ready: false,
      detail: {
        en: 'not created yet',
        ko: '아직 만들어지지 않음',
      },
      readyCount: 0,
      wanted: 1,
    }
  const s = obj.status ?? {}
  const generation = (obj.metadata as { generation?: number }).generation ?? 0
  if ((s.observedGeneration ?? 0) < generation)
    return {
      ready: false,
      detail: { en: 'waiting for its controller', ko: '컨트롤러가 반영하기를 기다리는 중' },
      readyCount: 0,
      wanted: 1,
    }
  switch (obj.kind) {
    case 'Deployment': {
      const wanted = obj.spec?.replicas ?? 1
      const available = s.availableReplicas ?? 0
      const settled = (s.updatedReplicas ?? 0) >= wanted && (s.replicas ?? 0) <= wanted
      return counted(available, wanted, settled, { en: 'available', ko: '사용 가능' })
    }
    case 'StatefulSet': {
      const wanted = obj.spec?.replicas ?? 1
      const settled =
        (s.updatedReplicas ?? wanted) >= wanted &&
        (!s.updateRevision || s.currentRevision === s.updateRevision || (s.updatedReplicas ?? 0) >= wanted)
      return counted(s.readyReplicas ?? 0, wanted, settled, readyWord)
    }
    case 'DaemonSet': {
      const wanted = s.desiredNumberScheduled ?? 0
      const settled = (s.updatedNumberScheduled ?? 0) >= wanted
      if (wanted === 0 && s.observedGeneration === undefined)
        return {
          ready: false,
          detail: { en: 'no nodes scheduled yet', ko: '아직 배치된 노드 없음' },
          readyCount: 0,
          wanted: 0,
        }
      // numberAvailable is omitted while 0 (omitempty): with minReadySeconds, Ready pods are not yet available
      return counted(Math.min(s.numberReady ?? 0, s.numberAvailable ?? 0), wanted, settled, readyWord)
    }
    default:
      return { ready: true, detail: { en: 'exists', ko: '있음' }, readyCount: 1, wanted: 1 }
  }
}

const readyWord: Text = { en: 'ready', ko: '준비됨' }

function counted(readyCount: number, wanted: number, settled: boolean, word: Text): WorkloadStatus {
  const rolling = settled || readyCount < wanted ? { en: '', ko: '' } : { en: ', rolling out', ko: ', 롤아웃 중' }
  return {
    ready: readyCount >= wanted && settled,
    readyCount,
    wanted,
    detail: inBoth((language) => `${readyCount}/${wanted} ${word[language]}${rolling[language]}`),
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
  /** in both languages: the report's JSON carries the English */
  hint: Text
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
export const knownFailures: { pattern: RegExp; cause: Text; remedy: Text }[] = [
  {
    pattern: /429 Too Many Requests|toomanyrequests/i,
    cause: {
      en: 'the registry refuses more pulls for now (rate limit; Docker Hub allows anonymous users 100 per 6 hours)',
      ko: `레지스트리가 지금은 pull을 더 받지 않습니다 (rate limit, Docker Hub는 익명 \
사용자에게 6시간에 100번)`,
    },
    remedy: {
      en: 'wait and run again, pull as a logged-in user (an imagePullSecret), or use a registry mirror',
      ko: `기다렸다 다시 실행하거나, 로그인한 사용자로 pull하거나(imagePullSecret), \
레지스트리 미러를 쓰세요`,
    },
  },
  {
    pattern: /Insufficient cpu/,
    cause: {
      en: "the cluster has no room for this pod (the nodes' CPU is all requested)",
      ko: '클러스터에 이 파드를 놓을 자리가 없습니다 (노드의 CPU가 모두 요청됨)',
    },
    remedy: {
      en: 'give the nodes more CPUs (minikube start --cpus 4; Docker Desktop: Settings → Resources) or add a node',
      ko: `노드에 CPU를 더 주거나(minikube start --cpus 4, Docker Desktop: Settings → Resources) 노드를 \
추가하세요`,
    },
  },
  {
    pattern: /Insufficient memory/,
    cause: {
      en: "the cluster has no room for this pod (the nodes' memory is all requested)",
      ko: '클러스터에 이 파드를 놓을 자리가 없습니다 (노드의 메모리가 모두 요청됨)',
    },
    remedy: {
      en:
        'give the nodes more memory (minikube start --memory 8g; Docker Desktop: Settings → Resources; kind and' +
        " k3d: the Docker VM's memory) or add a node",
      ko:
        '노드에 메모리를 더 주거나(minikube start --memory 8g, Docker Desktop: Settings → Resources,' +
        ' kind와 k3d: Docker VM의 메모리) 노드를 추가하세요',
    },
  },
  {
    pattern: /unbound immediate PersistentVolumeClaims/,
    cause: {
      en: 'its PersistentVolumeClaim is not bound: no default StorageClass, or its provisioner is not running',
      ko: `PersistentVolumeClaim이 바인딩되지 않았습니다: 기본 StorageClass가 없거나 \
프로비저너가 돌지 않습니다`,
    },
    remedy: {
      en:
        'kubectl get pvc,storageclass -A shows which; install a provisioner (e.g. rancher/local-path-provisioner)' +
        ' and mark its StorageClass default',
      ko:
        'kubectl get pvc,storageclass -A로 어느 쪽인지 보고, 프로비저너를 설치해' +
        '(예: rancher/local-path-provisioner) 그 StorageClass를 기본으로 지정하세요',
    },
  },
  {
    pattern: /secret "[^"]+" not found/,
    cause: { en: 'a Secret it mounts does not exist', ko: '마운트할 Secret이 없습니다' },
    remedy: {
      en:
        "if another release makes it (cert-manager's certificates), see that one is ready; else create it, or" +
        ' mark the volume optional in the values',
      ko:
        '다른 릴리스가 만드는 것이면(cert-manager의 인증서) 그것이 준비되었는지 보고,' +
        ' 아니면 만들거나 values에서 그 볼륨을 optional로 하세요',
    },
  },
  {
    pattern: /is not a shared or slave mount/,
    cause: {
      en: "the node's / is not a shared mount (Docker Desktop), so node-exporter's host mount cannot be made",
      ko: `노드의 /가 shared 마운트가 아니라(Docker Desktop) node-exporter의 호스트 마운트를 \
만들 수 없습니다`,
    },
    remedy: {
      en:
        'run with --flavour=docker-desktop (node-exporter without the host root), or set' +
        ' prometheus-node-exporter.hostRootFsMount.enabled=false',
      ko:
        '--flavour=docker-desktop로 실행하거나(호스트 루트 없는 node-exporter),' +
        ' prometheus-node-exporter.hostRootFsMount.enabled=false로 설정하세요',
    },
  },
  {
    pattern: /too many open files/i,
    cause: {
      en: "the node's inotify limits are spent (log collectors watch every pod's log file)",
      ko: `노드의 inotify 한도가 바닥났습니다 (로그 수집기가 모든 파드의 로그 파일을 \
지켜봄)`,
    },
    remedy: {
      en: `raise them on the host (kind and k3d nodes share its kernel): ${INOTIFY_HOST_COMMAND}`,
      ko: `호스트에서 한도를 올리세요 (kind와 k3d 노드는 호스트 커널을 나눠 씀): \
${INOTIFY_HOST_COMMAND}`,
    },
  },
]

/** `cause: remedy` of the first known failure any of these texts shows. */
export function knownFailureHint(texts: string[]): Text | undefined {
  const found = knownFailures.find((f) => texts.some((t) => f.pattern.test(t)))
  return found && { en: `${found.cause.en}: ${found.remedy.en}`, ko: `${found.cause.ko}: ${found.remedy.ko}` }
}

/**
 * What keeps a pod from being ready, if anything: its status names it, or (a pod waiting for a mount
 * that cannot be made) its newest event. A known failure there, in its events or in the log its
 * crashed container left (`log`, read by the caller) names the hint.
 */
export function podProblem(
  pod: KubeObject,
  { events = [], log = '' }: { events?: KubeObject[]; log?: string } = {},
): PodProblem | undefined {
  const texts = eventsOf(pod, events).map((e: any) => String(e.message ?? ''))
  const problem = statusProblem(pod) ?? eventProblem(pod, events)
  const known = problem && knownFailureHint([problem.message, lastMessage(pod), log, ...texts])
  return problem && known ? { ...problem, hint: known } : problem
}

/**
 * A Pending pod's newest event, when it is a warning that names a known failure (a Secret a volume
 * needs): terminal. The kubelet repeats it at each attempt, so it stays the newest while it lasts.
 */
function eventProblem(pod: KubeObject, events: KubeObject[]): PodProblem | undefined {
  if (pod.status?.phase !== 'Pending') return undefined
  const newest: any = eventsOf(pod, events).at(-1)
  if (newest?.type !== 'Warning' || !knownFailureHint([String(newest.message ?? '')])) return undefined
  return { pod: pod.metadata.name, reason: newest.reason, message: newest.message, terminal: true, hint: noHint }
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

const noHint: Text = { en: '', ko: '' }

const hints = {
  Unschedulable: {
    en:
      'the cluster has no room for this pod: give the node more CPU/memory' +
      ' (kind, minikube and k3d need about 4 CPUs and 8 GiB for this stack) or add a node',
    ko:
      '클러스터에 이 파드를 놓을 자리가 없습니다: 노드에 CPU/메모리를 더 주거나' +
      ' (kind, minikube, k3d는 이 스택에 CPU 4개와 8 GiB쯤 필요) 노드를 추가하세요',
  },
  image: {
    en: `check the image name and tag, and that the nodes can reach the registry (behind a proxy or offline, use a \
mirror)`,
    ko: `이미지 이름과 태그, 노드가 레지스트리에 닿는지 확인하세요 (프록시 뒤나 \
오프라인이면 미러를 쓰세요)`,
  },
  crash: (pod: KubeObject, container: string): Text => {
    const logs = `kubectl logs -n ${pod.metadata.namespace} ${pod.metadata.name} -c ${container} --previous`
    return { en: `read its log: ${logs}`, ko: `로그를 보세요: ${logs}` }
  },
  failed: {
    en: 'describe the pod: kubectl describe pod -n <namespace> <pod>',
    ko: '파드를 살펴보세요: kubectl describe pod -n <namespace> <pod>',
  },
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
  events: KubeObject[] = [],
): PodProblem | undefined {
  const problem = podProblem(pod, { events })
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

/**
 * A pod's lines in a diagnosis: `monitoring/loki-0 Pending: Unschedulable — 0/1 nodes are available…`,
 * its last events, the tail of `log` (its crashed container's, when the caller read it), what to try.
 */
export function describePod(pod: KubeObject, events: KubeObject[], log = ''): string[] {
  const problem = podProblem(pod, { events, log })
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
  const logTail = log.trimEnd().split('\n').filter(Boolean).slice(-5)
  const logTitle = say({ en: 'its log before it ended', ko: '끝나기 전 로그' })
  return [
    head,
    ...(mine.length ? [`    ${lastEvents}:`, ...mine.map((l) => `  ${l}`)] : []),
    ...(logTail.length ? [`    ${logTitle}:`, ...logTail.map((l) => `      ${l}`)] : []),
    ...(problem ? [`    ${say({ en: 'try', ko: '해 볼 것' })}: ${say(problem.hint)}`] : []),
  ]
}

function eventTime(e: any): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''
}
