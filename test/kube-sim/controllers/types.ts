// The controllers' public types, apart from index.ts so that its parts can name them without
// importing the module that imports them.

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
  | { kind: 'imagePull' } // Waiting ErrImagePull, then ImagePullBackOff, Event "Failed to pull image …"
  | { kind: 'crashLoop' } // Running briefly, then Waiting CrashLoopBackOff, restartCount grows; Job pods fail
  | { kind: 'unschedulable' } // Pending, PodScheduled=False reason Unschedulable, FailedScheduling event
  | { kind: 'neverReady' } // Running, never Ready (readiness probe failing events)
  | { kind: 'delay'; ms: number } // extra time before Ready
export interface WorkloadFaults {
  set(podNamePattern: string, fault: PodFault): void
  clear(podNamePattern?: string): void
}
export interface Controllers {
  faults: WorkloadFaults
  stop(): void
}
