// The simulator playing kind, minikube, k3d, Docker Desktop and EKS: the nodes and the default
// StorageClass each shows, and pods still scheduled onto the renamed nodes.
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

test.run()
