import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, releaseNamed, settingDefs } from '../../lib/core/config.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { flavourTitles } from '../../lib/core/flavours.ts'
import { planFor } from '../../lib/core/plan.ts'
import { projectRoot } from '../../lib/core/values.ts'
import { renderScript } from '../../lib/run/script.ts'
import { adaptationLines, clusterWarnings, noteCluster, readClusterAnswer } from '../../lib/steps/cluster.ts'
import { createContext } from '../../lib/steps/context.ts'
import { bytes, clusterLine, cpuMilli, parseClusterInfo } from '../../lib/tools/cluster.ts'
import { captureLog } from './builders.ts'

/** A Node as the API server lists it, with what each flavour's kubelet and installer put on it. */
function aNode(o: {
  name: string
  labels?: Record<string, string>
  providerID?: string
  kubelet?: string
  runtime?: string
  arch?: string
  cpu?: string
  memory?: string
  unschedulable?: boolean
  notReady?: boolean
}) {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: o.name,
      labels: {
        'kubernetes.io/arch': o.arch ?? 'amd64',
        'kubernetes.io/hostname': o.name,
        'kubernetes.io/os': 'linux',
        ...o.labels,
      },
    },
    spec: {
      ...(o.providerID ? { providerID: o.providerID } : {}),
      ...(o.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: o.notReady ? 'Unknown' : 'True' }],
      allocatable: { cpu: o.cpu ?? '8', memory: o.memory ?? '16318440Ki', pods: '110' },
      nodeInfo: {
        kubeletVersion: o.kubelet ?? 'v1.35.0',
        containerRuntimeVersion: o.runtime ?? 'containerd://2.1.3',
        architecture: o.arch ?? 'amd64',
        operatingSystem: 'linux',
      },
    },
  }
}

function aStorageClass(name: string, provisioner: string, isDefault = true) {
  return {
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    metadata: {
      name,
      annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
    },
    provisioner,
  }
}

const list = (...items: object[]) => ({ kind: 'List', apiVersion: 'v1', items })

const kind = list(
  aNode({
    name: 'kind-control-plane',
    providerID: 'kind://docker/kind/kind-control-plane',
    labels: { 'node-role.kubernetes.io/control-plane': '' },
  }),
  aNode({ name: 'kind-worker', providerID: 'kind://docker/kind/kind-worker' }),
  aStorageClass('standard', 'rancher.io/local-path'),
)
const minikube = list(
  aNode({
    name: 'minikube',
    runtime: 'docker://28.1.1',
    cpu: '2',
    memory: '3912364Ki',
    labels: {
      'minikube.k8s.io/name': 'minikube',
      'minikube.k8s.io/primary': 'true',
      'minikube.k8s.io/version': 'v1.36.0',
    },
  }),
  aStorageClass('standard', 'k8s.io/minikube-hostpath'),
)
const k3d = list(
  aNode({
    name: 'k3d-dev-server-0',
    providerID: 'k3s://k3d-dev-server-0',
    kubelet: 'v1.33.4+k3s1',
    runtime: 'containerd://2.0.5-k3s2',
    labels: { 'k3s.io/hostname': 'k3d-dev-server-0', 'node-role.kubernetes.io/master': 'true' },
  }),
  aStorageClass('local-path', 'rancher.io/local-path'),
)
const dockerDesktop = list(
  aNode({ name: 'docker-desktop', arch: 'arm64', runtime: 'docker://28.3.2', cpu: '10', memory: '8025424Ki' }),
  aStorageClass('hostpath', 'docker.io/hostpath'),
)
const eks = list(
  aNode({
    name: 'ip-192-168-12-34.eu-west-1.compute.internal',
    providerID: 'aws:///eu-west-1a/i-0123456789abcdef0',
    kubelet: 'v1.33.3-eks-3abbec1',
    cpu: '1930m',
    memory: '7291176Ki',
  }),
  aStorageClass('gp2', 'kubernetes.io/aws-ebs', false),
)
const gke = list(
  aNode({
    name: 'gke-demo-default-pool-1a2b3c4d-x1y2',
    providerID: 'gce://my-project/europe-west1-b/gke-demo-default-pool-1a2b3c4d-x1y2',
    kubelet: 'v1.33.2-gke.1240000',
  }),
  aStorageClass('standard-rwo', 'pd.csi.storage.gke.io'),
)
const aks = list(
  aNode({
    name: 'aks-nodepool1-12345678-vmss000000',
    providerID:
      'azure:///subscriptions/0000/resourceGroups/mc_rg/providers/Microsoft.Compute/virtualMachineScaleSets/x',
  }),
  aStorageClass('default', 'disk.csi.azure.com'),
)

// parseClusterInfo

const parse = suite('parseClusterInfo')

