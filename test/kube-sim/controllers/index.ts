// The simulated control plane and kubelets behind kube-sim's API: started on a Store, they react
// to its events (and to timers for the simulated delays) and write back, through the same store,
// the objects and status fields the real controllers write.
import type { Store } from '../store.ts'
import type { Controller, Ctx } from './context.ts'
import type { Controllers, DelayProfile } from './types.ts'
import { WebhookCertgen } from './certgen.ts'
import { CustomResourceDefinitions } from './crds.ts'
import { DaemonSets } from './daemonsets.ts'
import { Deployments } from './deployments.ts'
import { Endpoints } from './endpoints.ts'
import { Recorder } from './events.ts'
import { FaultBook } from './faults.ts'
import { GarbageCollector } from './gc.ts'
import { Jobs } from './jobs.ts'
import { HostKernel } from './kernel.ts'
import { Kubelet } from './kubelet.ts'
import { ContainerLogs } from './logs.ts'
import { Loop } from './loop.ts'
import { NamespaceDefaults } from './namespace-defaults.ts'
import { Namespaces } from './namespaces.ts'
import { ensureNodes } from './nodes.ts'
import { fastProfile } from './profile.ts'
import { ReplicaSets } from './replicasets.ts'
import { Services } from './services.ts'
import { StatefulSets } from './statefulsets.ts'
import { Volumes } from './volumes.ts'

export { fastProfile, realisticProfile } from './profile.ts'
export { applyDefaults } from './defaults.ts'
export type { Controllers, DelayProfile, PodDelays, PodFault, WorkloadFaults } from './types.ts'
export type { ContainerLogs } from './logs.ts'

export function startControllers(store: Store, opts: { nodes: number; profile?: DelayProfile }): Controllers {
  const loop = new Loop()
  const faults = new FaultBook()
  const logs = new ContainerLogs()
  const kernel = new HostKernel()
  const ctx: Ctx = {
    store,
    loop,
    faults,
    logs,
    kernel,
    recorder: new Recorder(store),
    profile: opts.profile ?? fastProfile,
  }
  // The garbage collector first: its owner index must see an object before anyone acts on it.
  const controllers: Controller[] = [
    new GarbageCollector(ctx),
    new Namespaces(ctx),
    new NamespaceDefaults(ctx),
    new Kubelet(ctx),
    new ReplicaSets(ctx),
    new Deployments(ctx),
    new StatefulSets(ctx),
    new DaemonSets(ctx),
    new Jobs(ctx),
    new WebhookCertgen(ctx),
    new Services(ctx),
    new Endpoints(ctx),
    new Volumes(ctx),
    new CustomResourceDefinitions(ctx),
  ]
  const unsubscribe = store.onAny((e) => {
    for (const c of controllers) c.onEvent(e)
  })
  for (const c of controllers) c.resync()
  ensureNodes(store, opts.nodes)
  return {
    faults,
    logs,
    kernel,
    stop() {
      unsubscribe()
      loop.stop()
    },
  }
}
