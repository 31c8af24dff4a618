// How long each step of a pod's life takes, per pod-name pattern, and the back-off the kubelet,
// the scheduler and the Job controller wait between retries (scaled to the profile, not to
// Kubernetes' 10 s … 5 min, so tests see several retries within a second).
import type { DelayProfile, PodDelays } from './types.ts'

/** Every phase 20–50 ms: a pod is Ready ~140 ms after it is created, a chart within ~0.5 s. */
export const fastProfile: DelayProfile = {
  default: { scheduleMs: 20, pullMs: 40, startMs: 30, readyMs: 50 },
}

/** Roughly what a kind cluster with warm image caches shows, for exploring by hand. */
export const realisticProfile: DelayProfile = {
  default: { scheduleMs: 50, pullMs: 1500, startMs: 500, readyMs: 2000 },
}

/** The delays for one pod: the default, overridden by every rule whose pattern matches, in order. */
export function delaysFor(profile: DelayProfile, podName: string): PodDelays {
  let delays = { ...profile.default }
  for (const rule of profile.rules ?? []) {
    if (new RegExp(rule.match).test(podName)) delays = { ...delays, ...rule.delays }
  }
  return delays
}

/** Exponential back-off after `failures` failures: base, 2×base, 4×base, … capped at 8×base. */
export function backoffMs(delays: PodDelays, failures: number): number {
  const base = Math.max(20, delays.startMs + delays.readyMs)
  return base * 2 ** Math.min(3, Math.max(0, failures - 1))
}

/** How often a failing readiness probe reports (periodSeconds, scaled). */
export const probePeriodMs = (delays: PodDelays) => Math.max(50, delays.readyMs * 4)
