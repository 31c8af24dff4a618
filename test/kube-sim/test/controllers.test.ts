// The simulated controllers, driven through the Store: each workload kind reaches the status the
// real controllers write, with the objects, labels, ownerReferences and events they create.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aDaemonSet,
  aDeployment,
  aJob,
  aService,
  aStatefulSet,
  condition,
  R,
  startCluster,
  waitFor,
  type TestCluster,
} from '../controllers/testing.ts'
import type { KObject } from '../store.ts'

const isReady = (pod: KObject) => condition(pod, 'Ready')?.status === 'True'

// ---------------------------------------------------------------------------------------------
const cluster = suite<{ c: TestCluster }>('cluster at start')
cluster.after.each((ctx) => ctx.c.stop())

cluster('has the configured Ready nodes with capacity, addresses and nodeInfo', (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 3 }))
  const nodes = c.list(R.nodes)
  assert.equal(
    nodes.map((n) => n.metadata.name),
    ['sim-node-1', 'sim-node-2', 'sim-node-3'],
  )
  for (const n of nodes) {
    assert.is(condition(n, 'Ready')?.status, 'True')
    assert.is(n.status.capacity.pods, '110')
    assert.ok(n.status.addresses.some((a: any) => a.type === 'InternalIP'))
    assert.match(n.status.nodeInfo.kubeletVersion, /^v1\.\d+/)
  }
})

cluster('has the four initial namespaces, Active and labelled', (ctx) => {
  const c = (ctx.c = startCluster())
  const names = c.list(R.namespaces).map((n) => n.metadata.name)
  assert.equal(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system'])
  for (const ns of c.list(R.namespaces)) {
    assert.is(ns.status.phase, 'Active')
    assert.is(ns.metadata.labels?.['kubernetes.io/metadata.name'], ns.metadata.name)
    assert.equal(ns.spec.finalizers, ['kubernetes'])
  }
})

cluster.run()

// ---------------------------------------------------------------------------------------------
const deployments = suite<{ c: TestCluster }>('Deployment')
deployments.after.each((ctx) => ctx.c.stop())

deployments('becomes Available: ReplicaSet and pods with labels, ownerRefs and status', async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 3 }))
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 3 }))
  const d = await waitFor(
    c.store,
    'deployment web available',
    () => {
      const d = c.get(R.deployments, 'web')
      return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d
    },
    // a bound for a broken controller, not a speed claim: a loaded machine may take long
    30_000,
  )
  assert.is(condition(d, 'Available')?.status, 'True')
  assert.equal(
    { ...d.status, conditions: undefined },
    {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: undefined,
    },
  )
  assert.is(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1')

  const [rs, ...more] = c.list(R.replicasets)
  assert.is(more.length, 0)
  const hash = rs.metadata.labels?.['pod-template-hash']
  assert.is(rs.metadata.name, `web-${hash}`)
  assert.is(rs.metadata.ownerReferences?.[0].uid, d.metadata.uid)
  assert.is(rs.metadata.ownerReferences?.[0].controller, true)
  assert.is(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1')
  assert.equal(rs.status, {
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    observedGeneration: 1,
  })

  const pods = c.list(R.pods)
  assert.is(pods.length, 3)
  for (const pod of pods) {
    assert.match(pod.metadata.name, new RegExp(`^web-${hash}-[a-z0-9]{5}$`))
    assert.equal(pod.metadata.labels, { app: 'web', 'pod-template-hash': hash })
    assert.is(pod.metadata.ownerReferences?.[0].kind, 'ReplicaSet')
    assert.is(pod.metadata.ownerReferences?.[0].uid, rs.metadata.uid)
    assert.is(pod.status.phase, 'Running')
    assert.ok(isReady(pod))
    assert.match(pod.status.podIP, /^10\.244\.\d+\.\d+$/)
    assert.is(pod.status.containerStatuses[0].ready, true)
    assert.ok(pod.status.containerStatuses[0].state.running.startedAt)
  }
  assert.is(new Set(pods.map((p) => p.spec.nodeName)).size, 3, 'round-robin over the nodes')
})

