// The one scheduler every controller shares: a de-duplicated work queue drained on the next tick,
// plus named timers for the simulated delays. Store events arrive synchronously inside a write, so
// controllers only ever *enqueue* from a listener; the writes happen here, after the event has been
// delivered to every watcher (otherwise a watch could see MODIFIED before the ADDED that caused it).
import { ApiError } from '../store.ts'

type Work = () => void

export class Loop {
  private readonly queue = new Map<string, Work>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private drainScheduled: NodeJS.Immediate | undefined
  private stopped = false

  /** Runs `work` on the next tick; a key already queued is run once. */
  enqueue(key: string, work: Work): void {
    if (this.stopped) return
    this.queue.set(key, work)
    this.drainScheduled ??= setImmediate(() => this.drain())
  }

  /** Runs `work` after `ms`, replacing any timer of the same key. */
  after(key: string, ms: number, work: Work): void {
    if (this.stopped) return
    this.cancel(key)
    const timer = setTimeout(
      () => {
        this.timers.delete(key)
        this.run(key, work)
      },
      Math.max(0, ms),
    )
    this.timers.set(key, timer)
  }

  has(key: string): boolean {
    return this.timers.has(key)
  }

  cancel(key: string): void {
    const timer = this.timers.get(key)
    if (timer) clearTimeout(timer)
    this.timers.delete(key)
  }

  /** Cancels every prefixed timer (e.g. all of one pod's). */
  cancelPrefix(prefix: string): void {
    for (const key of [...this.timers.keys()]) if (key.startsWith(prefix)) this.cancel(key)
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    this.queue.clear()
    if (this.drainScheduled) clearImmediate(this.drainScheduled)
    this.drainScheduled = undefined
  }

  get isStopped(): boolean {
    return this.stopped
  }

  private drain(): void {
    this.drainScheduled = undefined
    const batch = [...this.queue]
    this.queue.clear()
    for (const [key, work] of batch) this.run(key, work)
  }

  /**
   * Runs one piece of work. A Conflict means someone wrote in between: try again shortly, with
   * fresh reads (every reconcile reads the store anew). NotFound means the object went away,
   * which the next event will tell its controller about; AlreadyExists and Forbidden (a namespace
   * being terminated) are settled by the next reconcile too.
   */
  private run(key: string, work: Work): void {
    if (this.stopped) return
    try {
      work()
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict') return this.after(`retry:${key}`, 5, work)
      if (err instanceof ApiError && [403, 404, 409].includes(err.code)) return
      console.error(`[kube-sim controllers] ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    }
  }
}
