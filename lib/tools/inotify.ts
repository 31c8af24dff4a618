// The nodes' inotify limits, read by a short-lived pod on each node (`npm run status -- --check-inotify`):
// log collectors (promtail, Alloy) watch every pod's log file, and a host's defaults (128 instances) run
// out: "too many open files". Pure: the pods to create, what their log says, where each pod stands.
import { YAML } from '../core/zx.ts'
import type { InotifyLimits } from '../core/flavours.ts'
import { MANAGED_BY_LABEL } from '../core/stack.ts'
import type { Text } from '../core/text.ts'
import type { KubeObject } from './kubectl.ts'
import type { PodProblem } from './readiness.ts'

/** The label value that marks a probe pod among what is ours (with the managed-by label). */
export const PROBE_COMPONENT = 'inotify-probe'
/** Which probe made a pod: two probes at once each read and delete their own. */
export const PROBE_RUN_LABEL = 'monitoring-stack.workshop/probe-run'

const FILES = ['/proc/sys/fs/inotify/max_user_instances', '/proc/sys/fs/inotify/max_user_watches']

/** A pod of a probe's: our mark, and `app.kubernetes.io/component=inotify-probe`. */
export function isProbePod(o: KubeObject): boolean {
  const labels = o.metadata.labels ?? {}
  return (
    o.kind === 'Pod' &&
    labels[MANAGED_BY_LABEL.key] === MANAGED_BY_LABEL.value &&
    labels['app.kubernetes.io/component'] === PROBE_COMPONENT
  )
}

/**
 * A pod per node, pinned to it by name (no scheduling, every taint tolerated), that cats the two files
 * and exits. It asks for next to nothing and runs as nobody with nothing to write, so a namespace that
 * enforces the restricted Pod Security level admits it. Names are generated: no pod of anyone else's
 * is ever taken for one of these.
 */
export function probePods(nodes: string[], opts: { namespace: string; image: string; run: string }): string {
  const labels = {
    [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value,
    'app.kubernetes.io/component': PROBE_COMPONENT,
    [PROBE_RUN_LABEL]: opts.run,
  }
  const pod = (node: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${PROBE_COMPONENT}-`, namespace: opts.namespace, labels },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'read',
          image: opts.image,
          command: ['cat', ...FILES],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '16Mi' } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  })
  return YAML.stringify({ apiVersion: 'v1', kind: 'List', items: nodes.map(pod) })
}

/** The two numbers the probe's log holds, one a line; undefined when it holds anything else. */
export function parseInotifyLog(log: string): InotifyLimits | undefined {
  const lines = log.trim().split('\n')
  if (lines.length !== 2 || !lines.every((l) => /^\d+$/.test(l.trim()))) return undefined
  const [maxUserInstances, maxUserWatches] = lines.map(Number)
  return { maxUserInstances, maxUserWatches }
}

/** A probe pod as listed: finished (its log to read), failed or stuck (why), or still on its way. */
export type ProbeState = { done: true; error?: Text } | { done: false }

/**
 * Where a probe pod stands: Succeeded is done; Failed (the container exited non-zero) or a problem that
 * waiting will not mend (`problem`, from the workloads' diagnosis) ends it with the reason.
 */
export function probeState(pod: KubeObject, problem: PodProblem | undefined): ProbeState {
  const phase = pod.status?.phase
  if (phase === 'Succeeded') return { done: true }
  if (phase === 'Failed') {
    const ended = pod.status?.containerStatuses?.[0]?.state?.terminated
    const why = ended ? `${ended.reason ?? 'Error'}, exit code ${ended.exitCode}` : 'Failed'
    const error = { en: `the probe pod ended ${why}`, ko: `프로브 파드가 ${why}로 끝났습니다` }
    return { done: true, error }
  }
  if (problem?.terminal) return { done: true, error: problemText(problem) }
  return { done: false }
}

/** A probe pod's problem with its hint, in both languages; an image it cannot pull, with the setting for another. */
export function problemText(problem: PodProblem): Text {
  if (!problem.image || !/Image|Pull/.test(problem.reason))
    return { en: `${problem.reason}: ${problem.hint.en}`, ko: `${problem.reason}: ${problem.hint.ko}` }
  const what = `${problem.reason} (${problem.image})`
  return {
    en: `${what}: ${problem.hint.en}; --probe-image sets another image`,
    ko: `${what}: ${problem.hint.ko}. --probe-image로 다른 이미지를 정할 수 있습니다`,
  }
}

/**
 * Probe pods of other probes, older than a probe can last: left by a probe that was interrupted. Those
 * of a probe still running are younger, and are left to it.
 */
export function staleProbePods(pods: KubeObject[], run: string, now: number, maxAgeMs: number): KubeObject[] {
  return pods.filter(
    (p) =>
      p.metadata.labels?.[PROBE_RUN_LABEL] !== run &&
      now - Date.parse(String(p.metadata.creationTimestamp ?? '')) > maxAgeMs,
  )
}
