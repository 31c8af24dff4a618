// HTTP-level faults a test switches on while the sim runs: a share of requests failing with 500,
// 429 (with Retry-After) or a reset connection, or the server going down at one, and added latency; each optionally limited to a
// path pattern, some verbs, a time window or a number of hits. Shares are drawn from a seeded
// generator, so a run with the same seed and the same requests fails the same requests.
/** `down`: the API server goes away at this request, as a crash does (see SimFaults.server) */
export type HttpFailure = 500 | 429 | 'reset' | 'down'

export interface FailRule {
  /** what happens to a hit request */
  failure: HttpFailure
  /** share of matching requests hit, 0..1 (default 1) */
  share?: number
  /** only requests whose path and query match (a RegExp, or a string tested as a substring) */
  path?: RegExp | string
  /** only these verbs: get, list, watch, create, update, patch, delete, deletecollection */
  verbs?: string[]
  /** active from `fromMs` to `untilMs` after the rule is added (default: from now, forever) */
  fromMs?: number
  untilMs?: number
  /** stop after this many hits */
  times?: number
  /** Retry-After for 429 (default 1) */
  retryAfterSeconds?: number
}

export interface SlowRule {
  /** latency added before the response, in ms */
  ms: number
  share?: number
  path?: RegExp | string
  verbs?: string[]
  fromMs?: number
  untilMs?: number
}

export interface HttpFaults {
  /** Adds a failure rule; returns the function that removes it. */
  fail(rule: FailRule): () => void
  /** Adds latency; returns the function that removes it. */
  slow(rule: SlowRule): () => void
  /** Re-seeds the generator that decides which requests a share hits. */
  seed(seed: number): void
  clear(): void
}

interface Active<R> {
  rule: R
  since: number
  hits: number
}

export interface RequestFacts {
  pathAndQuery: string
  verb: string
}

export class HttpFaultBook implements HttpFaults {
  private fails: Active<FailRule>[] = []
  private slows: Active<SlowRule>[] = []
  private random: () => number

  constructor(seed = Date.now()) {
    this.random = mulberry32(seed)
  }

  fail(rule: FailRule): () => void {
    const active = { rule, since: Date.now(), hits: 0 }
    this.fails.push(active)
    return () => void (this.fails = this.fails.filter((a) => a !== active))
  }

  slow(rule: SlowRule): () => void {
    const active = { rule, since: Date.now(), hits: 0 }
    this.slows.push(active)
    return () => void (this.slows = this.slows.filter((a) => a !== active))
  }

  seed(seed: number): void {
    this.random = mulberry32(seed)
  }

  clear(): void {
    this.fails = []
    this.slows = []
  }

  /** The failure for this request, if a rule hits it. */
  failureFor(req: RequestFacts): FailRule | undefined {
    for (const a of this.fails) {
      if (a.rule.times !== undefined && a.hits >= a.rule.times) continue
      if (!this.hits(a, req)) continue
      a.hits++
      return a.rule
    }
    return undefined
  }

  /** Total latency to add to this request. */
  delayFor(req: RequestFacts): number {
    return this.slows.reduce((ms, a) => ms + (this.hits(a, req) ? a.rule.ms : 0), 0)
  }

  private hits(a: Active<FailRule | SlowRule>, req: RequestFacts): boolean {
    const { rule } = a
    const age = Date.now() - a.since
    if (rule.fromMs !== undefined && age < rule.fromMs) return false
    if (rule.untilMs !== undefined && age >= rule.untilMs) return false
    if (rule.verbs && !rule.verbs.includes(req.verb)) return false
    if (rule.path !== undefined) {
      const matched =
        typeof rule.path === 'string' ? req.pathAndQuery.includes(rule.path) : rule.path.test(req.pathAndQuery)
      if (!matched) return false
    }
    return this.random() < (rule.share ?? 1)
  }
}

/** A small seeded PRNG (mulberry32): good enough to pick which requests fail, and repeatable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
