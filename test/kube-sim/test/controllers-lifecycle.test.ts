// Deletion as a cluster does it: namespaces terminate and take their content with them, owners
// take their dependents (background, foreground, orphan), CRDs take their custom resources —
// and stop() leaves nothing running.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startControllers } from '../controllers/index.ts'
import {
  aDeployment,
  aNamespace,
  aService,
  condition,
  R,
  sleep,
  startCluster,
  waitFor,
  type TestCluster,
} from '../controllers/testing.ts'
import { Store } from '../store.ts'

const lifecycle = suite<{ c: TestCluster }>('deletion')
lifecycle.after.each((ctx) => ctx.c.stop())

const availableIn = (c: TestCluster, name: string, namespace = 'default') =>
  waitFor(
    c.store,
    `${namespace}/${name} available`,
    () => condition(c.get(R.deployments, name, namespace), 'Progressing')?.reason === 'NewReplicaSetAvailable',
  )

lifecycle('a new namespace gets the finalizer, the name label and phase Active', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.store.create(R.namespaces, aNamespace('team'))
  const ns = await waitFor(
    c.store,
    'active',
    () => c.get(R.namespaces, 'team')?.status?.phase === 'Active' && c.get(R.namespaces, 'team'),
  )
  assert.is(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'team')
  assert.equal(ns.spec.finalizers, ['kubernetes'])
})

lifecycle(
  'every namespace gets the ServiceAccount default and the ConfigMap kube-root-ca.crt, again when deleted',
  async (ctx) => {
    const c = (ctx.c = startCluster())
    // the namespaces a cluster starts with hold theirs before anyone looks
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      assert.ok(c.get(R.serviceaccounts, 'default', ns) && c.get(R.configmaps, 'kube-root-ca.crt', ns), ns)
    c.store.create(R.namespaces, aNamespace('team'))
    const defaults = () =>
      c.get(R.serviceaccounts, 'default', 'team') && c.get(R.configmaps, 'kube-root-ca.crt', 'team')
    await waitFor(c.store, 'the defaults in team', defaults)
    assert.match(c.get(R.configmaps, 'kube-root-ca.crt', 'team')?.data?.['ca.crt'], /^-----BEGIN CERTIFICATE-----\n/)
    c.store.delete(R.configmaps, 'team', 'kube-root-ca.crt')
    c.store.delete(R.serviceaccounts, 'team', 'default')
    await waitFor(c.store, 'the defaults in team again', defaults)
  },
)

lifecycle('a namespace going away does not get its defaults back', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.store.create(R.namespaces, aNamespace('team'))
  // a finalizer nobody removes keeps the namespace Terminating while we watch
  const held = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'held', namespace: 'team', finalizers: ['x/y'] },
  }
  c.store.create(R.configmaps, held)
  await waitFor(c.store, 'the defaults in team', () => c.get(R.configmaps, 'kube-root-ca.crt', 'team'))
  const added: string[] = []
  c.store.onAny(
    (e) => e.type === 'ADDED' && e.object.metadata.namespace === 'team' && added.push(e.object.metadata.name),
  )
  c.store.delete(R.namespaces, undefined, 'team')
  await waitFor(c.store, 'team emptied', () => c.list(R.serviceaccounts, 'team').length === 0)
  await sleep(50)
  assert.equal(added, [])
  assert.is(c.get(R.namespaces, 'team')?.status?.phase, 'Terminating')
  assert.equal(
    c.list(R.configmaps, 'team').map((o) => o.metadata.name),
    ['held'],
  )
})

