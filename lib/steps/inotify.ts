// `--check-inotify`: a pod on each node reads the kernel's inotify limits, and is deleted once read.
// Each probe deletes its own pods, and those an interrupted probe left; teardown counts them as ours.
import { randomBytes } from 'node:crypto'
import type { InotifyReading } from '../core/flavours.ts'
import { formatDuration } from '../core/settings.ts'
import type { Text } from '../core/text.ts'
import { lastLine } from '../tools/exec.ts'
import {
  isProbePod,
  parseInotifyLog,
  probePods,
  probeState,
  problemText,
  PROBE_RUN_LABEL,
  staleProbePods,
} from '../tools/inotify.ts'
import { kubectl, type KubeObject } from '../tools/kubectl.ts'
import { podProblem } from '../tools/readiness.ts'
import { judgeOnEvents } from '../tools/watch.ts'
import type { Context } from './context.ts'

/** Each node's limits, or why they could not be read; within --stuck-after, then the pods are deleted. */
export async function readInotifyLimits(ctx: Context, nodes: string[]): Promise<InotifyReading[]> {
  const { runner, target, config } = ctx
  const namespace = config.namespace
  const run = randomBytes(4).toString('hex')
  const pods = probePods(nodes, { namespace, image: config.probeImage, run })
  const created = await runner.probe({ ...kubectl(target, 'create', '-f', '-', '-o', 'name'), input: pods })
  const names = created.stdout.split('\n').filter(Boolean)
  let listed: KubeObject[] = []
  try {
    if (created.exitCode !== 0) return nodes.map((node) => ({ node, error: notCreated(namespace, created.stderr) }))
    listed = await waitForProbes(ctx, run, names.length)
    const mine = listed.filter((p) => p.metadata.labels?.[PROBE_RUN_LABEL] === run)
    return await Promise.all(
      nodes.map((node) =>
        reading(
          ctx,
          node,
          mine.find((p) => p.spec?.nodeName === node),
        ),
      ),
    )
  } finally {
    const stale = staleProbePods(listed, run, Date.now(), config.stuckAfterMs + 60_000)
    const gone = [...names, ...stale.map((p) => `pod/${p.metadata.name}`)]
    if (gone.length)
      await runner.probe(kubectl(target, 'delete', '-n', namespace, ...gone, '--ignore-not-found', '--wait=false'))
  }
}

/**
 * The probe pods (every probe's) once all `count` of this probe's are done, or at --stuck-after: fed by
 * the run's pod watch, as every wait is.
 */
async function waitForProbes(ctx: Context, run: string, count: number): Promise<KubeObject[]> {
  const pods = ctx.watches.stream('Pod', ctx.config.namespace)
  const probes = () => pods.all().filter(isProbePod)
  const deadline = Date.now() + ctx.config.stuckAfterMs
  const finished = () => {
    const mine = probes().filter((p) => p.metadata.labels?.[PROBE_RUN_LABEL] === run)
    return mine.length >= count && mine.every((p) => probeState(p, podProblem(p)).done)
  }
  await judgeOnEvents([pods], () => finished() || Date.now() >= deadline || undefined).verdict
  return probes()
}

async function reading(ctx: Context, node: string, pod: KubeObject | undefined): Promise<InotifyReading> {
  if (!pod) return { node, error: { en: 'its probe pod is gone', ko: '프로브 파드가 사라졌습니다' } }
  const problem = podProblem(pod)
  const state = probeState(pod, problem)
  if (!state.done) {
    const limit = formatDuration(ctx.config.stuckAfterMs)
    return {
      node,
      error: problem
        ? problemText(problem)
        : {
            en: `the probe pod did not finish within ${limit}`,
            ko: `프로브 파드가 ${limit} 안에 끝나지 않았습니다`,
          },
    }
  }
  if (state.error) return { node, error: state.error }
  const log = await ctx.runner.probe(
    kubectl(ctx.target, 'logs', '-n', ctx.config.namespace, `pod/${pod.metadata.name}`),
  )
  const limits = log.exitCode === 0 ? parseInotifyLog(log.stdout) : undefined
  if (limits) return { node, limits }
  const said = lastLine(log.exitCode === 0 ? log.stdout : log.stderr) || '(empty)'
  return {
    node,
    error: {
      en: `the probe's log is not two numbers: ${said}`,
      ko: `프로브 로그가 숫자 둘이 아닙니다: ${said}`,
    },
  }
}

/** The pods could not be created: the namespace is missing (the usual case), or what kubectl said. */
function notCreated(namespace: string, stderr: string): Text {
  if (/namespaces? "[^"]+" not found/.test(stderr))
    return {
      en: `the ${namespace} namespace does not exist yet; npx zx scripts/01-namespace.mts creates it`,
      ko: `${namespace} 네임스페이스가 아직 없습니다. npx zx scripts/01-namespace.mts가 만듭니다`,
    }
  const why = lastLine(stderr)
  return { en: `the probe pods were not created: ${why}`, ko: `프로브 파드를 만들지 못했습니다: ${why}` }
}
