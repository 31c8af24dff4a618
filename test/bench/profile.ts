// The benchmark's delay profile: how long each workload of seed §2–§4 takes from "pod created" to
// "Ready" on a cluster pulling its images for the first time, and the critical-path bound it
// implies for `npm run all`. Every figure is multiplied by BENCH_SCALE (default 1).
//
// Workload (pod-name pattern)          pull  start  ready   total  why
// prometheus-operator                   4 s    1 s    2 s     7 s  small Go binary
// grafana (kube-prometheus-stack)      12 s    3 s   10 s    25 s  grafana + 2 sidecars, DB migrations
// kube-state-metrics                    4 s    1 s    5 s    10 s
// node-exporter (DaemonSet)             3 s    1 s    2 s     6 s
// prometheus-…-0 (by the operator)      8 s    2 s   10 s    20 s  starts once the operator is ready
// alertmanager-…-0 (by the operator)    5 s    1 s    4 s    10 s  idem
// loki-0                               10 s    2 s   45 s    57 s  loki-stack's readinessProbe initialDelaySeconds: 45
// promtail (DaemonSet)                  6 s    1 s    5 s    12 s
// tempo-0                              10 s    2 s    8 s    20 s
// cert-manager, cainjector              5 s    1 s    2 s     8 s
// cert-manager-webhook                  5 s    1 s   10 s    16 s  readiness after its serving cert is made
// opentelemetry-operator               10 s    2 s   10 s    22 s  manager + kube-rbac-proxy
//
// Hook Job (pod-name pattern)          pull  start    run   total  why
// kube-prometheus-stack-admission-     3 s    1 s    1 s     5 s  kube-webhook-certgen (small image); the
//   create (pre-install/-upgrade)                                  release's objects are created after it
// …-admission-patch (post-install/-upgrade)  idem                  helm returns only after it
// (scheduling: 0.1 s for every pod)
//
// The real charts have no other hook that helm waits for with our values: kube-prometheus-stack's
// CRD upgrade Job is off by default, opentelemetry-operator's hook is a Secret (no wait), and the
// rest are test hooks (`helm test` only).
//
// At BENCH_SCALE=1 the seed done by hand takes about 2.5 minutes and the whole benchmark about 6.
import type { DelayProfile, PodDelays } from 'kube-sim'

/** One workload the run waits on: its pod-name pattern and its delays at scale 1, in seconds. */
interface Workload {
  /** RegExp source tested against the pod name (later rows override earlier ones) */
  match: string
  pull: number
  start: number
  ready: number
  /** created by the Prometheus operator once the operator's own pod is ready */
  afterOperator?: boolean
  /** a hook Job's pod: `ready` is how long it runs before it exits 0 */
  job?: boolean
}

const SCHEDULE_S = 0.1

export const workloads = {
  'prometheus-operator': { match: '^kube-prometheus-stack-operator-', pull: 4, start: 1, ready: 2 },
  grafana: { match: '^kube-prometheus-stack-grafana-', pull: 12, start: 3, ready: 10 },
  'kube-state-metrics': { match: '^kube-prometheus-stack-kube-state-metrics-', pull: 4, start: 1, ready: 5 },
  'node-exporter': { match: '^kube-prometheus-stack-prometheus-node-exporter-', pull: 3, start: 1, ready: 2 },
  prometheus: {
    match: '^prometheus-kube-prometheus-stack-prometheus-',
    pull: 8,
    start: 2,
    ready: 10,
    afterOperator: true,
  },
  alertmanager: {
    match: '^alertmanager-kube-prometheus-stack-alertmanager-',
    pull: 5,
    start: 1,
    ready: 4,
    afterOperator: true,
  },
  loki: { match: '^loki-\\d+$', pull: 10, start: 2, ready: 45 },
  promtail: { match: '^loki-promtail-', pull: 6, start: 1, ready: 5 },
  tempo: { match: '^tempo-\\d+$', pull: 10, start: 2, ready: 8 },
  'cert-manager': { match: '^cert-manager-', pull: 5, start: 1, ready: 2 },
  'cert-manager-webhook': { match: '^cert-manager-webhook-', pull: 5, start: 1, ready: 10 },
  'opentelemetry-operator': { match: '^opentelemetry-operator-', pull: 10, start: 2, ready: 10 },
  'admission-create': { match: '^kube-prometheus-stack-admission-create-', pull: 3, start: 1, ready: 1, job: true },
  'admission-patch': { match: '^kube-prometheus-stack-admission-patch-', pull: 3, start: 1, ready: 1, job: true },
} satisfies Record<string, Workload>
export type WorkloadName = keyof typeof workloads

