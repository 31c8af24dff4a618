// The plan: steps are data with what they need. `plan` is pure (layers for display, reversed for
// teardown) and rejects an unknown need or a cycle before anything runs; `runPlan` starts every
// step as soon as all it needs is done, so the run's length is its longest chain of needs.
import { UsageError } from './errors.ts'

export interface PlanStep {
  id: string
  needs: string[]
}

/** Steps in layers: every step's needs lie in earlier layers; order within a layer is the input's. */
export function plan<T extends PlanStep>(steps: readonly T[]): T[][] {
  const ids = new Set(steps.map((s) => s.id))
  const unknown = steps.flatMap((s) => s.needs.filter((n) => !ids.has(n)).map((n) => `step "${s.id}" needs "${n}", which is not a step (known: ${[...ids].join(', ')})`))
  if (unknown.length) throw new UsageError(unknown)
  const layers: T[][] = []
  const done = new Set<string>()
  let left = [...steps]
  while (left.length) {
    const ready = left.filter((s) => s.needs.every((n) => done.has(n)))
    if (!ready.length) throw new UsageError([`the steps ${left.map((s) => s.id).join(', ')} need each other in a cycle`])
    layers.push(ready)
    for (const s of ready) done.add(s.id)
    left = left.filter((s) => !ready.includes(s))
  }
  return layers
}

export interface StepResult {
  id: string
  status: 'ok' | 'failed' | 'skipped'
  ms: number
  error?: unknown
}

/**
 * Runs the steps, each once all its needs succeeded, at most `concurrency` at a time. After a
 * failure no new step starts (running ones finish); steps not run are reported `skipped`, except
 * those listed in `always`, which run at the end whatever happened.
 */
export async function runPlan<T extends PlanStep>(steps: readonly T[], exec: (step: T) => Promise<void>, opts: { concurrency: number; always?: string[] }): Promise<StepResult[]> {
  plan(steps) // validate before running anything
  const results = new Map<string, StepResult>()
  const running = new Map<string, Promise<void>>()
  const runOne = (s: T) => {
    const started = Date.now()
    const done = exec(s).then(
      () => void results.set(s.id, { id: s.id, status: 'ok', ms: Date.now() - started }),
      (error) => void results.set(s.id, { id: s.id, status: 'failed', ms: Date.now() - started, error }),
    )
    running.set(s.id, done.finally(() => running.delete(s.id)))
  }
  const failed = () => [...results.values()].some((r) => r.status === 'failed')
  const startable = (s: T) => !results.has(s.id) && !running.has(s.id) && !failed() && s.needs.every((n) => results.get(n)?.status === 'ok')

  for (;;) {
    for (const s of steps) if (running.size < opts.concurrency && startable(s)) runOne(s)
    if (!running.size) break
    await Promise.race(running.values())
  }
  // After a failure the `always` steps (the report) still run: the user wants to see what is there.
  for (const s of steps) {
    if (!opts.always?.includes(s.id) || results.has(s.id)) continue
    runOne(s)
    await running.get(s.id)
  }
  return steps.map((s) => results.get(s.id) ?? { id: s.id, status: 'skipped' as const, ms: 0 })
}

/** What happened to one thing the run manages, for the closing summary. */
export interface Outcome {
  name: string
  action: 'installed' | 'upgraded' | 'replaced' | 'removed' | 'unchanged' | 'healed' | 'applied' | 'created' | 'exists'
    | 'checked' | 'failed'
  detail: string
}