parse('kind: by its providerID; two nodes summed; the default StorageClass', () => {
  const info = parseClusterInfo(kind)
  assert.is(info.flavour, 'kind')
  assert.is(info.evidence, 'providerID kind://docker/kind/kind-control-plane')
  assert.is(info.nodes, 2)
  assert.is(info.kubernetesVersion, 'v1.35.0')
  assert.equal(info.runtimes, ['containerd://2.1.3'])
  assert.equal(info.architectures, ['amd64'])
  assert.equal(info.allocatable, { cpuMilli: 16000, memoryBytes: 2 * 16318440 * 1024 })
  assert.equal(info.defaultStorageClass, { name: 'standard', provisioner: 'rancher.io/local-path' })
})

parse('the Ready nodes by name, where a pod runs now (cordoned or not); a NotReady one left out', () => {
  const nodes = list(
    aNode({ name: 'a' }),
    aNode({ name: 'b', unschedulable: true }),
    aNode({ name: 'c', notReady: true }),
    { kind: 'Node', metadata: { name: 'd' } },
  )
  assert.equal(parseClusterInfo(nodes).readyNodes, ['a', 'b'])
})

parse('kind without a providerID (an old kind): by its node name *-control-plane', () => {
  const node = aNode({ name: 'workshop-control-plane' })
  assert.equal(parseClusterInfo(list(node)).flavour, 'kind')
  assert.is(parseClusterInfo(list(node)).evidence, 'node workshop-control-plane')
})

parse('minikube: by its minikube.k8s.io labels, with docker as runtime', () => {
  const info = parseClusterInfo(minikube)
  assert.is(info.flavour, 'minikube')
  assert.is(info.evidence, 'label minikube.k8s.io/name')
  assert.equal(info.runtimes, ['docker://28.1.1'])
  assert.equal(info.allocatable, { cpuMilli: 2000, memoryBytes: 3912364 * 1024 })
})

parse('k3d: by its k3s.io labels; a k3s without them by its kubelet version', () => {
  assert.is(parseClusterInfo(k3d).flavour, 'k3s')
  assert.is(parseClusterInfo(k3d).kubernetesVersion, 'v1.33.4+k3s1')
  const bare = aNode({ name: 'pi', kubelet: 'v1.33.4+k3s1', providerID: 'aws:///eu-west-1a/i-1' })
  assert.equal(parseClusterInfo(list(bare)), {
    ...parseClusterInfo(list(bare)),
    flavour: 'k3s',
    evidence: 'kubelet v1.33.4+k3s1',
  })
})

parse('Docker Desktop: by its node name docker-desktop; arm64', () => {
  const info = parseClusterInfo(dockerDesktop)
  assert.is(info.flavour, 'docker-desktop')
  assert.equal(info.architectures, ['arm64'])
  assert.equal(info.defaultStorageClass, { name: 'hostpath', provisioner: 'docker.io/hostpath' })
})

parse('clouds: by the providerID scheme (aws, gce, azure); EKS without a default StorageClass', () => {
  assert.is(parseClusterInfo(eks).flavour, 'aws')
  assert.is(parseClusterInfo(eks).allocatable.cpuMilli, 1930)
  assert.is(parseClusterInfo(eks).defaultStorageClass, undefined)
  assert.is(parseClusterInfo(gke).flavour, 'gce')
  assert.is(parseClusterInfo(aks).flavour, 'azure')
})

parse('other: nothing known; no nodes at all', () => {
  assert.is(parseClusterInfo(list(aNode({ name: 'node-1' }))).flavour, 'other')
  const empty = parseClusterInfo(list())
  assert.equal([empty.flavour, empty.evidence, empty.kubernetesVersion], ['other', 'no nodes listed', 'unknown'])
})

