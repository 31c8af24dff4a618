// A pod's status rendered from where the simulated kubelet has got to: phase, the five pod
// conditions (times move only on a flip), container and init-container statuses, IPs, QoS class —
// the fields helm, kstatus, `kubectl wait`/`rollout status` and our verify step read.
import { createHash } from 'node:crypto'
import type { KObject } from '../store.ts'

export type Stage =
  | 'unscheduled' // waiting for the scheduler
  | 'unschedulable' // the scheduler said no (PodScheduled=False)
  | 'mounting' // bound, but a volume cannot be set up (FailedMount): no sandbox yet (ContainerCreating)
  | 'pulling' // bound: sandbox and images on their way (ContainerCreating)
  | 'pullFailed' // ErrImagePull
  | 'pullBackOff' // ImagePullBackOff, waiting to retry
  | 'starting' // images present, containers being created
  | 'running' // containers running, not ready (yet)
  | 'ready'
  | 'crashed' // CrashLoopBackOff, waiting to restart
  | 'succeeded' // every container exited 0 (restartPolicy Never/OnFailure, or killed on deletion)
  | 'failed' // a container exited 1 and restartPolicy Never

export interface Termination {
  exitCode: number
  reason: string
  /** the runtime's error (a container that could not run), or the log's tail (FallbackToLogsOnError) */
  message?: string
  startedAt: string
  finishedAt: string
}

/** What the kubelet knows about one pod; the status is rendered from this. */
export interface PodRun {
  namespace: string
  name: string
  uid: string
  stage: Stage
  nodeName?: string
  hostIP?: string
  podIP?: string
  startTime?: string
  /** the sandbox exists (pod IP assigned, PodReadyToStartContainers=True) */
  sandbox: boolean
  initDone: boolean
  startedAt?: string
  finished?: Termination
  lastTermination?: Termination
  restarts: number
  pullFailures: number
  /** why the registry refused the last pull */
  pullRefusal?: PullRefusal
  /** failed volume set-ups so far (the kubelet retries them with a back-off) */
  mountFailures?: number
  unschedulable?: string
  /** per condition type: status and when it last flipped */
  flips: Record<string, { status: string; time: string }>
}

const PENDING: Stage[] = [
  'unscheduled',
  'unschedulable',
  'mounting',
  'pulling',
  'pullFailed',
  'pullBackOff',
  'starting',
]