/** BENCH_SCALE: a positive number; 0.25 makes a quick (less telling) run. */
export function benchScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.BENCH_SCALE ?? '1')
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got "${env.BENCH_SCALE}"`)
  return scale
}

/** The kube-sim profile: every pod gets the default, then the delays of its workload's row. */
export function benchProfile(scale: number): DelayProfile {
  const ms = (s: number) => Math.round(s * 1000 * scale)
  // kube-sim runs a Job's pod readyMs until Ready, then readyMs more until it exits: half each
  const delays = (w: Workload): PodDelays => ({
    scheduleMs: ms(SCHEDULE_S),
    pullMs: ms(w.pull),
    startMs: ms(w.start),
    readyMs: ms(w.job ? w.ready / 2 : w.ready),
  })
  return {
    default: { scheduleMs: ms(SCHEDULE_S), pullMs: ms(3), startMs: ms(1), readyMs: ms(2) },
    rules: Object.values(workloads).map((w) => ({ match: w.match, delays: delays(w) })),
  }
}

/** Seconds from "created" to "Ready" (a Job: to "Complete") for one workload (after its operator, when it has one). */
export function readySeconds(name: WorkloadName, scale: number): number {
  const w: Workload = workloads[name]
  const own = SCHEDULE_S + w.pull + w.start + w.ready
  return scale * (own + (w.afterOperator ? readySeconds('prometheus-operator', 1) : 0))
}

/**
 * One release on the path: the hook Jobs helm runs before it creates the release's objects, the
 * workloads it creates, and the hook Jobs it runs right after creating them (helm waits for each
 * hook Job to complete, one after the other).
 */
interface ReleasePath {
  pre?: WorkloadName[]
  workloads: WorkloadName[]
  post?: WorkloadName[]
}

/** What each step of the plan (lib/core/plan.ts, seed profile) waits on; the other steps wait on no pod. */
export const stepReleases: Record<string, ReleasePath[]> = {
  'kube-prometheus-stack': [
    {
      pre: ['admission-create'],
      workloads: [
        'prometheus-operator',
        'grafana',
        'kube-state-metrics',
        'node-exporter',
        'prometheus',
        'alertmanager',
      ],
      post: ['admission-patch'],
    },
  ],
  loki: [{ workloads: ['loki', 'promtail'] }],
  tempo: [{ workloads: ['tempo'] }],
  'cert-manager': [{ workloads: ['cert-manager', 'cert-manager-webhook'] }],
  'opentelemetry-operator': [{ workloads: ['opentelemetry-operator'] }],
}

/**
 * A release's cost: its pre-install hooks, then the slower of its workloads and its post-install
 * hooks (helm runs those as soon as the objects exist, alongside the pods starting).
 */
export function releaseSeconds(release: ReleasePath, scale: number): number {
  const sum = (names: WorkloadName[] = []) => names.reduce((s, n) => s + readySeconds(n, scale), 0)
  return sum(release.pre) + Math.max(sum(release.post), ...release.workloads.map((w) => readySeconds(w, scale)))
}

/**
 * The critical-path bound: the longest chain of `needs` in the plan, each step costing its
 * slowest release (the releases of a step may install side by side) and nothing else (no CLI,
 * no API time). No run can be faster.
 */
export function criticalPathBound(steps: readonly { id: string; needs: string[] }[], scale: number): number {
  const cost = (id: string) => Math.max(0, ...(stepReleases[id] ?? []).map((r) => releaseSeconds(r, scale)))
  const finish = new Map<string, number>()
  const finishOf = (id: string): number => {
    const known = finish.get(id)
    if (known !== undefined) return known
    const step = steps.find((s) => s.id === id)
    if (!step) throw new Error(`unknown step ${id}`)
    const done = Math.max(0, ...step.needs.map(finishOf)) + cost(id)
    finish.set(id, done)
    return done
  }
  return Math.max(...steps.map((s) => finishOf(s.id)))
}