parse('a cordoned node offers nothing; the beta default annotation counts', () => {
  const info = parseClusterInfo(
    list(aNode({ name: 'a', cpu: '4' }), aNode({ name: 'b', cpu: '4', unschedulable: true }), {
      kind: 'StorageClass',
      metadata: { name: 'old', annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'x',
    }),
  )
  assert.is(info.allocatable.cpuMilli, 4000)
  assert.is(info.defaultStorageClass?.name, 'old')
})

parse.run()

// quantities

const quantities = suite('quantities')

quantities('CPU in millicores, memory in bytes, each suffix; unreadable is 0', () => {
  assert.equal(['8', '7800m', '1.5', 'x', undefined].map(cpuMilli), [8000, 7800, 1500, 0, 0])
  assert.equal(['16Ki', '2Mi', '1Gi', '1G', '500M', '2e3', '100', 'x'].map(bytes), [
    16384,
    2097152,
    2 ** 30,
    1e9,
    5e8,
    2000,
    100,
    0,
  ])
})

quantities.run()

// clusterLine and clusterWarnings

const said = suite('clusterLine, clusterWarnings')

said('one line: flavour, nodes, version, runtime, architecture, allocatable, StorageClass', () => {
  assert.is(
    clusterLine(parseClusterInfo(kind), flavourTitles),
    'Cluster: kind, 2 nodes, v1.35.0, containerd 2.1.3, amd64, 16 CPU / 31.1 GiB allocatable,' +
      ' default StorageClass standard (rancher.io/local-path)',
  )
  assert.match(clusterLine(parseClusterInfo(eks), flavourTitles), /, 1 node, .*no default StorageClass$/)
})

said('kind and k3d: the inotify command for the host; a roomy cloud with a StorageClass: nothing', () => {
  for (const cluster of [kind, k3d]) {
    const warnings = clusterWarnings(parseClusterInfo(cluster), 'seed')
    assert.is(warnings.length, 1)
    assert.match(warnings[0], /sudo sysctl fs\.inotify\.max_user_instances=512/)
  }
  assert.equal(clusterWarnings(parseClusterInfo(gke), 'current'), [])
})

said('too little CPU or memory for the profile, and no default StorageClass: each said with its remedy', () => {
  const small = clusterWarnings(parseClusterInfo(minikube), 'current')
  assert.equal(small, [])
  const tiny = parseClusterInfo(list(aNode({ name: 'n', cpu: '500m', memory: '1Gi' })))
  const warnings = clusterWarnings(tiny, 'seed')
  assert.is(warnings.length, 3)
  assert.match(warnings[0], /0\.5 CPU; the stack wants about 1 CPU: .*Insufficient cpu/)
  assert.match(warnings[1], /1\.0 GiB; the stack wants about 2\.3 GiB: .*Insufficient memory/)
  assert.match(warnings[2], /no default StorageClass/)
})

said.run()

// adaptations in the config

const adapt = suite('adaptConfig through --flavour')

const configWith = (...argv: string[]) =>
  buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({ read: true }))
const kps = (argv: string[]) => releaseNamed(configWith(...argv), 'kube-prometheus-stack')

adapt('auto (the default): nothing until the cluster is read', () => {
  const config = configWith()
  assert.is(config.flavour, 'auto')
  assert.equal(config.adaptations, [])
  assert.is(kps([]).valuesFiles.length, 1)
})

adapt('kind, minikube, k3s: the control-plane overlay after the release own file, in its values too', () => {
  for (const flavour of ['kind', 'minikube', 'k3s']) {
    const files = kps([`--flavour=${flavour}`]).valuesFiles
    assert.is(files.length, 2)
    assert.match(files[1], /values\/flavours\/kube-prometheus-stack\.control-plane-monitors-off\.yaml$/)
  }
  const other = releaseNamed(configWith('--flavour=kind'), 'tempo')
  assert.is(other.valuesFiles.length, 1, 'other releases keep their files')
})

adapt('Docker Desktop: both overlays; a cloud: its managed control plane unmonitored; other: none', () => {
  const ids = (flavour: string) => configWith(`--flavour=${flavour}`).adaptations.map((a) => a.id)
  assert.equal(ids('docker-desktop'), ['control-plane-monitors-off', 'node-exporter-no-root-mount'])
  for (const flavour of ['aws', 'gce', 'azure']) assert.equal(ids(flavour), ['managed-control-plane-monitors-off'])
  assert.equal(ids('other'), [])
})

