// The simulated nodes: `sim-node-1` … `sim-node-N`, Ready, with the capacity, addresses and
// nodeInfo a kubelet reports, and the pod CIDR each node's pod IPs come from.
import type { KObject, Store } from '../store.ts'
import { now, R } from './objects.ts'

export const KUBELET_VERSION = 'v1.32.2'

export const nodeName = (i: number) => `sim-node-${i}`

/** Creates the nodes that are missing (idempotent, so a restart on the same store is fine). */
export function ensureNodes(store: Store, count: number): void {
  for (let i = 1; i <= count; i++) {
    if (!store.get(R.nodes, undefined, nodeName(i))) store.create(R.nodes, nodeObject(i))
  }
}

export function listNodes(store: Store): KObject[] {
  return store.list(R.nodes).items.filter((n) => !n.metadata.deletionTimestamp)
}

export const nodeIP = (node: KObject): string =>
  node.status?.addresses?.find((a: { type: string }) => a.type === 'InternalIP')?.address ?? '127.0.0.1'

function nodeObject(i: number): KObject {
  const name = nodeName(i)
  const time = now()
  const resources = {
    cpu: '8',
    memory: '16318440Ki',
    pods: '110',
    'ephemeral-storage': '102626232Ki',
    'hugepages-2Mi': '0',
  }
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: time,
    lastTransitionTime: time,
  })
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.244.${i - 1}.0/24`,
      podCIDRs: [`10.244.${i - 1}.0/24`],
      providerID: `kind://docker/sim/${name}`,
    },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: `172.18.0.${i + 1}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `sim${String(i).padStart(29, '0')}`,
        systemUUID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
        bootID: `00000000-0000-0000-0001-${String(i).padStart(12, '0')}`,
        kernelVersion: '6.8.0-sim',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    },
  }
}
