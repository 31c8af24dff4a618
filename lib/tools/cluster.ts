// What the cluster is, read before anything changes: its flavour (kind, minikube, k3s/k3d, Docker
// Desktop, a cloud), Kubernetes version, container runtime, architecture, allocatable CPU and memory,
// and the default StorageClass. One `kubectl get nodes,storageclasses -o json`, parsed here (pure).
import { formatBytes, formatCpu, type Flavour } from '../core/flavours.ts'
import { kubectl, type Target } from './kubectl.ts'
import type { Command } from './exec.ts'
import { say } from '../core/text.ts'

export interface ClusterInfo {
  flavour: Flavour
  /** what the flavour was told by: a label, a providerID, a node name, a kubelet version */
  evidence: string
  nodes: number
  /** the nodes whose kubelet is Ready: where a pod runs now */
  readyNodes: string[]
  kubernetesVersion: string
  /** e.g. `containerd://1.7.24`, each distinct one */
  runtimes: string[]
  architectures: string[]
  /** summed over the nodes that take pods (not cordoned) */
  allocatable: { cpuMilli: number; memoryBytes: number }
  /** the default StorageClass and its provisioner; undefined when there is none */
  defaultStorageClass?: { name: string; provisioner: string }
}

interface NodeObject {
  metadata?: { name?: string; labels?: Record<string, string> }
  spec?: { providerID?: string; unschedulable?: boolean }
  status?: {
    conditions?: { type?: string; status?: string }[]
    allocatable?: Record<string, string>
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; architecture?: string }
  }
}

interface StorageClassObject {
  metadata?: { name?: string; annotations?: Record<string, string> }
  provisioner?: string
}

export function readClusterCmd(target: Target): Command {
  return kubectl(target, 'get', 'nodes,storageclasses', '-o', 'json')
}

/** The cluster from `kubectl get nodes,storageclasses -o json` (a List of both kinds). */
export function parseClusterInfo(list: {
  items?: ({ kind?: string } & NodeObject & StorageClassObject)[]
}): ClusterInfo {
  const items = list.items ?? []
  const nodes = items.filter((i) => i.kind === 'Node')
  const classes = items.filter((i) => i.kind === 'StorageClass')
  return clusterInfo(nodes, classes)
}

export function clusterInfo(nodes: NodeObject[], classes: StorageClassObject[]): ClusterInfo {
  const { flavour, evidence } = flavourOf(nodes)
  const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))]
  const taking = nodes.filter((n) => !n.spec?.unschedulable)
  const defaultClass = classes.find((c) => isDefault(c.metadata?.annotations))
  return {
    flavour,
    evidence,
    nodes: nodes.length,
    readyNodes: nodes.filter(isReady).map((n) => n.metadata?.name ?? ''),
    kubernetesVersion: distinct(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion)).join(', ') || 'unknown',
    runtimes: distinct(nodes.map((n) => n.status?.nodeInfo?.containerRuntimeVersion)),
    architectures: distinct(nodes.map((n) => n.status?.nodeInfo?.architecture)),
    allocatable: {
      cpuMilli: sum(taking.map((n) => cpuMilli(n.status?.allocatable?.cpu))),
      memoryBytes: sum(taking.map((n) => bytes(n.status?.allocatable?.memory))),
    },
    defaultStorageClass: defaultClass && {
      name: defaultClass.metadata?.name ?? '',
      provisioner: defaultClass.provisioner ?? '',
    },
  }
}

/**
 * The flavour from the first node that tells one: distribution labels and kubelet versions first (a
 * k3s on EC2 is k3s to us: its control plane is what the adaptations are about), then the providerID,
 * then the node names kind and Docker Desktop give.
 */
export function flavourOf(nodes: NodeObject[]): { flavour: Flavour; evidence: string } {
  const checks: ((n: NodeObject) => { flavour: Flavour; evidence: string } | undefined)[] = [
    (n) => {
      const label = Object.keys(n.metadata?.labels ?? {}).find((k) => k.startsWith('minikube.k8s.io/'))
      return label ? { flavour: 'minikube', evidence: `label ${label}` } : undefined
    },
    (n) => {
      const label = Object.keys(n.metadata?.labels ?? {}).find((k) => k.startsWith('k3s.io/'))
      if (label) return { flavour: 'k3s', evidence: `label ${label}` }
      const version = n.status?.nodeInfo?.kubeletVersion ?? ''
      return /\+k3s/.test(version) ? { flavour: 'k3s', evidence: `kubelet ${version}` } : undefined
    },
    (n) => {
      const id = n.spec?.providerID ?? ''
      const scheme = /^([a-z0-9]+):\/\//.exec(id)?.[1]
      const byScheme: Record<string, Flavour> = { kind: 'kind', k3s: 'k3s', aws: 'aws', gce: 'gce', azure: 'azure' }
      return scheme && byScheme[scheme] ? { flavour: byScheme[scheme], evidence: `providerID ${id}` } : undefined
    },
    (n) => {
      const name = n.metadata?.name ?? ''
      if (name === 'docker-desktop') return { flavour: 'docker-desktop', evidence: `node ${name}` }
      return /-control-plane$/.test(name) ? { flavour: 'kind', evidence: `node ${name}` } : undefined
    },
  ]
  for (const check of checks)
    for (const node of nodes) {
      const found = check(node)
      if (found) return found
    }
  return { flavour: 'other', evidence: nodes.length ? 'no known label, providerID or node name' : 'no nodes listed' }
}

function isDefault(annotations: Record<string, string> | undefined): boolean {
  return (
    annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  )
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/** A CPU quantity (`8`, `7800m`, `1.5`) in millicores; 0 when unreadable. */
export function cpuMilli(quantity: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity ?? '')
  if (!m) return 0
  return Math.round(m[2] ? Number(m[1]) : Number(m[1]) * 1000)
}

const suffixes: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
}

/** A memory quantity (`16318440Ki`, `8Gi`, `2e9`) in bytes; 0 when unreadable. */
export function bytes(quantity: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity ?? '')
  return m ? Math.round(Number(m[1]) * suffixes[m[2] ?? '']) : 0
}

function isReady(node: NodeObject): boolean {
  return Boolean(node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
}

/** The one line the preflight prints. */
export function clusterLine(info: ClusterInfo, titles: Record<Flavour, string>): string {
  const runtime =
    info.runtimes.map((r) => r.replace('://', ' ')).join(', ') || say({ en: 'unknown runtime', ko: '런타임 모름' })
  const sc = info.defaultStorageClass
  const storage = sc
    ? say({
        en: `default StorageClass ${sc.name} (${sc.provisioner})`,
        ko: `기본 StorageClass ${sc.name} (${sc.provisioner})`,
      })
    : say({ en: 'no default StorageClass', ko: '기본 StorageClass 없음' })
  const arch = info.architectures.join('/') || say({ en: 'unknown architecture', ko: '아키텍처 모름' })
  const room = `${formatCpu(info.allocatable.cpuMilli)} / ${formatBytes(info.allocatable.memoryBytes)}`
  const flavour = titles[info.flavour]
  return say({
    en:
      `Cluster: ${flavour}, ${info.nodes} node${info.nodes === 1 ? '' : 's'}, ` +
      `${info.kubernetesVersion}, ${runtime}, ${arch}, ${room} allocatable, ${storage}`,
    ko: `클러스터: ${flavour}, 노드 ${info.nodes}개, ${info.kubernetesVersion}, ${runtime}, ${arch}, 할당 \
가능 ${room}, ${storage}`,
  })
}
