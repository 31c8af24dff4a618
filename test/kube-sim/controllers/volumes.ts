// Storage, as kind's local-path provisioner and the PV controller do it: a default StorageClass
// `standard`; every PVC gets a PersistentVolume `pvc-<uid>` and is Bound to it after a short
// delay; deleting the claim deletes its volume (reclaimPolicy Delete). A claim that names no class
// while no class is the default stays Pending (FailedBinding), until one is made the default: the
// PV controller then gives it that class (Kubernetes 1.28+) and it is provisioned.
import type { KObject, Store, StoreEvent } from '../store.ts'
import type { Ctx, Controller } from './context.ts'
import { is, isDeleting, R } from './objects.ts'
import { deleteIfPresent, mutate, writeStatus } from './writes.ts'

const PROVISIONER = 'rancher.io/local-path'

export class Volumes implements Controller {
  constructor(private readonly ctx: Ctx) {}

  onEvent(e: StoreEvent): void {
    if (is(e.res, R.storageclasses) && e.type !== 'DELETED') return this.retryUnbound()
    if (!is(e.res, R.pvcs)) return
    const { namespace, name, uid } = e.object.metadata
    if (e.type === 'DELETED') {
      const volume = e.object.spec?.volumeName
      this.ctx.loop.cancel(`pvc-bind:${uid}`)
      if (volume) this.ctx.loop.enqueue(`pv-reclaim:${volume}`, () => this.reclaim(volume, uid!))
    } else if (e.object.status?.phase !== 'Bound' && !isDeleting(e.object) && !this.ctx.loop.has(`pvc-bind:${uid}`)) {
      this.ctx.loop.after(`pvc-bind:${uid}`, this.ctx.profile.default.scheduleMs, () => this.bind(namespace!, name))
    }
  }

  resync(): void {
    if (!this.ctx.store.get(R.storageclasses, undefined, 'standard'))
      this.ctx.store.create(R.storageclasses, standardStorageClass())
    for (const pvc of this.ctx.store.list(R.pvcs).items)
      this.onEvent({ type: 'ADDED', res: R.pvcs, object: pvc, rv: 0 })
  }

  /** A class was added or made the default: the claims that had none try again. */
  private retryUnbound(): void {
    for (const pvc of this.ctx.store.list(R.pvcs).items) {
      const { namespace, name, uid } = pvc.metadata
      if (pvc.status?.phase !== 'Bound' && !isDeleting(pvc))
        this.ctx.loop.after(`pvc-bind:${uid}`, this.ctx.profile.default.scheduleMs, () => this.bind(namespace!, name))
    }
  }

  private bind(namespace: string, name: string): void {
    const pvc = this.ctx.store.get(R.pvcs, namespace, name)
    if (!pvc || isDeleting(pvc) || pvc.status?.phase === 'Bound') return
    const className = classOf(this.ctx.store, pvc)
    if (!className) {
      if (pvc.status?.phase !== 'Pending') writeStatus(this.ctx.store, R.pvcs, pvc, { phase: 'Pending' })
      return this.ctx.recorder.tryRecord(
        pvc,
        { component: 'persistentvolume-controller' },
        {
          type: 'Normal',
          reason: 'FailedBinding',
          message: 'no persistent volumes available for this claim and no storage class is set',
        },
      )
    }
    const volumeName = pvc.spec?.volumeName ?? `pvc-${pvc.metadata.uid}`
    const storage = pvc.spec?.resources?.requests?.storage ?? '1Gi'
    const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce']
    if (!this.ctx.store.get(R.pvs, undefined, volumeName))
      this.ctx.store.create(R.pvs, persistentVolume(pvc, { name: volumeName, className, storage, accessModes }))
    const bound = mutate(this.ctx.store, R.pvcs, namespace, name, (c) => {
      c.spec.volumeName = volumeName
      c.spec.storageClassName ??= className
      c.metadata.annotations = {
        ...c.metadata.annotations,
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER,
        'volume.kubernetes.io/storage-provisioner': PROVISIONER,
      }
    })
    if (!bound) return
    writeStatus(this.ctx.store, R.pvcs, bound, { phase: 'Bound', accessModes, capacity: { storage } })
    this.ctx.recorder.tryRecord(
      bound,
      { component: PROVISIONER },
      { type: 'Normal', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${volumeName}` },
    )
  }

  /** Reclaim policy Delete: the volume goes with its claim. */
  private reclaim(volumeName: string, claimUid: string): void {
    const pv = this.ctx.store.get(R.pvs, undefined, volumeName)
    if (pv?.spec?.claimRef?.uid === claimUid && pv.spec?.persistentVolumeReclaimPolicy === 'Delete')
      deleteIfPresent(this.ctx.store, R.pvs, undefined, volumeName)
  }
}

/**
 * The claims of the pod that will not be bound: no class named and none the default (the scheduler
 * waits for immediate claims to bind; one that binds later only delays the pod, so it is not counted).
 */
export function unboundClaims(store: Store, pod: KObject): string[] {
  return (pod.spec?.volumes ?? [])
    .map((v: any) => v.persistentVolumeClaim?.claimName)
    .filter((claim: string | undefined): claim is string => {
      const pvc = claim ? store.get(R.pvcs, pod.metadata.namespace, claim) : undefined
      return !!pvc && pvc.status?.phase !== 'Bound' && !classOf(store, pvc)
    })
}

/** The class that provisions the claim: the one it names, else the default one (if any). */
function classOf(store: Store, pvc: KObject): string | undefined {
  const named: string | undefined = pvc.spec?.storageClassName
  if (named !== undefined && named !== null) return named || undefined
  return store
    .list(R.storageclasses)
    .items.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata
    .name
}

function persistentVolume(
  pvc: KObject,
  {
    name,
    className,
    storage,
    accessModes,
  }: { name: string; className: string; storage: string; accessModes: string[] },
): KObject {
  const { namespace, name: claim, uid } = pvc.metadata
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
    spec: {
      capacity: { storage },
      accessModes,
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: className,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      claimRef: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace,
        name: claim,
        uid,
        resourceVersion: pvc.metadata.resourceVersion,
      },
      hostPath: { path: `/var/local-path-provisioner/${name}_${namespace}_${claim}`, type: 'DirectoryOrCreate' },
    },
    status: { phase: 'Bound' },
  }
}

function standardStorageClass(): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  }
}
