// Workload faults: each one leaves its pods in the state and with the events a real cluster shows
// for that trouble, applies to pods that already exist, and clear() lets them recover.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aDeployment, condition, R, sleep, startCluster, waitFor, type TestCluster } from '../controllers/testing.ts'
import type { KObject } from '../store.ts'

const faults = suite<{ c: TestCluster }>('faults')
faults.after.each((ctx) => ctx.c.stop())

const isReady = (pod: KObject | undefined) => condition(pod, 'Ready')?.status === 'True'
const waiting = (pod: KObject | undefined) => pod?.status?.containerStatuses?.[0]?.state?.waiting
const onlyPod = (c: TestCluster) => c.list(R.pods)[0] as KObject | undefined
const reasons = (c: TestCluster, pod: KObject) => c.events(pod.metadata.name).map((e) => e.reason)

faults('imagePull: ErrImagePull, then ImagePullBackOff with a Failed event; clear() lets it pull', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^web-', { kind: 'imagePull' })
  c.create(R.deployments, aDeployment({ name: 'web', image: 'example.com/missing:1.0' }))
  const errPull = await waitFor(
    c.store,
    'ErrImagePull',
    () => waiting(onlyPod(c))?.reason === 'ErrImagePull' && onlyPod(c),
  )
  assert.is(errPull.status.phase, 'Pending')
  assert.match(waiting(errPull).message, /example\.com\/missing:1\.0.*not found/)
  const backOff = await waitFor(
    c.store,
    'ImagePullBackOff',
    () => waiting(onlyPod(c))?.reason === 'ImagePullBackOff' && onlyPod(c),
  )
  const failed = c
    .events(backOff.metadata.name)
    .find((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "example.com/missing:1.0"'))
  assert.ok(failed, 'a "Failed to pull image" event')
  assert.is(failed!.type, 'Warning')
  assert.is(failed!.involvedObject.fieldPath, 'spec.containers{main}')
  assert.ok(reasons(c, backOff).includes('BackOff'))
  c.controllers.faults.clear('^web-')
  const ready = await waitFor(c.store, 'ready after clear', () => isReady(onlyPod(c)) && onlyPod(c))
  assert.is(ready.metadata.name, backOff.metadata.name, 'the same pod recovered')
})

faults(
  'crashLoop: CrashLoopBackOff, growing restartCount, last exit code 1, BackOff events; clear() recovers',
  async (ctx) => {
    const c = (ctx.c = startCluster())
    c.controllers.faults.set('^web-', { kind: 'crashLoop' })
    c.create(R.deployments, aDeployment({ name: 'web' }))
    const pod = await waitFor(c.store, 'two restarts', () => {
      const p = onlyPod(c)
      return waiting(p)?.reason === 'CrashLoopBackOff' && p!.status.containerStatuses[0].restartCount >= 2 && p
    })
    const cs = pod.status.containerStatuses[0]
    assert.is(pod.status.phase, 'Running')
    assert.is(cs.lastState.terminated.exitCode, 1)
    assert.is(cs.lastState.terminated.reason, 'Error')
    assert.not.ok(isReady(pod))
    const backOff = c.events(pod.metadata.name).find((e) => e.reason === 'BackOff')
    assert.match(backOff?.message ?? '', /^Back-off restarting failed container main in pod web-/)
    assert.ok(backOff!.count >= 2, 'repeats fold into one event')
    c.controllers.faults.clear()
    const ready = await waitFor(c.store, 'ready after clear', () => isReady(onlyPod(c)) && onlyPod(c))
    assert.ok(ready.status.containerStatuses[0].restartCount >= 2, 'restarts are remembered')
  },
)

faults(
  'unschedulable: Pending with PodScheduled=False and a FailedScheduling event; clear() schedules it',
  async (ctx) => {
    const c = (ctx.c = startCluster({ nodes: 2 }))
    c.controllers.faults.set('^web-', { kind: 'unschedulable' })
    c.create(R.deployments, aDeployment({ name: 'web' }))
    const pod = await waitFor(
      c.store,
      'unschedulable',
      () => condition(onlyPod(c), 'PodScheduled')?.status === 'False' && onlyPod(c),
    )
    assert.is(condition(pod, 'PodScheduled')?.reason, 'Unschedulable')
    assert.is(pod.status.phase, 'Pending')
    assert.is(pod.spec.nodeName, undefined)
    const event = c.events(pod.metadata.name).find((e) => e.reason === 'FailedScheduling')
    assert.match(event?.message ?? '', /^0\/2 nodes are available/)
    assert.is(event?.type, 'Warning')
    c.controllers.faults.clear('^web-')
    await waitFor(c.store, 'ready after clear', () => isReady(onlyPod(c)) && onlyPod(c)?.spec.nodeName)
  },
)

faults('neverReady: Running but not Ready, with Unhealthy events; clear() makes it Ready', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('web', { kind: 'neverReady' })
  c.create(R.deployments, aDeployment({ name: 'web' }))
  const pod = await waitFor(c.store, 'an Unhealthy event', () => {
    const p = onlyPod(c)
    return p && c.events(p.metadata.name).some((e) => e.reason === 'Unhealthy') && p
  })
  const fresh = c.get(R.pods, pod.metadata.name)!
  assert.is(fresh.status.phase, 'Running')
  assert.is(fresh.status.containerStatuses[0].started, true)
  assert.is(condition(fresh, 'Ready')?.status, 'False')
  assert.is(condition(fresh, 'Ready')?.reason, 'ContainersNotReady')
  assert.match(c.events(pod.metadata.name).find((e) => e.reason === 'Unhealthy')!.message, /^Readiness probe failed/)
  c.controllers.faults.clear()
  await waitFor(c.store, 'ready after clear', () => isReady(onlyPod(c)))
})

