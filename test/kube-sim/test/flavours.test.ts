// The simulator playing kind, minikube, k3d, Docker Desktop and EKS: the nodes and the default
// StorageClass each shows, kubeadm's control-plane pods with their loopback bind flags where kubeadm
// runs it, Docker Desktop's private /, and pods still scheduled onto the renamed nodes.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aDaemonSet, condition, R, startCluster, waitFor, type TestCluster } from '../controllers/testing.ts'
import { playFlavour, simFlavours, type SimFlavourName } from '../flavours.ts'

const test = suite<{ c?: TestCluster }>('flavours')
test.after.each((ctx) => {
  ctx.c?.stop()
  ctx.c = undefined
})

const defaults = (c: TestCluster) =>
  c
    .list(R.storageclasses)
    .filter((s) => s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    .map((s) => `${s.metadata.name} ${s.provisioner}`)

test('kind: control-plane and worker names, kind:// providerIDs, its local-path class the one default', (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 2 }))
  playFlavour(c, 'kind')
  const nodes = c.list(R.nodes)
  assert.equal(
    nodes.map((n) => [n.metadata.name, n.spec.providerID, n.metadata.labels?.['kubernetes.io/hostname']]),
    [
      ['kind-control-plane', 'kind://docker/kind/kind-control-plane', 'kind-control-plane'],
      ['kind-worker', 'kind://docker/kind/kind-worker', 'kind-worker'],
    ],
  )
  assert.ok('node-role.kubernetes.io/control-plane' in (nodes[0].metadata.labels ?? {}))
  assert.equal(defaults(c), ['standard rancher.io/local-path'])
})

test("each flavour's labels, versions, runtime, architecture, allocatable and default StorageClass", () => {
  for (const name of Object.keys(simFlavours) as SimFlavourName[]) {
    const one = startCluster({ nodes: 1 })
    try {
      playFlavour(one, name)
      const [node] = one.list(R.nodes)
      const flavour = simFlavours[name]
      assert.is(node.metadata.name, flavour.nodeName(1), name)
      assert.is(node.status.nodeInfo.kubeletVersion, flavour.kubeletVersion, name)
      assert.is(node.status.nodeInfo.containerRuntimeVersion, flavour.containerRuntimeVersion, name)
      assert.is(node.status.nodeInfo.architecture, flavour.architecture, name)
      assert.is(node.metadata.labels?.['kubernetes.io/arch'], flavour.architecture, name)
      assert.equal(node.status.allocatable.cpu, flavour.allocatable.cpu, name)
      assert.is(node.spec.providerID, 'providerID' in flavour ? flavour.providerID(node.metadata.name) : undefined)
      for (const [k, v] of Object.entries(flavour.labels(node.metadata.name))) assert.is(node.metadata.labels?.[k], v)
      assert.equal(defaults(one), [`${flavour.storageClass.name} ${flavour.storageClass.provisioner}`], name)
      assert.is(condition(node, 'Ready')?.status, 'True')
    } finally {
      one.stop()
    }
  }
})

test("a DaemonSet's pods land on the flavour's nodes", async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 2 }))
  playFlavour(c, 'k3d')
  c.create(R.daemonsets, aDaemonSet({ name: 'node-agent', namespace: 'default' }))
  await waitFor(c.store, 'two scheduled pods', () => c.list(R.pods).filter((p) => p.spec?.nodeName).length === 2)
  assert.equal(
    c
      .list(R.pods)
      .map((p) => p.spec.nodeName)
      .sort(),
    ['k3d-dev-agent-0', 'k3d-dev-server-0'],
  )
})

test("kubeadm's control plane (kind, minikube, Docker Desktop): its pods bind their metrics to 127.0.0.1", async () => {
  const controlPlane = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
  for (const name of Object.keys(simFlavours) as SimFlavourName[]) {
    const one = startCluster({ nodes: 2 })
    try {
      playFlavour(one, name)
      const kubeadm = 'kubeadm' in simFlavours[name]
      const node = simFlavours[name].nodeName(1)
      const staticPods = one.list(R.pods, 'kube-system').filter((p) => p.metadata.labels?.tier === 'control-plane')
      assert.equal(
        staticPods.map((p) => p.metadata.name).sort(),
        kubeadm ? controlPlane.map((c) => `${c}-${node}`) : [],
        name,
      )
      if (!kubeadm) {
        assert.is(one.get(R.daemonsets, 'kube-proxy', 'kube-system'), undefined, name)
        continue
      }
      const command = (component: string) =>
        one.get(R.pods, `${component}-${node}`, 'kube-system')!.spec.containers[0].command as string[]
      assert.ok(command('kube-controller-manager').includes('--bind-address=127.0.0.1'), name)
      assert.ok(command('kube-scheduler').includes('--bind-address=127.0.0.1'), name)
      assert.ok(command('etcd').includes('--listen-metrics-urls=http://127.0.0.1:2381'), name)
      assert.match(one.get(R.configmaps, 'kube-proxy', 'kube-system')!.data['config.conf'], /^metricsBindAddress: ""$/m)
      await waitFor(one.store, `${name}: a kube-proxy pod on each node, and the static pods running`, () => {
        const pods = one.list(R.pods, 'kube-system')
        return (
          pods.filter((p) => p.metadata.name.startsWith('kube-proxy-') && condition(p, 'Ready')?.status === 'True')
            .length === 2 &&
          staticPods.every(
            (p) => condition(one.get(R.pods, p.metadata.name, 'kube-system'), 'Ready')?.status === 'True',
          )
        )
      })
    } finally {
      one.stop()
    }
  }
})

test("Docker Desktop's / is private: a pod mounting it with propagation cannot start; on kind it can", async () => {
  for (const [name, refused] of [
    ['docker-desktop', true],
    ['kind', false],
  ] as const) {
    const one = startCluster({ nodes: 1 })
    try {
      playFlavour(one, name)
      const exporter = aDaemonSet({ name: 'node-exporter', namespace: 'default' })
      exporter.spec.template.spec.volumes = [{ name: 'root', hostPath: { path: '/' } }]
      exporter.spec.template.spec.containers[0].volumeMounts = [
        { name: 'root', mountPath: '/host/root', mountPropagation: 'HostToContainer' },
      ]
      one.create(R.daemonsets, exporter)
      const pod = await waitFor(one.store, `${name}: the exporter ready or refused`, () => {
        const p = one.list(R.pods, 'default')[0]
        const cs = p?.status?.containerStatuses?.[0]
        return (cs?.ready || cs?.lastState?.terminated) && p
      })
      assert.is(pod.status.containerStatuses[0].lastState?.terminated?.reason === 'ContainerCannotRun', refused, name)
    } finally {
      one.stop()
    }
  }
})

test.run()