adapt('a managed control plane: kube-proxy, which runs on the nodes, stays monitored', () => {
  const config = buildConfig(parseSettings(settingDefs, ['--flavour=gce'], {}).values)
  const values = releaseNamed(config, 'kube-prometheus-stack').values as any
  for (const key of ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd']) assert.is(values[key].enabled, false, key)
  assert.is(values.kubeProxy, undefined)
  assert.is(values.defaultRules.rules.kubeProxy, undefined)
})

adapt('--no-adapt (or STACK_ADAPT=false): no overlay, and the output says adaptations are off', () => {
  const config = configWith('--flavour=kind', '--no-adapt')
  assert.equal(config.adaptations, [])
  assert.is(releaseNamed(config, 'kube-prometheus-stack').valuesFiles.length, 1)
  const fromEnv = buildConfig(parseSettings(settingDefs, ['--flavour=kind'], { STACK_ADAPT: 'false' }).values)
  assert.equal(fromEnv.adaptations, [])
  assert.equal(adaptationLines({ config }), ['Adaptations: off (--no-adapt): the values files are used as they are'])
})

adapt('the real overlay files: the chart keys they switch off', () => {
  const config = buildConfig(parseSettings(settingDefs, ['--flavour=docker-desktop'], {}).values)
  const values = releaseNamed(config, 'kube-prometheus-stack').values as any
  for (const key of ['kubeControllerManager', 'kubeScheduler', 'kubeProxy', 'kubeEtcd'])
    assert.is(values[key].enabled, false, key)
  assert.is(values.defaultRules.rules.kubeSchedulerAlerting, false)
  assert.is(values['prometheus-node-exporter'].hostRootFsMount.enabled, false)
  assert.ok(values.grafana, "the release's own values are still there")
  assert.equal(
    adaptationLines({ config }).map((l) => l.split(' — ')[0]),
    [
      'Adapted for Docker Desktop: values/flavours/kube-prometheus-stack.control-plane-monitors-off.yaml',
      'Adapted for Docker Desktop: values/flavours/kube-prometheus-stack.node-exporter-no-root-mount.yaml',
    ],
  )
})

adapt.run()

// the dry run

const dryRun = suite('the dry run names the adaptations')

const script = (...argv: string[]) => {
  const config = configWith(...argv)
  return renderScript(config, {}, planFor(config, 'all'), { printedBy: 'test', cwd: projectRoot })
}

dryRun('--flavour=kind: the overlay as a -f after the release own file, with why, and in the header', () => {
  const text = script('--flavour=kind')
  assert.match(text, /^# Cluster flavour kind: adapted with values\/flavours\/kube-prometheus-stack\.control-plane/m)
  assert.match(
    text,
    /^# adapted for kind: values\/flavours\/kube-prometheus-stack\.control-plane-monitors-off\.yaml — /m,
  )
  assert.match(
    text,
    / -f values\/grafana-values\.yaml -f values\/flavours\/kube-prometheus-stack\.control-plane-monitors-off\.yaml$/m,
  )
})

dryRun('auto: none, and how to print them; --no-adapt: said; a flavour with nothing to adapt: said', () => {
  assert.match(script(), /^# For the cluster's flavour, a run adds overlays from values\/flavours\/: --flavour=kind/m)
  assert.not.match(script(), /-f values\/flavours\//)
  assert.match(script('--flavour=kind', '--no-adapt'), /^# No adaptations to the cluster \(--no-adapt\)\.$/m)
  assert.not.match(script('--flavour=kind', '--no-adapt'), /-f values\/flavours\//)
  assert.match(script('--flavour=other'), /^# Cluster flavour other: nothing to adapt\.$/m)
})

dryRun.run()

// the preflight's notes

const noted = suite('readClusterAnswer, noteCluster')

const ctxWith = (...argv: string[]) => {
  const captured = captureLog()
  return { ctx: createContext(configWith(...argv), captured.log), err: captured.err }
}

noted('not allowed to list nodes: one warning, nothing adapted, the run goes on', () => {
  const { ctx, err } = ctxWith()
  const stderr = 'Error from server (Forbidden): nodes is forbidden: User "dev" cannot list resource "nodes"'
  const info = readClusterAnswer(ctx, { exitCode: 1, stdout: '', stderr })
  noteCluster(ctx, info)
  assert.is(info, undefined)
  assert.is(ctx.cluster, undefined)
  assert.equal(ctx.config.adaptations, [])
  assert.match(
    err(),
    /^! Cluster: not read \(Error from server \(Forbidden\): nodes is forbidden: .*--flavour names it\)$/m,
  )
})

noted("auto: the cluster's flavour adds its overlays to the config and says so; an explicit --flavour wins", () => {
  const { ctx, err } = ctxWith()
  noteCluster(ctx, readClusterAnswer(ctx, { exitCode: 0, stdout: JSON.stringify(dockerDesktop), stderr: '' }))
  assert.is(ctx.cluster?.flavour, 'docker-desktop')
  assert.equal(
    ctx.config.adaptations.map((a) => a.id),
    ['control-plane-monitors-off', 'node-exporter-no-root-mount'],
  )
  assert.is(releaseNamed(ctx.config, 'kube-prometheus-stack').valuesFiles.length, 3)
  assert.match(err(), /^Cluster: Docker Desktop, 1 node, /m)
  assert.match(err(), /^Adapted for Docker Desktop: values\/flavours\/kube-prometheus-stack\.node-exporter-no-root/m)

  const pinned = ctxWith('--flavour=other')
  noteCluster(pinned.ctx, readClusterAnswer(pinned.ctx, { exitCode: 0, stdout: JSON.stringify(kind), stderr: '' }))
  assert.is(pinned.ctx.cluster?.flavour, 'kind', 'read as it is')
  assert.equal(pinned.ctx.config.adaptations, [], 'adapted as --flavour says: none for other')
})

noted('an answer that is no JSON: a warning, nothing adapted', () => {
  const { ctx, err } = ctxWith()
  assert.is(readClusterAnswer(ctx, { exitCode: 0, stdout: 'not json', stderr: '' }), undefined)
  assert.match(err(), /no JSON list of nodes/)
})

noted.run()
