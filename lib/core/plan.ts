// The plan: steps are data with what they need. `plan` is pure (layers for display, reversed for
// teardown) and rejects an unknown need or a cycle before anything runs; `runPlan` starts every
// step as soon as all it needs is done, so the run's length is its longest chain of needs.
import type { Config, Release } from './config.ts'
import { UsageError } from './errors.ts'
import { knownReleaseNames, type StepId, type WebhookId } from './stack.ts'
import type { Text } from './text.ts'

export interface PlanStep {
  id: string
  needs: string[]
}

/**
 * Steps one after the other, each after all it needs, otherwise in the input's order: the order a
 * person runs them in (a printed plan), where `plan` gives what may run side by side.
 */
export function sequence<T extends PlanStep>(steps: readonly T[]): T[] {
  plan(steps) // rejects an unknown need or a cycle
  const done = new Set<string>()
  const out: T[] = []
  while (out.length < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && s.needs.every((n) => done.has(n)))!
    done.add(next.id)
    out.push(next)
  }
  return out
}

/** Steps in layers: every step's needs lie in earlier layers; order within a layer is the input's. */
export function plan<T extends PlanStep>(steps: readonly T[]): T[][] {
  const ids = new Set(steps.map((s) => s.id))
  const unknown = steps.flatMap((s) =>
    s.needs
      .filter((n) => !ids.has(n))
      .map((n) => `step "${s.id}" needs "${n}", which is not a step (known: ${[...ids].join(', ')})`),
  )
  if (unknown.length) throw new UsageError(unknown)
  const layers: T[][] = []
  const done = new Set<string>()
  let left = [...steps]
  while (left.length) {
    const ready = left.filter((s) => s.needs.every((n) => done.has(n)))
    if (!ready.length)
      throw new UsageError([`the steps ${left.map((s) => s.id).join(', ')} need each other in a cycle`])
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
export async function runPlan<T extends PlanStep>(
  steps: readonly T[],
  exec: (step: T) => Promise<void>,
  opts: { concurrency: number; always?: string[] },
): Promise<StepResult[]> {
  plan(steps) // validate before running anything
  const results = new Map<string, StepResult>()
  const running = new Map<string, Promise<void>>()
  const runOne = (s: T) => {
    const started = Date.now()
    const done = exec(s).then(
      () => void results.set(s.id, { id: s.id, status: 'ok', ms: Date.now() - started }),
      (error) => void results.set(s.id, { id: s.id, status: 'failed', ms: Date.now() - started, error }),
    )
    running.set(
      s.id,
      done.finally(() => running.delete(s.id)),
    )
  }
  const failed = () => [...results.values()].some((r) => r.status === 'failed')
  const startable = (s: T) =>
    !results.has(s.id) && !running.has(s.id) && !failed() && s.needs.every((n) => results.get(n)?.status === 'ok')

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
  action:
    | 'installed'
    | 'upgraded'
    | 'replaced'
    | 'removed'
    | 'unchanged'
    | 'healed'
    | 'applied'
    | 'created'
    | 'exists'
    | 'checked'
    | 'failed'
  detail: string
}

/**
 * What a step does, as data: a run executes it (lib/run/execute.ts), a dry run prints it as bash
 * (lib/run/script.ts). Releases are named, not copied: the executors read them from the config.
 */
export type Action =
  | { do: 'check-app-namespace' }
  | { do: 'create-namespace'; namespace: string }
  | { do: 'require-namespace'; namespace: string }
  | { do: 'add-repos'; releases: string[] }
  | { do: 'remove-releases'; releases: string[] }
  | { do: 'install'; release: string }
  | { do: 'wait-release'; release: string }
  | { do: 'apply-cert-manager' }
  | { do: 'wait-cert-manager' }
  | { do: 'webhook'; webhook: WebhookId }
  | { do: 'require-cert-manager' }
  | { do: 'report' }

/** One node of the plan: a component of the stack, in the section of the seed that installs it. */
export interface Step extends PlanStep {
  /** one title in both languages: the run's tags and the summary say it alike, the dry-run script in English */
  title: Text
  /** the seed section (and script) it belongs to; repositories serve every section with releases */
  section: StepId | 'repos'
  actions: Action[]
  /** what a section run alone does instead, when a step of its own needs this one (undefined: nothing) */
  check?: Action[]
  /** runs at the end even after a failure (the report) */
  always?: boolean
}

/**
 * The stack as steps, from the config: namespaces, the helm repositories, each release, the
 * cert-manager manifest, the report. Each names what it needs; the order is the seed's.
 */
export function stackSteps(config: Config): Step[] {
  const { namespace } = config
  const wanted = new Set(config.releases.map((r) => r.name))
  const strays = knownReleaseNames.filter((n) => !wanted.has(n))
  const steps: Step[] = [
    {
      id: 'namespace',
      section: 'namespace',
      title: { en: '§1 namespaces', ko: '§1 네임스페이스' },
      needs: [],
      actions: [{ do: 'check-app-namespace' }, { do: 'create-namespace', namespace }],
      check: [{ do: 'require-namespace', namespace }],
    },
    {
      id: 'repos',
      section: 'repos',
      title: { en: '§2.1 helm repositories', ko: '§2.1 Helm 리포지토리' },
      needs: [],
      actions: [{ do: 'add-repos', releases: config.releases.map((r) => r.name) }],
    },
    // a --profile switch: the other profile's releases go first, so two log stacks never run side by side
    ...(strays.length
      ? [
          {
            id: 'other-profile',
            section: 'lgtm' as const,
            title: { en: '§2 releases of another --profile', ko: '§2 다른 --profile의 릴리스' },
            needs: ['namespace'],
            actions: [{ do: 'remove-releases' as const, releases: strays }],
          },
        ]
      : []),
    ...config.releases.filter((r) => r.step === 'lgtm').map(releaseStep),
    {
      id: 'cert-manager',
      section: 'cert-manager',
      title: { en: '§3 cert-manager', ko: '§3 cert-manager' },
      needs: [],
      actions: [{ do: 'apply-cert-manager' }, { do: 'wait-cert-manager' }, { do: 'webhook', webhook: 'cert-manager' }],
      check: [{ do: 'require-cert-manager' }],
    },
    ...config.releases.filter((r) => r.step !== 'lgtm').map(releaseStep),
  ]
  return [
    ...steps,
    {
      id: 'verify',
      section: 'verify',
      title: { en: '§5 checkpoint report', ko: '§5 체크포인트 리포트' },
      needs: steps.map((s) => s.id),
      always: true,
      actions: [{ do: 'report' }],
    },
  ]

  function releaseStep(r: Release): Step {
    return {
      id: r.name,
      section: r.step,
      title: { en: `${r.seed} ${r.name}`, ko: `${r.seed} ${r.name}` },
      needs: ['namespace', 'repos', ...(r.step === 'lgtm' && strays.length ? ['other-profile'] : []), ...r.needs],
      actions: [
        { do: 'install', release: r.name },
        { do: 'wait-release', release: r.name },
        ...(r.webhook ? [{ do: 'webhook' as const, webhook: r.webhook }] : []),
      ],
    }
  }
}

/**
 * The plan of some sections (a script run alone) or of all: their steps, with the repositories
 * their releases need. A step they need from another section is not run but checked (`check`),
 * before anything else: a section run too early is refused with nothing changed.
 */
export function planFor(config: Config, scope: StepId[] | 'all'): Step[] {
  const steps = stackSteps(config)
  if (scope === 'all') return steps
  const chosen = steps.filter((s) => scope.includes(s.section as StepId))
  const releases = chosen.flatMap((s) => s.actions.flatMap((a) => (a.do === 'install' ? [a.release] : [])))
  const repos = steps
    .filter((s) => s.id === 'repos' && releases.length)
    .map((s) => ({ ...s, actions: [{ do: 'add-repos' as const, releases }] }))
  const ids = new Set([...chosen, ...repos].map((s) => s.id))
  // the report needs everything only to come last: alone, it judges what is there and requires nothing
  const requirers = chosen.filter((c) => !c.always)
  const checked = steps
    .filter((s) => !ids.has(s.id) && s.check && requirers.some((c) => c.needs.includes(s.id)))
    .map(
      (s): Step => ({
        id: s.id,
        section: s.section,
        title: { en: `${s.title.en} (checked)`, ko: `${s.title.ko} (확인만)` },
        needs: [],
        actions: s.check!,
      }),
    )
  const first = checked.map((s) => s.id)
  const own = [...repos, ...chosen].map((s) => ({
    ...s,
    needs: [...first, ...s.needs.filter((n) => ids.has(n) && n !== s.id)],
  }))
  return [...checked, ...own]
}
