// The kubelet's volume set-up: a pod whose secret (or configMap, or projected) volume names an
// object that does not exist stays Pending in ContainerCreating with FailedMount events, as a
// webhook pod does while cert-manager has not issued its certificate; the object appearing lets it
// start. Optional sources, and volumes that resolve, hold nothing back.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aDeployment, condition, R, sleep, startCluster, waitFor } from '../controllers/testing.ts'
import type { TestCluster } from '../controllers/testing.ts'
import type { KObject } from '../store.ts'

const mounts = suite<{ c: TestCluster }>('volume mounts')
mounts.after.each((ctx) => ctx.c.stop())

const onlyPod = (c: TestCluster) => c.list(R.pods)[0] as KObject | undefined
const isReady = (pod: KObject | undefined) => condition(pod, 'Ready')?.status === 'True'
const failedMounts = (c: TestCluster, pod: KObject) =>
  c.events(pod.metadata.name).filter((e) => e.reason === 'FailedMount')

/** A Deployment `web` whose pods mount these volumes (each at /mnt/<name>). */
function withVolumes(volumes: unknown[]): KObject {
  const d = aDeployment({ name: 'web' })
  d.spec.template.spec.volumes = volumes
  const mountsOf = volumes.map((v: any) => ({ name: v.name, mountPath: `/mnt/${v.name}` }))
  d.spec.template.spec.containers[0].volumeMounts = mountsOf
  return d
}

const aSecret = (name: string): KObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  data: { a: 'Yg==' },
})
const aConfigMap = (name: string): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { a: 'b' },
})

mounts('a missing Secret: ContainerCreating, FailedMount events; the Secret appearing lets it start', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, withVolumes([{ name: 'cert', secret: { secretName: 'serving-cert', defaultMode: 420 } }]))
  const pod = await waitFor(c.store, 'a FailedMount event', () => {
    const p = onlyPod(c)
    return p && failedMounts(c, p).length > 0 && p
  })
  const [event] = failedMounts(c, pod)
  assert.is(event.type, 'Warning')
  assert.is(event.message, 'MountVolume.SetUp failed for volume "cert" : secret "serving-cert" not found')
  assert.is(event.source.component, 'kubelet')
  // the kubelet keeps trying: the event repeats (folded into one, its count growing)
  const repeated = await waitFor(c.store, 'a repeated FailedMount', () =>
    failedMounts(c, pod).find((e) => e.count >= 2),
  )
  assert.ok(repeated)
  const stuck = c.get(R.pods, pod.metadata.name)!
  assert.is(stuck.status.phase, 'Pending')
  assert.ok(stuck.spec.nodeName, "scheduled: the volume set-up is the kubelet's, on the node")
  assert.is(stuck.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating')
  assert.is(condition(stuck, 'PodReadyToStartContainers')?.status, 'False')
  assert.is(stuck.status.podIP, undefined, 'no sandbox, no pod IP')
  const pulled = c.events(pod.metadata.name).some((e) => e.reason === 'Pulling')
  assert.not.ok(pulled, 'no image pulled before the volumes are set up')

  c.create(R.secrets, aSecret('serving-cert'))
  const ready = await waitFor(
    c.store,
    'the pod Ready once the Secret exists',
    () => isReady(onlyPod(c)) && onlyPod(c),
    1000,
  )
  assert.is(ready.metadata.name, pod.metadata.name, 'the same pod went on')
  assert.ok(c.events(pod.metadata.name).some((e) => e.reason === 'Pulling'))
})

mounts('a missing ConfigMap, and a projected volume listing its missing sources', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(
    R.deployments,
    withVolumes([
      { name: 'config', configMap: { name: 'app-config' } },
      {
        name: 'bundle',
        projected: {
          sources: [
            { secret: { name: 'creds' } },
            { configMap: { name: 'app-config' } },
            { configMap: { name: 'kube-root-ca.crt' } }, // always there in a real cluster: not a missing source
          ],
        },
      },
    ]),
  )
  const pod = await waitFor(c.store, 'FailedMount events for both volumes', () => {
    const p = onlyPod(c)
    return p && failedMounts(c, p).length === 2 && p
  })
  assert.equal(
    failedMounts(c, pod)
      .map((e) => e.message)
      .sort(),
    [
      'MountVolume.SetUp failed for volume "bundle" : [secret "creds" not found, configmap "app-config" not found]',
      'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found',
    ],
  )
  c.create(R.configmaps, aConfigMap('app-config'))
  await sleep(100)
  assert.not.ok(isReady(onlyPod(c)), 'still waiting for the projected Secret')
  c.create(R.secrets, aSecret('creds'))
  await waitFor(c.store, 'the pod Ready', () => isReady(onlyPod(c)), 1000)
})

mounts('optional sources and volumes that resolve hold nothing back', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.secrets, aSecret('present'))
  c.create(
    R.deployments,
    withVolumes([
      { name: 'present', secret: { secretName: 'present' } },
      { name: 'maybe', secret: { secretName: 'absent', optional: true } },
      { name: 'maybe-cm', configMap: { name: 'absent', optional: true } },
      { name: 'scratch', emptyDir: {} },
    ]),
  )
  const pod = await waitFor(c.store, 'the pod Ready', () => isReady(onlyPod(c)) && onlyPod(c))
  assert.is(failedMounts(c, pod).length, 0)
})

mounts.run()