faults('neverReady set on a Ready pod makes it unready; the Deployment loses availability', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web' }))
  await waitFor(c.store, 'ready', () => isReady(onlyPod(c)))
  c.controllers.faults.set('^web-', { kind: 'neverReady' })
  await waitFor(
    c.store,
    'unready',
    () => !isReady(onlyPod(c)) && condition(c.get(R.deployments, 'web'), 'Available')?.status === 'False',
  )
  c.controllers.faults.clear('^web-')
  await waitFor(
    c.store,
    'available again',
    () => condition(c.get(R.deployments, 'web'), 'Available')?.status === 'True',
  )
})

faults('delay: the pod becomes Ready no sooner than the extra time', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^web-', { kind: 'delay', ms: 400 })
  const started = Date.now()
  c.create(R.deployments, aDeployment({ name: 'web' }))
  await waitFor(c.store, 'running', () => onlyPod(c)?.status?.phase === 'Running')
  await sleep(100)
  assert.not.ok(isReady(onlyPod(c)), 'not ready yet')
  await waitFor(c.store, 'ready', () => isReady(onlyPod(c)))
  assert.ok(Date.now() - started >= 400, `took ${Date.now() - started} ms`)
})

faults('a Deployment whose pods never become Ready exceeds its progress deadline', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.controllers.faults.set('^web-', { kind: 'neverReady' })
  c.create(R.deployments, aDeployment({ name: 'web', progressDeadlineSeconds: 1 }))
  const d = await waitFor(
    c.store,
    'ProgressDeadlineExceeded',
    () => {
      const d = c.get(R.deployments, 'web')
      return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && d
    },
    4000,
  )
  assert.is(condition(d, 'Progressing')?.status, 'False')
  assert.match(condition(d, 'Progressing')?.message, /has timed out progressing/)
  c.controllers.faults.clear()
  await waitFor(
    c.store,
    'recovered',
    () => condition(c.get(R.deployments, 'web'), 'Progressing')?.reason === 'NewReplicaSetAvailable',
  )
})

faults.run()