lifecycle('deleting a namespace: Terminating, its content deleted, then the namespace removed', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.namespaces, aNamespace('monitoring'))
  c.create(R.deployments, aDeployment({ name: 'web', namespace: 'monitoring', replicas: 2 }))
  c.create(R.services, aService({ name: 'web', namespace: 'monitoring' }))
  c.create(R.namespaces, aNamespace('other'))
  c.create(R.deployments, aDeployment({ name: 'web', namespace: 'other' }))
  await availableIn(c, 'web', 'monitoring')
  const phases: string[] = []
  c.store.onAny((e) => {
    if (e.res.resource === 'namespaces' && e.object.metadata.name === 'monitoring')
      phases.push(
        `${e.type} ${e.object.status?.phase} objects:` +
          `${c.list(R.pods, 'monitoring').length + c.list(R.deployments, 'monitoring').length}`,
      )
  })
  c.store.delete(R.namespaces, undefined, 'monitoring')
  assert.ok(c.get(R.namespaces, 'monitoring')?.metadata.deletionTimestamp, 'held by its finalizer')
  await waitFor(c.store, 'namespace gone', () => !c.get(R.namespaces, 'monitoring'))
  assert.ok(
    phases.some((p) => p.startsWith('MODIFIED Terminating')),
    phases.join('\n'),
  )
  assert.match(phases.at(-1)!, /^DELETED Terminating objects:0$/)
  for (const res of c.store.resources()) assert.is(c.list(res, 'monitoring').length, 0, `no ${res.resource} left`)
  assert.ok(c.get(R.deployments, 'web', 'other'), 'other namespaces keep their content')
})

lifecycle('deleting an owner deletes its dependents (background)', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 2 }))
  await availableIn(c, 'web')
  c.store.delete(R.deployments, 'default', 'web')
  await waitFor(c.store, 'replicasets and pods gone', () => !c.list(R.replicasets).length && !c.list(R.pods).length)
})

lifecycle('foreground deletion keeps the owner until its dependents are gone', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web', replicas: 2 }))
  await availableIn(c, 'web')
  const d = c.get(R.deployments, 'web')!
  c.store.update(R.deployments, { ...d, metadata: { ...d.metadata, finalizers: ['foregroundDeletion'] } })
  c.store.delete(R.deployments, 'default', 'web')
  let podsWhenOwnerWent = -1
  c.store.onAny((e) => {
    if (e.type === 'DELETED' && e.res.resource === 'deployments')
      podsWhenOwnerWent = c.list(R.pods).length + c.list(R.replicasets).length
  })
  assert.ok(c.get(R.deployments, 'web')?.metadata.deletionTimestamp)
  await waitFor(c.store, 'deployment gone', () => !c.get(R.deployments, 'web'))
  assert.is(podsWhenOwnerWent, 0, 'the ReplicaSet and pods went first')
})

lifecycle('orphan deletion leaves the dependents without the ownerReference', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.create(R.deployments, aDeployment({ name: 'web' }))
  await availableIn(c, 'web')
  const d = c.get(R.deployments, 'web')!
  c.store.update(R.deployments, { ...d, metadata: { ...d.metadata, finalizers: ['orphan'] } })
  c.store.delete(R.deployments, 'default', 'web')
  await waitFor(c.store, 'deployment gone', () => !c.get(R.deployments, 'web'))
  const [rs] = c.list(R.replicasets)
  assert.ok(rs, 'the ReplicaSet stays')
  assert.is(rs.metadata.ownerReferences, undefined)
  assert.is(c.list(R.pods).length, 1)
})

lifecycle('deleting a CRD deletes its custom resources first', async (ctx) => {
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
  await waitFor(
    c.store,
    'established',
    () => condition(c.get(R.crds, 'widgets.example.com'), 'Established')?.status === 'True',
  )
  const widgets = { group: 'example.com', resource: 'widgets' }
  c.store.create(widgets, {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default' },
  })
  c.store.delete(R.crds, undefined, 'widgets.example.com')
  await waitFor(c.store, 'crd gone', () => !c.get(R.crds, 'widgets.example.com'))
  assert.is(c.list(widgets).length, 0)
})

lifecycle('stop() leaves no timer behind', async (ctx) => {
  const c = (ctx.c = startCluster())
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const store = new Store()
  const controllers = startControllers(store, { nodes: 2 })
  controllers.faults.set('^web-', { kind: 'crashLoop' })
  store.create(R.deployments, aDeployment({ name: 'web', replicas: 3 }))
  await waitFor(
    store,
    'pods running',
    () => store.list(R.pods).items.filter((p) => p.status?.phase === 'Running').length === 3,
  )
  assert.ok(
    process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length > timersBefore,
    'timers while running',
  )
  controllers.stop()
  assert.is(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore)
  c.stop()
})

lifecycle.run()
