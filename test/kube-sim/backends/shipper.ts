// The log shipper's work, done for it: while a promtail or Alloy pod is ready, every few seconds
// each running container on its node "logs" a line and the shipper pushes it to the Loki URL of
// its own configuration (the ConfigMap or Secret it mounts), reached from inside the cluster as
// the real shipper reaches it: a URL naming another namespace or a Service without a ready pod
// delivers nothing. Labels are those the shipper sets: promtail's chart pipeline (namespace, pod,
// container, app, job `namespace/app`, node_name, stream); Alloy's are what the `rule` blocks of
// its config's discovery.relabel make of the pod's __meta_kubernetes_* labels, plus the job
// (`loki.source.kubernetes.<label>`) and instance (`namespace/pod:container`) loki.source.kubernetes
// adds when the rules set none.
import { isPodReady, R } from '../controllers/objects.ts'
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { clusterFetch, imageName, mountedFiles } from './http.ts'

/** How often lines are shipped: promtail's client `batchwait` and Alloy's loki.write `batch_wait` default to 1s. */
const EVERY_MS = 1000
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
      const files = mountedFiles(sim, shipper)
      const url = pushUrl(files)
      const running = pods.filter((p) => p.spec?.nodeName === shipper.spec?.nodeName && p.status?.phase === 'Running')
      if (!url || !running.length) return
      const nanos = String(BigInt(Date.now()) * 1_000_000n)
      const labels = labeller(shipperOf(shipper)!, files)
      const streams = running.flatMap((pod) =>
        (pod.spec?.containers ?? []).map((c: { name: string }) => ({
          stream: labels(pod, c.name),
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
function pushUrl(files: string[]): string | undefined {
  for (const t of files) {
    const m = /https?:\/\/[^\s"']+\/loki\/api\/v1\/push/.exec(t)
    if (m) return m[0]
  }
  return undefined
}

type Labeller = (pod: KObject, container: string) => Record<string, string>

function labeller(shipper: string, files: string[]): Labeller {
  if (shipper === 'promtail') return promtailLabels
  const config = files.find((f) => f.includes('loki.source.kubernetes')) ?? ''
  const component = /loki\.source\.kubernetes\s+"([^"]+)"/.exec(config)?.[1] ?? 'default'
  const rules = relabelRules(config)
  return (pod, container) => {
    const ns = pod.metadata.namespace!
    const meta: Record<string, string> = {
      __meta_kubernetes_namespace: ns,
      __meta_kubernetes_pod_name: pod.metadata.name,
      __meta_kubernetes_pod_container_name: container,
      __meta_kubernetes_pod_node_name: pod.spec?.nodeName ?? '',
      __meta_kubernetes_pod_uid: pod.metadata.uid ?? '',
    }
    for (const [k, v] of Object.entries(pod.metadata.labels ?? {}))
      meta[`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v
    const out = Object.fromEntries(Object.entries(relabel(meta, rules)).filter(([k]) => !k.startsWith('__')))
    return {
      job: `loki.source.kubernetes.${component}`,
      instance: `${ns}/${pod.metadata.name}:${container}`,
      ...out,
    }
  }
}

interface Rule {
  sourceLabels: string[]
  separator: string
  targetLabel?: string
  regex: RegExp
  replacement: string
}

/** The `rule` blocks of the config's discovery.relabel components (action replace, as ours use). */
function relabelRules(config: string): Rule[] {
  const blocks = config.match(/discovery\.relabel\s+"[^"]*"\s*\{[\s\S]*?\n\}/g) ?? []
  return blocks.flatMap((block) =>
    [...block.matchAll(/rule\s*\{([^}]*)\}/g)].map(([, body]) => {
      // a string attribute, its escapes read as the config language's (JSON's) are
      const str = (key: string): string | undefined => {
        const raw = new RegExp(`\\b${key}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(body)?.[1]
        return raw === undefined ? undefined : JSON.parse(`"${raw}"`)
      }
      const list = /source_labels\s*=\s*\[([^\]]*)\]/.exec(body)?.[1] ?? ''
      return {
        sourceLabels: [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]),
        separator: str('separator') ?? ';',
        targetLabel: str('target_label'),
        regex: new RegExp(`^(?:${str('regex') ?? '(.*)'})$`),
        replacement: str('replacement') ?? '$1',
      }
    }),
  )
}

/** Prometheus' `replace` action: an empty result removes the target label. */
function relabel(labels: Record<string, string>, rules: Rule[]): Record<string, string> {
  const out = { ...labels }
  for (const rule of rules) {
    if (!rule.targetLabel) continue
    const value = rule.sourceLabels.map((l) => out[l] ?? '').join(rule.separator)
    const m = rule.regex.exec(value)
    if (!m) continue
    const result = rule.replacement.replace(/\$(\d+)/g, (_, i) => m[Number(i)] ?? '')
    if (result) out[rule.targetLabel] = result
    else delete out[rule.targetLabel]
  }
  return out
}

function promtailLabels(pod: KObject, container: string): Record<string, string> {
  const ns = pod.metadata.namespace!
  const l = pod.metadata.labels ?? {}
  const app = l['app.kubernetes.io/name'] ?? l.app ?? l['k8s-app'] ?? ''
  return {
    namespace: ns,
    pod: pod.metadata.name,
    container,
    ...(app ? { app } : {}),
    job: `${ns}/${app}`,
    node_name: pod.spec?.nodeName ?? '',
    stream: 'stdout',
  }
}
