// The simulator playing a kind of cluster: its nodes as kind, minikube, k3d, Docker Desktop or EKS
// name, label and describe them (providerID, kubelet and runtime versions, architecture, allocatable),
// the default StorageClass each ships, the control plane kubeadm runs as pods (kind, minikube, Docker
// Desktop; k3s runs it inside its own process, a cloud out of reach) and Docker Desktop's private /.
// Applied to a fresh simulator, before anything is scheduled.
import type { Sim } from './index.ts'
import { applyDefaults } from './controllers/defaults.ts'
import { listNodes, nodeIP } from './controllers/nodes.ts'
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
  /** kubeadm's static pods on the first node and kube-proxy on each, at this etcd's version */
  kubeadm?: { clusterName: string; etcdVersion: string }
  /** the node's / is a private mount (Docker Desktop's VM): host-path mounts with propagation fail */
  rootNotShared?: boolean
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
    kubeadm: { clusterName: 'kind', etcdVersion: '3.6.6-0' },
  },
  minikube: {
    nodeName: (i) => (i === 1 ? 'minikube' : `minikube-m0${i}`),
    labels: (name) => ({
      'minikube.k8s.io/name': 'minikube',
      'minikube.k8s.io/primary': String(name === 'minikube'),
      'minikube.k8s.io/version': 'v1.36.0',
      ...(name === 'minikube' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    }),
    kubeletVersion: 'v1.33.1',
    containerRuntimeVersion: 'docker://28.1.1',
    architecture: 'amd64',
    allocatable: { cpu: '4', memory: '8024564Ki' },
    storageClass: { name: 'standard', provisioner: 'k8s.io/minikube-hostpath' },
    kubeadm: { clusterName: 'mk', etcdVersion: '3.5.21-0' },
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
    kubeadm: { clusterName: 'kubernetes', etcdVersion: '3.6.4-0' },
    rootNotShared: true,
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
export function playFlavour(
  sim: Pick<Sim, 'store'> & { faults: Pick<Sim['faults'], 'pods'> },
  name: SimFlavourName,
): void {
  const flavour: SimFlavour = simFlavours[name]
  const { store } = sim
  listNodes(store).forEach((node, n) => {
    const nodeName = flavour.nodeName(n + 1)
    store.delete(R.nodes, undefined, node.metadata.name)
    store.create(R.nodes, flavouredNode(node, nodeName, flavour))
  })
  if (flavour.kubeadm) runKubeadmControlPlane(sim, flavour)
  // every pod: only one that mounts a host path with propagation meets it (node-exporter's /host/root)
  if (flavour.rootNotShared) sim.faults.pods.set('', { kind: 'rootNotShared' })
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

/**
 * The control plane as kubeadm writes it: static pods (mirror pods the kubelet posts, owned by their
 * node) for etcd, the API server, the controller manager and the scheduler, and kube-proxy as a
 * DaemonSet with its ConfigMap. Their metrics listen on 127.0.0.1 only (kubeadm's flags, and
 * kube-proxy's empty metricsBindAddress, 127.0.0.1:10249): what Prometheus cannot scrape.
 */
function runKubeadmControlPlane(sim: Pick<Sim, 'store'>, flavour: SimFlavour): void {
  const { store } = sim
  const kubeadm = flavour.kubeadm!
  const version = flavour.kubeletVersion.replace(/[-+].*$/, '')
  // the first node is the control plane
  const node = store.get(R.nodes, undefined, flavour.nodeName(1))!
  const ip = nodeIP(node)
  const pki = '/etc/kubernetes/pki'
  const commands: Record<string, string[]> = {
    etcd: [
      'etcd',
      `--advertise-client-urls=https://${ip}:2379`,
      `--cert-file=${pki}/etcd/server.crt`,
      '--client-cert-auth=true',
      '--data-dir=/var/lib/etcd',
      `--initial-advertise-peer-urls=https://${ip}:2380`,
      `--initial-cluster=${node.metadata.name}=https://${ip}:2380`,
      `--key-file=${pki}/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${ip}:2380`,
      `--name=${node.metadata.name}`,
      `--trusted-ca-file=${pki}/etcd/ca.crt`,
    ],
    'kube-apiserver': [
      'kube-apiserver',
      `--advertise-address=${ip}`,
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${pki}/ca.crt`,
      '--enable-admission-plugins=NodeRestriction',
      '--etcd-servers=https://127.0.0.1:2379',
      '--secure-port=6443',
      '--service-cluster-ip-range=10.96.0.0/16',
    ],
    'kube-controller-manager': [
      'kube-controller-manager',
      '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--bind-address=127.0.0.1',
      `--client-ca-file=${pki}/ca.crt`,
      `--cluster-name=${kubeadm.clusterName}`,
      '--controllers=*,bootstrapsigner,tokencleaner',
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      '--leader-elect=true',
      '--use-service-account-credentials=true',
    ],
    'kube-scheduler': [
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ],
  }
  for (const [component, command] of Object.entries(commands)) {
    const image = `registry.k8s.io/${component}:${component === 'etcd' ? kubeadm.etcdVersion : version}`
    store.create(R.pods, applyDefaults(R.pods, staticPod(node, component, image, command)))
  }
  store.create(
    R.configmaps,
    applyDefaults(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
      data: {
        'config.conf': [
          'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
          'bindAddress: 0.0.0.0',
          'clusterCIDR: 10.244.0.0/16',
          'kind: KubeProxyConfiguration',
          'metricsBindAddress: ""',
          'mode: iptables',
          '',
        ].join('\n'),
      },
    }),
  )
  store.create(R.daemonsets, applyDefaults(R.daemonsets, kubeProxy(version)))
}

function staticPod(node: KObject, component: string, image: string, command: string[]): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${component}-${node.metadata.name}`,
      namespace: 'kube-system',
      labels: { component, tier: 'control-plane' },
      annotations: {
        'kubernetes.io/config.mirror': component,
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid!, controller: true },
      ],
    },
    spec: {
      nodeName: node.metadata.name,
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [{ name: component, image, command }],
    },
  }
}

function kubeProxy(version: string): KObject {
  const labels = { 'k8s-app': 'kube-proxy' }
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: 'kube-proxy',
              image: `registry.k8s.io/kube-proxy:${version}`,
              command: [
                '/usr/local/bin/kube-proxy',
                '--config=/var/lib/kube-proxy/config.conf',
                '--hostname-override=$(NODE_NAME)',
              ],
              volumeMounts: [{ name: 'kube-proxy', mountPath: '/var/lib/kube-proxy' }],
            },
          ],
          volumes: [{ name: 'kube-proxy', configMap: { name: 'kube-proxy' } }],
          tolerations: [{ operator: 'Exists' }],
        },
      },
    },
  }
}
