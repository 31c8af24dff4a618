// What every controller is given, and the two things every controller does.
import type { DelayProfile } from './types.ts'
import type { Store, StoreEvent } from '../store.ts'
import type { Recorder } from './events.ts'
import type { FaultBook } from './faults.ts'
import type { ContainerLogs } from './logs.ts'
import type { HostKernel } from './kernel.ts'
import type { Loop } from './loop.ts'

export interface Ctx {
  store: Store
  loop: Loop
  recorder: Recorder
  faults: FaultBook
  logs: ContainerLogs
  kernel: HostKernel
  profile: DelayProfile
}

export interface Controller {
  /** Called synchronously for every store event: enqueue work, never write here. */
  onEvent(e: StoreEvent): void
  /** Look at everything already in the store (at start). */
  resync(): void
}