deployments('records the scheduler, kubelet and controller events', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web' }))
  await waitFor(c.store, 'a ready pod', () => c.list(R.pods).find(isReady))
  const pod = c.list(R.pods)[0]
  const reasons = c.events(pod.metadata.name).map((e) => e.reason)
  assert.equal(reasons, ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'])
  const scheduled = c.events(pod.metadata.name)[0]
  assert.is(scheduled.involvedObject.uid, pod.metadata.uid)
  assert.is(scheduled.reportingComponent, 'default-scheduler')
  assert.is(scheduled.count, 1)
  const rs = c.list(R.replicasets)[0]
  assert.equal(
    c.events(rs.metadata.name).map((e) => e.message),
    [`Created pod: ${pod.metadata.name}`],
  )
  assert.equal(
    c.events('web').map((e) => e.message),
    [`Scaled up replica set ${rs.metadata.name} from 0 to 1`],
  )
})

deployments('rolls out a template change: new ReplicaSet, revision 2, old one scaled to 0', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 2 }))
  await waitFor(
    c.store,
    'first rollout',
    () => condition(c.get(R.deployments, 'web'), 'Progressing')?.reason === 'NewReplicaSetAvailable',
  )
  const [first] = c.list(R.replicasets)
  const d = c.get(R.deployments, 'web')!
  d.spec.template.spec.containers[0].image = 'nginx:1.28'
  c.store.update(R.deployments, d)
  const done = await waitFor(c.store, 'second rollout', () => {
    const d = c.get(R.deployments, 'web')
    const rolledOut =
      d?.status?.observedGeneration === 2 &&
      d.status.updatedReplicas === 2 &&
      d.status.replicas === 2 &&
      d.status.availableReplicas === 2
    return rolledOut && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d
  })
  const rss = c.list(R.replicasets)
  assert.is(rss.length, 2)
  const second = rss.find((rs) => rs.metadata.uid !== first.metadata.uid)!
  assert.is(second.metadata.annotations?.['deployment.kubernetes.io/revision'], '2')
  assert.is(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2')
  assert.is(c.get(R.replicasets, first.metadata.name)?.spec.replicas, 0)
  const pods = c.list(R.pods)
  assert.is(pods.length, 2)
  assert.ok(
    pods.every(
      (p) =>
        p.spec.containers[0].image === 'nginx:1.28' &&
        p.metadata.labels?.['pod-template-hash'] === second.metadata.labels?.['pod-template-hash'],
    ),
  )
  assert.ok(
    c
      .events('web')
      .some(
        (e) =>
          e.message === `Scaled down replica set ${first.metadata.name} from 2 to 0` ||
          e.message.startsWith(`Scaled down replica set ${first.metadata.name}`),
      ),
  )
})

deployments('a deleted pod goes at once and its ReplicaSet replaces it', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 2 }))
  await waitFor(c.store, 'two ready pods', () => c.list(R.pods).filter(isReady).length === 2)
  const victim = c.list(R.pods)[0]
  c.store.delete(R.pods, 'default', victim.metadata.name)
  assert.not.ok(c.get(R.pods, victim.metadata.name), 'gone without a grace period')
  await waitFor(
    c.store,
    'a replacement',
    () => c.list(R.pods).filter((p) => p.metadata.name !== victim.metadata.name && isReady(p)).length === 2,
  )
})

deployments('scales down to the new replica count', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 3 }))
  await waitFor(c.store, 'three ready pods', () => c.list(R.pods).filter(isReady).length === 3)
  const d = c.get(R.deployments, 'web')!
  d.spec.replicas = 1
  c.store.update(R.deployments, d)
  await waitFor(
    c.store,
    'one pod and status replicas 1',
    () => c.list(R.pods).length === 1 && c.get(R.deployments, 'web')?.status.replicas === 1,
  )
})

deployments.run()

// ---------------------------------------------------------------------------------------------
const pods = suite<{ c: TestCluster }>('bare Pod')
pods.after.each((ctx) => ctx.c.stop())

const aPod = (name: string, spec: Record<string, unknown>): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], ...spec },
})

