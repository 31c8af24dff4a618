// `npm run status`: the view of the cluster, from the same one-round snapshot as the checkpoint report.
import type { Config } from '../core/config.ts'
import { stackNeeds } from '../core/flavours.ts'
import type { ClusterInfo } from '../tools/cluster.ts'
import type { InotifyReading } from '../core/flavours.ts'
import { say, type Text } from '../core/text.ts'
import { workloadStatus } from '../tools/readiness.ts'
import { STATUS_VERSION, type StatusView } from '../ui/status.ts'
import type { Context } from './context.ts'
import { readInotifyLimits } from './inotify.ts'
import type { Snapshot } from './verify.ts'

export function statusView(
  config: Config,
  snap: Snapshot,
  cluster?: ClusterInfo,
  inotify?: InotifyReading[],
): StatusView {
  return {
    version: STATUS_VERSION,
    releases: config.releases.map((r) => {
      const state = snap.releases.find((s) => s.name === r.name)
      return {
        name: r.name,
        chart: state?.chart ?? r.chart,
        version: state?.version ?? '',
        status: state?.status ?? 'not installed',
        revision: state?.revision ?? null,
      }
    }),
    workloads: Object.entries(snap.namespaces).flatMap(([namespace, ns]) =>
      ns.workloads.map((w) => {
        const s = workloadStatus(w)
        return {
          namespace,
          kind: w.kind ?? '',
          name: w.metadata.name,
          ready: s.readyCount,
          wanted: s.wanted,
          ok: s.ready,
        }
      }),
    ),
    webhooks: [
      { name: 'cert-manager', ...answer(snap.webhooks['cert-manager']) },
      { name: 'opentelemetry-operator', ...answer(snap.webhooks.operator) },
    ],
    cluster: cluster
      ? {
          ...cluster,
          stackNeeds: stackNeeds[config.profile],
          defaultStorageClass: cluster.defaultStorageClass ?? null,
          adaptations: config.adaptations.map((a) => a.file),
          inotify: inotify ?? null,
        }
      : null,
  }
}

/** Why not, in both languages (`--json` writes the English). */
function answer(a: Text | true | undefined) {
  const notProbed = { en: 'not probed', ko: '확인하지 않음' }
  return a === true ? { answering: true } : { answering: false, error: a ?? notProbed }
}

/**
 * --check-inotify: each Ready node's limits (a NotReady one would run no pod); without the nodes (not
 * allowed to list them) there is nothing to probe.
 */
export async function inotifyIfAsked(ctx: Context): Promise<InotifyReading[] | undefined> {
  if (!ctx.config.checkInotify) return undefined
  if (ctx.cluster) return readInotifyLimits(ctx, ctx.cluster.readyNodes)
  ctx.log.warn(
    say({
      en: '--check-inotify: the nodes could not be listed, so there is no node to probe',
      ko: '--check-inotify: 노드 목록을 읽지 못해 확인할 노드가 없습니다',
    }),
  )
  return undefined
}
