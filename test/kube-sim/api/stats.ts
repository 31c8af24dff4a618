// Request accounting for tests and benchmarks: how many requests per verb and resource (e.g.
// `list pods`, `patch deployments.apps`, `get pods/status`, `get /apis` for non-resource paths),
// and how many watches are open now and at most since the last reset.
export interface SimStats {
  byVerbResource: Record<string, number>
  total: number
  openWatches: number
  maxOpenWatches: number
}

export class Stats {
  private counts = new Map<string, number>()
  private total = 0
  private open = 0
  private maxOpen = 0

  count(verb: string, resource: string): void {
    const key = `${verb} ${resource}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    this.total++
  }

  watchOpened(): void {
    this.open++
    this.maxOpen = Math.max(this.maxOpen, this.open)
  }

  watchClosed(): void {
    this.open--
  }

  snapshot(): SimStats {
    return {
      byVerbResource: Object.fromEntries([...this.counts].sort()),
      total: this.total,
      openWatches: this.open,
      maxOpenWatches: this.maxOpen,
    }
  }

  /** Zeroes the counters; open watches stay counted (they are still open). */
  reset(): void {
    this.counts.clear()
    this.total = 0
    this.maxOpen = this.open
  }
}