pods('runs its init containers first: PodInitializing, then Completed init statuses and Ready', async (ctx) => {
  const c = (ctx.c = startCluster())
  const seen = new Set<string>()
  c.store.onAny((e) => {
    const reason = e.object.status?.containerStatuses?.[0]?.state?.waiting?.reason
    if (e.object.metadata.name === 'with-init' && reason) seen.add(reason)
  })
  c.create(R.pods, aPod('with-init', { initContainers: [{ name: 'setup', image: 'busybox:1.36' }] }))
  const pod = await waitFor(c.store, 'ready', () => isReady(c.get(R.pods, 'with-init')!) && c.get(R.pods, 'with-init'))
  assert.ok(seen.has('PodInitializing'), [...seen].join())
  const init = pod.status.initContainerStatuses[0]
  assert.is(init.name, 'setup')
  assert.is(init.state.terminated.reason, 'Completed')
  assert.is(init.ready, true)
  assert.is(condition(pod, 'Initialized')?.status, 'True')
  assert.equal(
    c
      .events('with-init')
      .filter((e) => e.involvedObject.fieldPath === 'spec.initContainers{setup}')
      .map((e) => e.reason),
    ['Pulling', 'Pulled', 'Created', 'Started'],
  )
})

pods('with restartPolicy Never runs to Succeeded (a helm hook pod)', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.pods, aPod('hook', { restartPolicy: 'Never' }))
  const pod = await waitFor(
    c.store,
    'succeeded',
    () => c.get(R.pods, 'hook')?.status?.phase === 'Succeeded' && c.get(R.pods, 'hook'),
  )
  assert.is(condition(pod, 'Ready')?.reason, 'PodCompleted')
  assert.is(pod.status.containerStatuses[0].state.terminated.reason, 'Completed')
})

pods.run()

// ---------------------------------------------------------------------------------------------
const statefulsets = suite<{ c: TestCluster }>('StatefulSet')
statefulsets.after.each((ctx) => ctx.c.stop())

statefulsets('creates ordinal pods one at a time, each after the previous is Ready, with bound PVCs', async (ctx) => {
  const c = (ctx.c = startCluster())
  const added: string[] = []
  c.store.onAny((e) => {
    if (e.type === 'ADDED' && e.res.resource === 'pods')
      added.push(
        `${e.object.metadata.name} (ready: ${c
          .list(R.pods)
          .filter(isReady)
          .map((p) => p.metadata.name)
          .join(',')})`,
      )
  })
  c.create(R.statefulsets, aStatefulSet({ name: 'db', replicas: 3, claim: 'data' }))
  const sts = await waitFor(c.store, 'statefulset rolled out', () => {
    const s = c.get(R.statefulsets, 'db')
    return s?.status?.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision && s
  })
  assert.equal(added, ['db-0 (ready: )', 'db-1 (ready: db-0)', 'db-2 (ready: db-0,db-1)'])
  assert.equal(
    { ...sts.status, currentRevision: undefined, updateRevision: undefined },
    {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: undefined,
      updateRevision: undefined,
      collisionCount: 0,
      availableReplicas: 3,
    },
  )
  const revision = c.get(R.controllerrevisions, sts.status.updateRevision)
  assert.is(revision?.revision, 1)
  assert.is(revision?.metadata.ownerReferences?.[0].uid, sts.metadata.uid)
  for (const i of [0, 1, 2]) {
    const pod = c.get(R.pods, `db-${i}`)!
    assert.is(pod.metadata.labels?.['controller-revision-hash'], sts.status.updateRevision)
    assert.is(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], String(i))
    assert.is(pod.spec.hostname, `db-${i}`)
    assert.equal(pod.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: `data-db-${i}` } }])
    const pvc = c.get(R.pvcs, `data-db-${i}`)!
    assert.is(pvc.status.phase, 'Bound')
    assert.ok(c.get(R.pvs, pvc.spec.volumeName), 'its PersistentVolume exists')
  }
})

statefulsets(
  'Parallel creates every pod at once, and a template change updates them to the new revision',
  async (ctx) => {
    const c = (ctx.c = startCluster())
    c.create(R.statefulsets, aStatefulSet({ name: 'web', replicas: 3, parallel: true }))
    await waitFor(
      c.store,
      'three pods without waiting',
      () => c.list(R.pods).length === 3 && !c.list(R.pods).some(isReady),
    )
    const first = await waitFor(
      c.store,
      'ready',
      () => c.get(R.statefulsets, 'web')?.status?.readyReplicas === 3 && c.get(R.statefulsets, 'web'),
    )
    const sts = c.get(R.statefulsets, 'web')!
    sts.spec.template.spec.containers[0].image = 'nginx:1.28'
    c.store.update(R.statefulsets, sts)
    const updated = await waitFor(c.store, 'rolled to the new revision', () => {
      const s = c.get(R.statefulsets, 'web')
      return (
        s?.status?.observedGeneration === 2 &&
        s.status.updatedReplicas === 3 &&
        s.status.readyReplicas === 3 &&
        s.status.currentRevision === s.status.updateRevision &&
        s
      )
    })
    assert.is.not(updated.status.updateRevision, first.status.updateRevision)
    assert.ok(c.list(R.pods).every((p) => p.spec.containers[0].image === 'nginx:1.28'))
  },
)