export function renderPodStatus(pod: KObject, run: PodRun, time: string): Record<string, unknown> {
  const qosClass = qosOf(pod)
  const phase =
    run.stage === 'succeeded'
      ? 'Succeeded'
      : run.stage === 'failed'
        ? 'Failed'
        : PENDING.includes(run.stage)
          ? 'Pending'
          : 'Running'
  if (run.stage === 'unscheduled') return { phase, qosClass }
  if (run.stage === 'unschedulable') {
    return { phase, qosClass, conditions: [cond(run, time, 'PodScheduled', false, 'Unschedulable', run.unschedulable)] }
  }
  const containers: any[] = pod.spec?.containers ?? []
  const inits: any[] = pod.spec?.initContainers ?? []
  const terminal = run.stage === 'succeeded' || run.stage === 'failed'
  const ready = run.stage === 'ready'
  const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`
  const incomplete = `containers with incomplete status: [${inits
    .filter((c) => c.restartPolicy !== 'Always')
    .map((c) => c.name)
    .join(' ')}]`
  const notReady = (type: string) =>
    terminal
      ? cond(run, time, type, false, 'PodCompleted')
      : cond(run, time, type, ready, ready ? undefined : 'ContainersNotReady', ready ? undefined : unready)
  return {
    phase,
    conditions: [
      cond(run, time, 'PodReadyToStartContainers', run.sandbox && !terminal),
      cond(
        run,
        time,
        'Initialized',
        run.initDone || terminal,
        run.initDone || terminal ? undefined : 'ContainersNotInitialized',
        run.initDone || terminal ? undefined : incomplete,
      ),
      notReady('Ready'),
      notReady('ContainersReady'),
      cond(run, time, 'PodScheduled', true),
    ],
    hostIP: run.hostIP,
    hostIPs: [{ ip: run.hostIP }],
    ...(run.podIP && run.sandbox ? { podIP: run.podIP, podIPs: [{ ip: run.podIP }] } : {}),
    startTime: run.startTime,
    ...(inits.length ? { initContainerStatuses: inits.map((c) => initStatus(run, c)) } : {}),
    containerStatuses: containers.map((c) => containerStatus(pod, run, c)),
    qosClass,
  }
}

/** A condition whose lastTransitionTime is the time its status last flipped. */
function cond(run: PodRun, time: string, type: string, ok: boolean, reason?: string, message?: string) {
  const status = ok ? 'True' : 'False'
  const prior = run.flips[type]
  if (!prior || prior.status !== status) run.flips[type] = { status, time }
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: run.flips[type].time,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  }
}

function containerStatus(pod: KObject, run: PodRun, c: any) {
  const base = {
    name: c.name,
    image: imageRef(c.image),
    imageID: run.sandbox && run.stage !== 'pullFailed' && run.stage !== 'pullBackOff' ? imageID(c.image) : '',
    restartCount: run.restarts,
  }
  const lastState = run.lastTermination
    ? { terminated: { ...run.lastTermination, containerID: containerID(run, c.name, run.restarts - 1) } }
    : {}
  const waiting = (reason: string, message?: string) => ({
    ...base,
    ready: false,
    started: false,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
    lastState,
  })
  switch (run.stage) {
    case 'mounting':
      return waiting(run.initDone ? 'ContainerCreating' : 'PodInitializing')
    case 'pulling':
      // a retried pull: the kubelet keeps reporting ImagePullBackOff until the pull succeeds or fails again
      if (run.pullFailures > 0 && (run.initDone || !pod.spec?.initContainers?.length))
        return waiting(...pullWaiting({ ...run, stage: 'pullBackOff' }, c.image))
      return waiting(run.initDone ? 'ContainerCreating' : 'PodInitializing')
    case 'starting':
      return waiting(run.initDone ? 'ContainerCreating' : 'PodInitializing')
    case 'pullFailed':
    case 'pullBackOff':
      return run.initDone || !pod.spec?.initContainers?.length
        ? waiting(...pullWaiting(run, c.image))
        : waiting('PodInitializing')
    case 'crashed':
      return waiting(
        'CrashLoopBackOff',
        `back-off ${Math.min(300, 10 * 2 ** Math.max(0, run.restarts - 1))}s ` +
          `restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})`,
      )
    case 'succeeded':
    case 'failed':
      return {
        ...base,
        ready: false,
        started: false,
        containerID: containerID(run, c.name, run.restarts),
        state: { terminated: { ...run.finished!, containerID: containerID(run, c.name, run.restarts) } },
        lastState,
      }
    default: // running, ready
      return {
        ...base,
        ready: run.stage === 'ready',
        started: true,
        containerID: containerID(run, c.name, run.restarts),
        state: { running: { startedAt: run.startedAt } },
        lastState,
      }
  }
}

/** Init containers ran to completion when the pod initialized; sidecars (restartPolicy Always) keep running. */
function initStatus(run: PodRun, c: any) {
  const base = {
    name: c.name,
    image: imageRef(c.image),
    imageID: run.initDone ? imageID(c.image) : '',
    restartCount: 0,
    lastState: {},
  }
  if (!run.initDone) {
    const pullTrouble =
      run.stage === 'pullFailed' || run.stage === 'pullBackOff' || (run.stage === 'pulling' && run.pullFailures > 0)
    const [reason, message] = pullTrouble
      ? pullWaiting(run.stage === 'pulling' ? { ...run, stage: 'pullBackOff' } : run, c.image)
      : ['PodInitializing']
    return { ...base, ready: false, started: false, state: { waiting: { reason, ...(message ? { message } : {}) } } }
  }
  const id = containerID(run, c.name, -1)
  if (c.restartPolicy === 'Always' && run.stage !== 'succeeded' && run.stage !== 'failed') {
    return { ...base, ready: true, started: true, containerID: id, state: { running: { startedAt: run.startTime } } }
  }
  return {
    ...base,
    ready: true,
    started: false,
    containerID: id,
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: run.startTime,
        finishedAt: run.startTime,
        containerID: id,
      },
    },
  }
}

function pullWaiting(run: PodRun, image: string): [string, string] {
  const error = pullErrorMessage(image, run.pullRefusal)
  return run.stage === 'pullFailed'
    ? ['ErrImagePull', error]
    : ['ImagePullBackOff', `Back-off pulling image "${image}": ErrImagePull: ${error}`]
}

export type PullRefusal = 'notFound' | 'rateLimited'

/**
 * containerd's message for an image the registry does not have, or will not serve now: Docker Hub
 * answers HEAD requests past the rate limit, so the 429 comes with the manifest's GET, by digest.
 */
export function pullErrorMessage(image: string, refusal: PullRefusal = 'notFound'): string {
  const ref = imageRef(image)
  if (refusal === 'notFound')
    return (
      `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": ` +
      `failed to resolve reference "${ref}": ${ref}: not found`
    )
  const [host, ...path] = ref.replace(/:[^/:@]+$/, '').split('/')
  const registry = host === 'docker.io' ? 'registry-1.docker.io' : host
  return (
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to copy: ` +
    `httpReadSeeker: failed open: unexpected status code https://${registry}/v2/${path.join('/')}/manifests/` +
    `sha256:${sha(ref)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your ` +
    'unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit'
  )
}

/** `nginx` → `docker.io/library/nginx:latest`, as containerd reports it. */
export function imageRef(image = ''): string {
  const [first] = image.split('/')
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  let ref = hasRegistry ? image : image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`
  if (!ref.includes('@') && !/:[^/]+$/.test(ref)) ref += ':latest'
  return ref
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const imageID = (image: string) => `${imageRef(image).replace(/:[^/:@]+$/, '')}@sha256:${sha(imageRef(image))}`
const containerID = (run: PodRun, name: string, attempt: number) =>
  `containerd://${sha(`${run.uid}/${name}/${attempt}`)}`

/** Guaranteed when every container's requests equal its limits for cpu and memory; BestEffort with none. */
export function qosOf(pod: KObject): string {
  const containers: any[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
  const res = containers.map((c) => ({ requests: c.resources?.requests ?? {}, limits: c.resources?.limits ?? {} }))
  if (res.every((r) => !Object.keys(r.requests).length && !Object.keys(r.limits).length)) return 'BestEffort'
  const guaranteed = res.every((r) =>
    ['cpu', 'memory'].every(
      (k) => r.limits[k] !== undefined && (r.requests[k] === undefined || r.requests[k] === r.limits[k]),
    ),
  )
  return guaranteed ? 'Guaranteed' : 'Burstable'
}
