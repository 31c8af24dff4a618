// Kinds of cluster ("flavours") and what the stack changes on each: a values overlay per adaptation,
// under values/flavours/, added to a release's values files. Data and pure functions: the cluster is
// read in lib/tools/cluster.ts, the overlays are applied to the config in config.ts.
import type { ProfileName } from './stack.ts'
import type { Text } from './text.ts'

export const flavourNames = ['kind', 'minikube', 'k3s', 'docker-desktop', 'aws', 'gce', 'azure', 'other'] as const
export type Flavour = (typeof flavourNames)[number]

/** How each flavour is named to a person. */
export const flavourTitles: Record<Flavour, string> = {
  kind: 'kind',
  minikube: 'minikube',
  k3s: 'k3s/k3d',
  'docker-desktop': 'Docker Desktop',
  aws: 'AWS (EKS or a cluster on EC2)',
  gce: 'Google Cloud (GKE or a cluster on GCE)',
  azure: 'Azure (AKS or a cluster on Azure VMs)',
  other: 'another kind of cluster',
}

export interface Adaptation {
  id: string
  /** the release whose values it changes */
  release: string
  /** the overlay, relative to the values folder */
  file: string
  /** what it does and why, in one line of the output (the dry-run script says it in English) */
  why: Text
  flavours: Flavour[]
}

export const adaptations: Adaptation[] = [
  {
    id: 'control-plane-monitors-off',
    release: 'kube-prometheus-stack',
    file: 'flavours/kube-prometheus-stack.control-plane-monitors-off.yaml',
    why: {
      en:
        'controller manager, scheduler, etcd and kube-proxy monitors and their alerts off: ' +
        'they listen on 127.0.0.1 (kubeadm) or are no pods (k3s), so their "Down" alerts would fire at once',
      ko:
        'controller manager, scheduler, etcd, kube-proxy 모니터와 그 알림을 끕니다:' +
        ` 127.0.0.1에서만 듣거나(kubeadm) 파드가 아니어서(k3s) "Down" 알림이 바로 울리기 \
때문입니다`,
    },
    flavours: ['kind', 'minikube', 'docker-desktop', 'k3s'],
  },
  {
    id: 'managed-control-plane-monitors-off',
    release: 'kube-prometheus-stack',
    file: 'flavours/kube-prometheus-stack.managed-control-plane-monitors-off.yaml',
    why: {
      en:
        'controller manager, scheduler and etcd monitors and their alerts off: the cloud runs them out of reach,' +
        ' so their "Down" alerts would fire at once',
      ko:
        'controller manager, scheduler, etcd 모니터와 그 알림을 끕니다:' +
        ' 클라우드가 닿을 수 없는 곳에서 돌리므로 "Down" 알림이 바로 울리기 때문입니다',
    },
    flavours: ['aws', 'gce', 'azure'],
  },
  {
    id: 'node-exporter-no-root-mount',
    release: 'kube-prometheus-stack',
    file: 'flavours/kube-prometheus-stack.node-exporter-no-root-mount.yaml',
    why: {
      en: "node-exporter without the host's / (Docker Desktop's is not a shared mount: the pod would never start)",
      ko: `node-exporter를 호스트의 / 없이 돌립니다 (Docker Desktop의 /는 shared 마운트가 아니라 \
파드가 뜨지 않음)`,
    },
    flavours: ['docker-desktop'],
  },
]

/** The adaptations a flavour needs, for the releases the profile installs. */
export function adaptationsFor(flavour: Flavour, releases: readonly string[]): Adaptation[] {
  return adaptations.filter((a) => a.flavours.includes(flavour) && releases.includes(a.release))
}

/**
 * Where the node's containers share the host's kernel limits (nodes are containers): log collectors
 * (promtail, Alloy) watch files with inotify, and the host's default of 128 instances runs out.
 */