statefulsets.run()

// ---------------------------------------------------------------------------------------------
const daemonsets = suite<{ c: TestCluster }>('DaemonSet')
daemonsets.after.each((ctx) => ctx.c.stop())

daemonsets('runs one pod per node', async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 3 }))
  c.create(R.daemonsets, aDaemonSet({ name: 'agent' }))
  const ds = await waitFor(
    c.store,
    'daemonset ready',
    () => c.get(R.daemonsets, 'agent')?.status?.numberReady === 3 && c.get(R.daemonsets, 'agent'),
  )
  assert.equal(ds.status, {
    currentNumberScheduled: 3,
    numberMisscheduled: 0,
    desiredNumberScheduled: 3,
    numberReady: 3,
    observedGeneration: 1,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
  })
  const pods = c.list(R.pods)
  assert.equal(pods.map((p) => p.spec.nodeName).sort(), ['sim-node-1', 'sim-node-2', 'sim-node-3'])
  for (const pod of pods) {
    assert.match(pod.metadata.name, /^agent-[a-z0-9]{5}$/)
    assert.is(pod.metadata.ownerReferences?.[0].kind, 'DaemonSet')
    assert.ok(pod.metadata.labels?.['controller-revision-hash'])
  }
})

daemonsets.run()

// ---------------------------------------------------------------------------------------------
const jobs = suite<{ c: TestCluster }>('Job')
jobs.after.each((ctx) => ctx.c.stop())

jobs('runs its pod to completion: Succeeded, then SuccessCriteriaMet and Complete', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(
    R.jobs,
    aJob({
      name: 'migrate',
      annotations: { 'helm.sh/hook': 'pre-install', 'helm.sh/hook-delete-policy': 'hook-succeeded' },
    }),
  )
  const job = await waitFor(
    c.store,
    'job complete',
    () => condition(c.get(R.jobs, 'migrate'), 'Complete')?.status === 'True' && c.get(R.jobs, 'migrate'),
  )
  assert.is(condition(job, 'SuccessCriteriaMet')?.status, 'True')
  assert.is(condition(job, 'Complete')?.reason, 'CompletionsReached')
  assert.is(job.status.succeeded, 1)
  assert.ok(job.status.startTime && job.status.completionTime)
  assert.is(job.status.active, undefined)
  const [pod] = c.list(R.pods)
  assert.is(pod.status.phase, 'Succeeded')
  assert.is(pod.status.containerStatuses[0].state.terminated.exitCode, 0)
  assert.is(pod.metadata.labels?.['batch.kubernetes.io/job-name'], 'migrate')
  assert.ok(c.events('migrate').some((e) => e.reason === 'Completed'))
  // helm's hook-delete-policy deletes the Job; its pod goes with it
  c.store.delete(R.jobs, 'default', 'migrate')
  await waitFor(c.store, 'pod collected', () => !c.list(R.pods).length)
})

jobs('fails with BackoffLimitExceeded when its pods keep failing', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^broken-', { kind: 'crashLoop' })
  c.create(R.jobs, aJob({ name: 'broken', backoffLimit: 1 }))
  const job = await waitFor(
    c.store,
    'job failed',
    () => condition(c.get(R.jobs, 'broken'), 'Failed')?.status === 'True' && c.get(R.jobs, 'broken'),
  )
  assert.is(condition(job, 'Failed')?.reason, 'BackoffLimitExceeded')
  assert.is(condition(job, 'FailureTarget')?.status, 'True')
  assert.is(job.status.failed, 2)
  assert.ok(c.list(R.pods).every((p) => p.status.phase === 'Failed'))
})

jobs.run()

// ---------------------------------------------------------------------------------------------
const services = suite<{ c: TestCluster }>('Service')
services.after.each((ctx) => ctx.c.stop())

