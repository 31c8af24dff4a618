// `npm run status`: the view of the cluster, from the same one-round snapshot as the checkpoint report.
import type { Config } from '../core/config.ts'
import { stackNeeds } from '../core/flavours.ts'
import type { ClusterInfo } from '../tools/cluster.ts'
import type { Text } from '../core/text.ts'
import { workloadStatus } from '../tools/readiness.ts'
import { STATUS_VERSION, type StatusView } from '../ui/status.ts'
import type { Snapshot } from './verify.ts'

export function statusView(config: Config, snap: Snapshot, cluster?: ClusterInfo): StatusView {
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
        }
      : null,
  }
}

/** Why not, in both languages (`--json` writes the English). */
function answer(a: Text | true | undefined) {
  const notProbed = { en: 'not probed', ko: '확인하지 않음' }
  return a === true ? { answering: true } : { answering: false, error: a ?? notProbed }
}
