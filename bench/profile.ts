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
// (scheduling: 0.1 s for every pod)
//
// At BENCH_SCALE=1 the seed done by hand takes about 2.5 minutes and the whole benchmark about 5.
import type { DelayProfile, PodDelays } from '../test/kube-sim/controllers/index.ts'

/** One workload the run waits on: its pod-name pattern and its delays at scale 1, in seconds. */
interface Workload {
  /** RegExp source tested against the pod name (later rows override earlier ones) */
  match: string
  pull: number
  start: number
  ready: number
  /** created by the Prometheus operator once the operator's own pod is ready */
  afterOperator?: boolean
}

const SCHEDULE_S = 0.1

export const workloads = {
  'prometheus-operator': { match: '^kube-prometheus-stack-operator-', pull: 4, start: 1, ready: 2 },
  grafana: { match: '^kube-prometheus-stack-grafana-', pull: 12, start: 3, ready: 10 },
  'kube-state-metrics': { match: '^kube-prometheus-stack-kube-state-metrics-', pull: 4, start: 1, ready: 5 },
  'node-exporter': { match: '^kube-prometheus-stack-prometheus-node-exporter-', pull: 3, start: 1, ready: 2 },
  prometheus: { match: '^prometheus-kube-prometheus-stack-prometheus-', pull: 8, start: 2, ready: 10, afterOperator: true },
  alertmanager: { match: '^alertmanager-kube-prometheus-stack-alertmanager-', pull: 5, start: 1, ready: 4, afterOperator: true },
  loki: { match: '^loki-\\d+$', pull: 10, start: 2, ready: 45 },
  promtail: { match: '^loki-promtail-', pull: 6, start: 1, ready: 5 },
  tempo: { match: '^tempo-\\d+$', pull: 10, start: 2, ready: 8 },
  'cert-manager': { match: '^cert-manager-', pull: 5, start: 1, ready: 2 },
  'cert-manager-webhook': { match: '^cert-manager-webhook-', pull: 5, start: 1, ready: 10 },
  'opentelemetry-operator': { match: '^opentelemetry-operator-', pull: 10, start: 2, ready: 10 },
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
  const delays = (w: Workload): PodDelays => ({ scheduleMs: ms(SCHEDULE_S), pullMs: ms(w.pull), startMs: ms(w.start), readyMs: ms(w.ready) })
  return {
    default: { scheduleMs: ms(SCHEDULE_S), pullMs: ms(3), startMs: ms(1), readyMs: ms(2) },
    rules: Object.values(workloads).map((w) => ({ match: w.match, delays: delays(w) })),
  }
}

/** Seconds from "created" to "Ready" for one workload (after its operator, when it has one). */
export function readySeconds(name: WorkloadName, scale: number): number {
  const w: Workload = workloads[name]
  const own = SCHEDULE_S + w.pull + w.start + w.ready
  return scale * (own + (w.afterOperator ? readySeconds('prometheus-operator', 1) : 0))
}

/** What each step of scripts/all.mts waits on (the other steps wait on no pod). */
export const stepWorkloads: Record<string, WorkloadName[]> = {
  lgtm: ['prometheus-operator', 'grafana', 'kube-state-metrics', 'node-exporter', 'prometheus', 'alertmanager', 'loki', 'promtail', 'tempo'],
  'cert-manager': ['cert-manager', 'cert-manager-webhook'],
  'otel-operator': ['opentelemetry-operator'],
}

/**
 * The critical-path bound: the longest chain of `needs` in the plan, each step costing the
 * slowest of its workloads and nothing else (no CLI, no API time). No run can be faster.
 */
export function criticalPathBound(steps: readonly { id: string; needs: string[] }[], scale: number): number {
  const cost = (id: string) => Math.max(0, ...(stepWorkloads[id] ?? []).map((w) => readySeconds(w, scale)))
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
