// The controllers' public types, apart from index.ts so that its parts can name them without
// importing the module that imports them.
import type { HostKernel } from './kernel.ts'
import type { ContainerLogs } from './logs.ts'

/** Pending → (scheduled) ContainerCreating → Running → Ready */
export interface PodDelays {
  scheduleMs: number
  pullMs: number
  startMs: number
  readyMs: number
}
export interface DelayProfile {
  default: PodDelays
  rules?: { match: string /* RegExp source, tested against the pod name */; delays: Partial<PodDelays> }[]
}
export type PodFault =
  // Waiting ErrImagePull, then ImagePullBackOff, Event "Failed to pull image …": the tag not found, or
  // the registry's rate limit (429 Too Many Requests, as Docker Hub answers anonymous pulls past 100 in 6 h)
  | { kind: 'imagePull'; refusal?: 'notFound' | 'rateLimited' }
  // Running briefly, then Waiting CrashLoopBackOff, restartCount grows; Job pods fail. `log`: what each
  // run writes before it exits (`kubectl logs --previous`; the termination message with FallbackToLogsOnError)
  | { kind: 'crashLoop'; log?: string }
  // Pending, PodScheduled=False reason Unschedulable, FailedScheduling event naming what the nodes lack
  | { kind: 'unschedulable'; insufficient?: ('cpu' | 'memory')[] }
  // the node's / is a private mount (Docker Desktop's VM): a container that mounts a host path with
  // mount propagation cannot start (ContainerCannotRun, exit 128), and backs off as a crash loop does
  | { kind: 'rootNotShared' }
  | { kind: 'neverReady' } // Running, never Ready (readiness probe failing events)
  | { kind: 'delay'; ms: number } // extra time before Ready
export interface WorkloadFaults {
  set(podNamePattern: string, fault: PodFault): void
  clear(podNamePattern?: string): void
}
export interface Controllers {
  faults: WorkloadFaults
  /** what the containers wrote, for the API's log subresource */
  logs: ContainerLogs
  /** what containers read under /proc/sys */
  kernel: HostKernel
  stop(): void
}