export const INOTIFY_FLAVOURS: readonly Flavour[] = ['kind', 'k3s']
export const INOTIFY_HOST_COMMAND = 'sudo sysctl fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288'

/** What kind's known issues ask of the host, and what INOTIFY_HOST_COMMAND sets. */
export const INOTIFY_WANTED = { maxUserInstances: 512, maxUserWatches: 524288 }

export interface InotifyLimits {
  maxUserInstances: number
  maxUserWatches: number
}

/** One node's limits, or why they could not be read. */
export interface InotifyReading {
  node: string
  limits?: InotifyLimits
  error?: Text
}

/** Whether either limit is below what log collectors want. */
export function inotifyLow(limits: InotifyLimits): boolean {
  return (
    limits.maxUserInstances < INOTIFY_WANTED.maxUserInstances || limits.maxUserWatches < INOTIFY_WANTED.maxUserWatches
  )
}

/**
 * One line per reading: the numbers and the verdict, or why there are none (once, when no node could be
 * read for the same reason); the command when one is low.
 */
export function inotifyLines(readings: InotifyReading[]): Text[] {
  const [first] = readings
  if (readings.length > 1 && readings.every((r) => !r.limits && r.error?.en === first.error?.en))
    return [
      {
        en: `every node: not read (${first.error?.en})`,
        ko: `모든 노드: 읽지 못함 (${first.error?.ko})`,
      },
    ]
  const lines = readings.map((r): Text => {
    if (!r.limits)
      return {
        en: `${r.node}: not read (${r.error?.en})`,
        ko: `${r.node}: 읽지 못함 (${r.error?.ko})`,
      }
    const numbers = `max_user_instances ${r.limits.maxUserInstances}, max_user_watches ${r.limits.maxUserWatches}`
    return inotifyLow(r.limits)
      ? {
          en: `${r.node}: ${numbers} — low: promtail and Alloy may fail with "too many open files"`,
          ko: `${r.node}: ${numbers}. 낮음: promtail과 Alloy가 "too many open files"로 실패할 수 있습니다`,
        }
      : { en: `${r.node}: ${numbers} — enough`, ko: `${r.node}: ${numbers}. 충분함` }
  })
  const low = readings.some((r) => r.limits && inotifyLow(r.limits))
  const fix: Text = {
    en: `raise them on the host of the nodes (kind, k3d) or on each node: ${INOTIFY_HOST_COMMAND}`,
    ko: `노드의 호스트(kind, k3d)나 각 노드에서 올리세요: ${INOTIFY_HOST_COMMAND}`,
  }
  return low ? [...lines, fix] : lines
}

/**
 * What the stack needs to run, per profile: an estimate, not a sum of rendered requests, as most of the
 * charts request nothing by default (`resources: {}`). Summed from the components' usual idle working
 * sets on a one-node cluster, rounded up: Prometheus 600 Mi, Grafana 250 Mi, the operator, kube-state-metrics,
 * node-exporter and Alertmanager 250 Mi together, cert-manager 150 Mi, the OTel Operator 150 Mi; then seed's
 * Loki 2.x with promtail 350 Mi and Tempo 250 Mi, or current's Loki 3 single binary 400 Mi, Alloy 200 Mi and Tempo
 * 250 Mi. CPU: about a quarter core for Prometheus, a little for each other pod.
 */
export const stackNeeds: Record<ProfileName, { cpuMilli: number; memoryBytes: number }> = {
  seed: { cpuMilli: 1000, memoryBytes: 2304 * 2 ** 20 },
  current: { cpuMilli: 1100, memoryBytes: 2560 * 2 ** 20 },
}

/** Memory for a person: `15.6 GiB`, `900 MiB`. */
export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${Math.round(n / 2 ** 20)} MiB`
}

/** CPU for a person: `8 CPU`, `1.5 CPU`. */
export function formatCpu(milli: number): string {
  return `${Number((milli / 1000).toFixed(2))} CPU`
}
