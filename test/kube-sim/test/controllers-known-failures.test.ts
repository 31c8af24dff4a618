// The failures users of this stack meet again and again, played as a kubelet, the scheduler and the
// PV controller write them: a rate-limited pull (429), a node without room for memory, a claim no
// class provisions, a host mount Docker Desktop's private / refuses, a crash whose log says why.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  aDaemonSet,
  aDeployment,
  aStatefulSet,
  condition,
  R,
  startCluster,
  waitFor,
  type TestCluster,
} from '../controllers/testing.ts'
import type { KObject } from '../store.ts'

const test = suite<{ c: TestCluster }>('known failures')
test.after.each((ctx) => ctx.c.stop())

const waiting = (pod: KObject | undefined) => pod?.status?.containerStatuses?.[0]?.state?.waiting
const onlyPod = (c: TestCluster) => c.list(R.pods)[0] as KObject | undefined
const messages = (c: TestCluster, name: string, reason: string) =>
  c
    .events(name)
    .filter((e) => e.reason === reason)
    .map((e) => e.message)

test("imagePull refused as rate-limited: containerd's 429 from Docker Hub, in the state and the event", async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^web-', { kind: 'imagePull', refusal: 'rateLimited' })
  c.create(R.deployments, aDeployment({ name: 'web', image: 'grafana/loki:2.9.17' }))
  const pod = await waitFor(
    c.store,
    'ImagePullBackOff',
    () => waiting(onlyPod(c))?.reason === 'ImagePullBackOff' && onlyPod(c),
  )
  assert.match(
    waiting(pod).message,
    new RegExp(
      /^Back-off pulling image "grafana\/loki:2\.9\.17": ErrImagePull: rpc error: code = Unknown desc = /.source +
        /failed to pull and unpack image "docker\.io\/grafana\/loki:2\.9\.17": failed to copy: /.source +
        /.*https:\/\/registry-1\.docker\.io\/v2\/grafana\/loki\/manifests\/sha256:[0-9a-f]{64}: /.source +
        /429 Too Many Requests - Server message: toomanyrequests: /.source,
    ),
  )
  const [failed] = messages(c, pod.metadata.name, 'Failed').filter((m) => m.startsWith('Failed to pull image'))
  assert.match(failed, /429 Too Many Requests.*toomanyrequests/)
})

test('unschedulable for lack of memory alone: the FailedScheduling event names memory, not cpu', async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 2 }))
  c.controllers.faults.set('^web-', { kind: 'unschedulable', insufficient: ['memory'] })
  c.create(R.deployments, aDeployment({ name: 'web' }))
  const pod = await waitFor(
    c.store,
    'unschedulable',
    () => condition(onlyPod(c), 'PodScheduled')?.status === 'False' && onlyPod(c),
  )
  assert.is(
    condition(pod, 'PodScheduled').message,
    '0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims' +
      ' found for incoming pod.',
  )
  assert.equal(messages(c, pod.metadata.name, 'FailedScheduling'), [condition(pod, 'PodScheduled').message])
})

test('a claim with no class while none is the default: Pending, the pod unschedulable; a default binds it', async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 1 }))
  const standard = c.get(R.storageclasses, 'standard')!
  c.store.update(R.storageclasses, { ...standard, metadata: { ...standard.metadata, annotations: {} } })
  c.create(R.statefulsets, aStatefulSet({ name: 'db', claim: 'data' }))
  const pod = await waitFor(
    c.store,
    'unschedulable',
    () => condition(onlyPod(c), 'PodScheduled')?.status === 'False' && onlyPod(c),
  )
  assert.match(
    condition(pod, 'PodScheduled').message,
    /^0\/1 nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption: /,
  )
  await waitFor(c.store, 'FailedBinding', () => c.events('data-db-0').some((e) => e.reason === 'FailedBinding'))
  assert.equal(messages(c, 'data-db-0', 'FailedBinding'), [
    'no persistent volumes available for this claim and no storage class is set',
  ])
  assert.is(c.get(R.pvcs, 'data-db-0')?.status?.phase, 'Pending')
  assert.equal(c.list(R.pvs), [])
  // the user makes a class the default: the claim gets it, is provisioned, and the pod runs
  const again = c.get(R.storageclasses, 'standard')!
  c.store.update(R.storageclasses, {
    ...again,
    metadata: { ...again.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  })
  await waitFor(c.store, 'ready', () => condition(c.get(R.pods, 'db-0'), 'Ready')?.status === 'True')
  assert.is(c.get(R.pvcs, 'data-db-0')?.spec.storageClassName, 'standard')
})

