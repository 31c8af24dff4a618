// How a simulated operator talks to the cluster: it reads the store (its informer cache) and
// writes through the simulator's HTTP API, as a real operator writes through the apiserver, so
// its writes meet the same defaulting, validation, admission webhooks and watches as anyone's.
import type { Sim } from '../index.ts'

export type Method = 'POST' | 'PUT' | 'PATCH'

/** A write refused by the API: the operator's reconcile fails and is retried later. */
export class WriteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * One write as `manager`. PATCH is a JSON merge patch. A 404 (the object or its namespace went
 * away meanwhile) is not an error: the next reconcile sees the store as it is now.
 */
export async function write(sim: Sim, manager: string, method: Method, path: string, body: unknown): Promise<void> {
  const sep = path.includes('?') ? '&' : '?'
  const res = await fetch(`${sim.url}${path}${sep}fieldManager=${manager}`, {
    method,
    headers: {
      'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      'user-agent': `${manager}/v0.0.0 (linux/amd64) kube-sim`,
    },
    body: JSON.stringify(body),
  })
  if (res.ok || res.status === 404) return
  throw new WriteError(res.status, `${method} ${path}: ${res.status} ${await res.text()}`)
}

/**
 * A reconcile loop: `reconcile` runs 20 ms after the last trigger, one run at a time; a failed
 * run (a webhook not answering yet, a conflict) is retried with a back-off of 50 ms … 1 s.
 */
export function reconcileLoop(reconcile: () => Promise<void>): { trigger(): void; stop(): void } {
  let pending: NodeJS.Timeout | undefined
  let running = Promise.resolve()
  let failures = 0
  let stopped = false
  const schedule = (ms: number) => {
    if (stopped || pending) return
    pending = setTimeout(() => {
      pending = undefined
      running = running.then(async () => {
        if (stopped) return
        try {
          await reconcile()
          failures = 0
        } catch {
          failures++
          schedule(Math.min(1000, 50 * 2 ** Math.min(5, failures - 1)))
        }
      })
    }, ms)
  }
  return {
    trigger: () => schedule(20),
    stop: () => {
      stopped = true
      clearTimeout(pending)
    },
  }
}
