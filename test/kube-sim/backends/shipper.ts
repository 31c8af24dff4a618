// The log shipper's work, done for it: while a promtail or Alloy pod is ready, every few seconds
// each running container on its node "logs" a line and the shipper pushes it to the Loki URL of
// its own configuration (the ConfigMap or Secret it mounts), reached from inside the cluster as
// the real shipper reaches it: a URL naming another namespace or a Service without a ready pod
// delivers nothing. Labels are those the shipper's default pipeline sets (promtail: namespace, pod,
// container, app, job `namespace/app`, node_name, stream; Alloy with our values: namespace, pod,
// container, app, job `namespace/container`).
import { isPodReady, R } from '../controllers/objects.ts'
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { clusterFetch, imageName, mountedFiles } from './http.ts'

/** How often lines are shipped. */
const EVERY_MS = 2000
const SHIPPERS = ['promtail', 'alloy']

/** Starts shipping; returns its stop. */
export function startShipper(sim: Sim): () => void {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    shipOnce(sim).finally(() => {
      busy = false
    })
  }, EVERY_MS).unref()
  return () => clearInterval(timer)
}

async function shipOnce(sim: Sim): Promise<void> {
  const pods = sim.store.list(R.pods).items
  const shippers = pods.filter((p) => isPodReady(p) && shipperOf(p))
  await Promise.all(
    shippers.map(async (shipper) => {
      const url = pushUrl(sim, shipper)
      const running = pods.filter((p) => p.spec?.nodeName === shipper.spec?.nodeName && p.status?.phase === 'Running')
      if (!url || !running.length) return
      const nanos = String(BigInt(Date.now()) * 1_000_000n)
      const streams = running.flatMap((pod) =>
        (pod.spec?.containers ?? []).map((c: { name: string }) => ({
          stream: labels(shipperOf(shipper)!, pod, c.name),
          values: [[nanos, `level=info msg="${c.name} of ${pod.metadata.name} is running" source=kube-sim`]],
        })),
      )
      const body = JSON.stringify({ streams })
      // a push that fails is dropped: the next one carries newer lines
      await clusterFetch(sim, shipper.metadata.namespace!, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch(() => undefined)
    }),
  )
}

function shipperOf(pod: KObject): string | undefined {
  return (pod.spec?.containers ?? [])
    .map((c: { image?: string }) => imageName(c.image))
    .find((n: string) => SHIPPERS.includes(n))
}

/** The first Loki push URL in the ConfigMaps and Secrets the shipper mounts. */
function pushUrl(sim: Sim, shipper: KObject): string | undefined {
  for (const t of mountedFiles(sim, shipper)) {
    const m = /https?:\/\/[^\s"']+\/loki\/api\/v1\/push/.exec(t)
    if (m) return m[0]
  }
  return undefined
}

function labels(shipper: string, pod: KObject, container: string): Record<string, string> {
  const ns = pod.metadata.namespace!
  const l = pod.metadata.labels ?? {}
  const app = l['app.kubernetes.io/name'] ?? l.app ?? l['k8s-app'] ?? ''
  const common = { namespace: ns, pod: pod.metadata.name, container, ...(app ? { app } : {}) }
  return shipper === 'promtail'
    ? { ...common, job: `${ns}/${app}`, node_name: pod.spec?.nodeName ?? '', stream: 'stdout' }
    : { ...common, job: `${ns}/${container}` }
}