services('gets a clusterIP, and Endpoints and an EndpointSlice once its pods are Ready', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.services, aService({ name: 'web' }))
  const svc = await waitFor(
    c.store,
    'a clusterIP',
    () => c.get(R.services, 'web')?.spec?.clusterIP && c.get(R.services, 'web'),
  )
  assert.match(svc.spec.clusterIP, /^10\.96\.\d+\.\d+$/)
  assert.equal(svc.spec.clusterIPs, [svc.spec.clusterIP])
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 2, ports: [{ name: 'http', containerPort: 8080 }] }))
  const ep = await waitFor(
    c.store,
    'two ready addresses',
    () => c.get(R.endpoints, 'web')?.subsets?.[0]?.addresses?.length === 2 && c.get(R.endpoints, 'web'),
  )
  assert.equal(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }], 'the named targetPort resolved')
  const pods = c.list(R.pods)
  assert.equal(ep.subsets[0].addresses.map((a: any) => a.ip).sort(), pods.map((p) => p.status.podIP).sort())
  assert.is(ep.subsets[0].addresses[0].targetRef.kind, 'Pod')
  const [slice] = c.list(R.endpointslices).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web')
  assert.is(slice.addressType, 'IPv4')
  assert.is(slice.endpoints.length, 2)
  assert.ok(slice.endpoints.every((e: any) => e.conditions.ready && e.conditions.serving && !e.conditions.terminating))
  assert.is(slice.metadata.ownerReferences?.[0].uid, svc.metadata.uid)
})

services('lists pods that are not Ready as notReadyAddresses', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^web-', { kind: 'neverReady' })
  c.create(R.services, aService({ name: 'web', ports: [{ port: 80, targetPort: 8080 }] }))
  c.create(R.deployments, aDeployment({ name: 'web' }))
  const ep = await waitFor(
    c.store,
    'a not-ready address',
    () => c.get(R.endpoints, 'web')?.subsets?.[0]?.notReadyAddresses?.length === 1 && c.get(R.endpoints, 'web'),
  )
  assert.is(ep.subsets[0].addresses, undefined)
})

services('LoadBalancer gets an ingress IP and node ports; headless stays None', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.services, aService({ name: 'lb', type: 'LoadBalancer', ports: [{ port: 80 }] }))
  c.create(R.services, aService({ name: 'headless', clusterIP: 'None', ports: [{ port: 80 }] }))
  const lb = await waitFor(
    c.store,
    'lb ingress',
    () => c.get(R.services, 'lb')?.status?.loadBalancer?.ingress?.[0]?.ip && c.get(R.services, 'lb'),
  )
  assert.ok(lb.spec.ports[0].nodePort >= 30000 && lb.spec.ports[0].nodePort <= 32767)
  assert.is(c.get(R.services, 'headless')?.spec.clusterIP, 'None')
})

services.run()

// ---------------------------------------------------------------------------------------------
const storage = suite<{ c: TestCluster }>('PersistentVolumeClaim and CRD')
storage.after.each((ctx) => ctx.c.stop())

storage('a PVC binds to a provisioned PersistentVolume', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.pvcs, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
  })
  const pvc = await waitFor(
    c.store,
    'bound',
    () => c.get(R.pvcs, 'data')?.status?.phase === 'Bound' && c.get(R.pvcs, 'data'),
  )
  assert.equal(pvc.status.capacity, { storage: '5Gi' })
  const pv = c.get(R.pvs, pvc.spec.volumeName)!
  assert.is(pv.spec.claimRef.uid, pvc.metadata.uid)
  assert.is(pv.status.phase, 'Bound')
})

storage('a CRD gets NamesAccepted and Established, acceptedNames and storedVersions', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.crds, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true }],
    },
  })
  const crd = await waitFor(
    c.store,
    'established',
    () =>
      condition(c.get(R.crds, 'widgets.example.com'), 'Established')?.status === 'True' &&
      c.get(R.crds, 'widgets.example.com'),
  )
  assert.is(condition(crd, 'NamesAccepted')?.status, 'True')
  assert.equal(crd.status.acceptedNames, {
    plural: 'widgets',
    kind: 'Widget',
    singular: 'widget',
    listKind: 'WidgetList',
  })
  assert.equal(crd.status.storedVersions, ['v1'])
})

storage.run()