test("rootNotShared: a host path mounted with propagation cannot run (Docker's words); others run", async (ctx) => {
  const c = (ctx.c = startCluster({ nodes: 1 }))
  c.controllers.faults.set('', { kind: 'rootNotShared' })
  const exporter = aDaemonSet({ name: 'node-exporter' })
  const spec = exporter.spec.template.spec
  spec.volumes = [
    { name: 'proc', hostPath: { path: '/proc' } },
    { name: 'root', hostPath: { path: '/' } },
  ]
  spec.containers[0].volumeMounts = [
    { name: 'proc', mountPath: '/host/proc', readOnly: true },
    { name: 'root', mountPath: '/host/root', mountPropagation: 'HostToContainer', readOnly: true },
  ]
  c.create(R.daemonsets, exporter)
  c.create(R.deployments, aDeployment({ name: 'web' }))
  const web = () => c.list(R.pods).find((p) => p.metadata.name.startsWith('web-'))
  const pod = await waitFor(c.store, 'a crash loop', () => {
    const p = c.list(R.pods).find((x) => x.metadata.name.startsWith('node-exporter-'))
    return waiting(p)?.reason === 'CrashLoopBackOff' && p
  })
  assert.equal(pod.status.containerStatuses[0].lastState.terminated, {
    ...pod.status.containerStatuses[0].lastState.terminated,
    exitCode: 128,
    reason: 'ContainerCannotRun',
    message: 'path / is mounted on / but it is not a shared or slave mount',
  })
  assert.ok(
    messages(c, pod.metadata.name, 'Failed').includes(
      'Error: failed to start container "main": Error response from daemon: path / is mounted on / but it is not' +
        ' a shared or slave mount',
    ),
  )
  await waitFor(c.store, 'web ready', () => condition(web(), 'Ready')?.status === 'True')
})

test('crashLoop with a log: `--previous` reads it; the termination message only with FallbackToLogsOnError', async (ctx) => {
  const c = (ctx.c = startCluster())
  const log =
    'level=info msg="Starting Promtail"\nlevel=error msg="error creating promtail" error="too many open files"\n'
  c.controllers.faults.set('^agent-|^fallback-', { kind: 'crashLoop', log })
  c.create(R.deployments, aDeployment({ name: 'agent' }))
  const fallback = aDeployment({ name: 'fallback' })
  fallback.spec.template.spec.containers[0].terminationMessagePolicy = 'FallbackToLogsOnError'
  c.create(R.deployments, fallback)
  const crashed = (prefix: string) => () => {
    const p = c.list(R.pods).find((x) => x.metadata.name.startsWith(prefix))
    return p?.status?.containerStatuses?.[0]?.lastState?.terminated && p
  }
  const agent = await waitFor(c.store, 'agent crashed', crashed('agent-'))
  const withFallback = await waitFor(c.store, 'fallback crashed', crashed('fallback-'))
  assert.is(agent.status.containerStatuses[0].lastState.terminated.message, undefined)
  assert.is(withFallback.status.containerStatuses[0].lastState.terminated.message, log)
  assert.is(c.controllers.logs.lastEnded(agent.metadata.uid, 'main'), log)
})

test.run()
