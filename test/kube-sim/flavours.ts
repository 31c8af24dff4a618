// The simulator playing a kind of cluster: its nodes as kind, minikube, k3d, Docker Desktop or EKS
// name, label and describe them (providerID, kubelet and runtime versions, architecture, allocatable),
// and the default StorageClass each ships. Applied to a fresh simulator, before anything is scheduled.
import type { Sim } from './index.ts'
import { listNodes } from './controllers/nodes.ts'
import { R } from './controllers/objects.ts'
import type { KObject } from './store.ts'

export interface SimFlavour {
  /** node i's name (1-based) */
  nodeName(i: number): string
  labels(name: string): Record<string, string>
  providerID?(name: string): string
  kubeletVersion: string
  containerRuntimeVersion: string
  architecture: string
  allocatable: { cpu: string; memory: string }
  storageClass: { name: string; provisioner: string }
}

export const simFlavours = {
  kind: {
    nodeName: (i) => (i === 1 ? 'kind-control-plane' : `kind-worker${i === 2 ? '' : i - 1}`),
    labels: (name): Record<string, string> =>
      name.endsWith('-control-plane') ? { 'node-role.kubernetes.io/control-plane': '' } : {},
    providerID: (name) => `kind://docker/kind/${name}`,
    kubeletVersion: 'v1.35.0',
    containerRuntimeVersion: 'containerd://2.1.3',
    architecture: 'amd64',
    allocatable: { cpu: '8', memory: '16318440Ki' },
    storageClass: { name: 'standard', provisioner: 'rancher.io/local-path' },
  },
  minikube: {
    nodeName: (i) => (i === 1 ? 'minikube' : `minikube-m0${i}`),
    labels: (name) => ({
      'minikube.k8s.io/name': 'minikube',
      'minikube.k8s.io/primary': String(name === 'minikube'),
      'minikube.k8s.io/version': 'v1.36.0',
    }),
    kubeletVersion: 'v1.33.1',
    containerRuntimeVersion: 'docker://28.1.1',
    architecture: 'amd64',
    allocatable: { cpu: '4', memory: '8024564Ki' },
    storageClass: { name: 'standard', provisioner: 'k8s.io/minikube-hostpath' },
  },
  k3d: {
    nodeName: (i) => (i === 1 ? 'k3d-dev-server-0' : `k3d-dev-agent-${i - 2}`),
    labels: (name) => ({
      'k3s.io/hostname': name,
      'k3s.io/internal-ip': '172.19.0.2',
      ...(name.includes('-server-') ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}),
    }),
    providerID: (name) => `k3s://${name}`,
    kubeletVersion: 'v1.33.4+k3s1',
    containerRuntimeVersion: 'containerd://2.0.5-k3s2',
    architecture: 'amd64',
    allocatable: { cpu: '8', memory: '16318440Ki' },
    storageClass: { name: 'local-path', provisioner: 'rancher.io/local-path' },
  },
  'docker-desktop': {
    nodeName: (i) => (i === 1 ? 'docker-desktop' : `desktop-worker${i === 2 ? '' : i - 1}`),
    labels: () => ({ 'node-role.kubernetes.io/control-plane': '' }),
    kubeletVersion: 'v1.34.1',
    containerRuntimeVersion: 'docker://28.3.2',
    architecture: 'arm64',
    allocatable: { cpu: '10', memory: '8025424Ki' },
    storageClass: { name: 'hostpath', provisioner: 'docker.io/hostpath' },
  },
  eks: {
    nodeName: (i) => `ip-192-168-12-${30 + i}.eu-west-1.compute.internal`,
    labels: () => ({
      'eks.amazonaws.com/nodegroup': 'default',
      'topology.kubernetes.io/region': 'eu-west-1',
      'node.kubernetes.io/instance-type': 'm5.large',
    }),
    providerID: () => `aws:///eu-west-1a/i-0123456789abcdef0`,
    kubeletVersion: 'v1.33.3-eks-3abbec1',
    containerRuntimeVersion: 'containerd://1.7.27',
    architecture: 'amd64',
    allocatable: { cpu: '1930m', memory: '7291176Ki' },
    storageClass: { name: 'gp3', provisioner: 'ebs.csi.aws.com' },
  },
} satisfies Record<string, SimFlavour>

export type SimFlavourName = keyof typeof simFlavours

/**
 * Makes the simulator's nodes and default StorageClass the flavour's: each node is renamed and
 * relabelled (addresses, pod CIDR and conditions kept), the simulator's own `standard` class is no
 * longer the default unless the flavour's is named so. Call it before anything is scheduled.
 */
export function playFlavour(sim: Pick<Sim, 'store'>, name: SimFlavourName): void {
  const flavour: SimFlavour = simFlavours[name]
  const { store } = sim
  listNodes(store).forEach((node, n) => {
    const nodeName = flavour.nodeName(n + 1)
    store.delete(R.nodes, undefined, node.metadata.name)
    store.create(R.nodes, flavouredNode(node, nodeName, flavour))
  })
  const standard = store.get(R.storageclasses, undefined, 'standard')
  if (standard && flavour.storageClass.name !== 'standard')
    store.update(R.storageclasses, { ...standard, metadata: { ...standard.metadata, annotations: {} } })
  const own = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: flavour.storageClass.name,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: flavour.storageClass.provisioner,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  }
  const existing = store.get(R.storageclasses, undefined, own.metadata.name)
  if (existing)
    store.update(R.storageclasses, { ...existing, ...own, metadata: { ...existing.metadata, ...own.metadata } })
  else store.create(R.storageclasses, own)
}

function flavouredNode(node: KObject, name: string, flavour: SimFlavour): KObject {
  const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, ...metadata } = node.metadata
  const allocatable = { ...node.status.allocatable, ...flavour.allocatable }
  return {
    ...node,
    metadata: {
      ...metadata,
      name,
      labels: {
        ...node.metadata.labels,
        'kubernetes.io/hostname': name,
        'kubernetes.io/arch': flavour.architecture,
        'beta.kubernetes.io/arch': flavour.architecture,
        ...flavour.labels(name),
      },
    },
    spec: { ...node.spec, providerID: flavour.providerID?.(name) },
    status: {
      ...node.status,
      capacity: allocatable,
      allocatable,
      addresses: [
        ...node.status.addresses.filter((a: { type: string }) => a.type !== 'Hostname'),
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        ...node.status.nodeInfo,
        kubeletVersion: flavour.kubeletVersion,
        kubeProxyVersion: flavour.kubeletVersion,
        containerRuntimeVersion: flavour.containerRuntimeVersion,
        architecture: flavour.architecture,
      },
    },
  }
}
