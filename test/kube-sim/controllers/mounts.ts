// The kubelet's volume manager, for the volumes that can hold a pod back: a secret, configMap or
// projected volume whose source object does not exist (and is not `optional`) cannot be set up,
// so the pod never gets its sandbox and stays ContainerCreating, with a FailedMount event per
// attempt, until the object appears. A webhook pod waiting for the Secret cert-manager or a
// certgen hook writes is the case that matters: in a real cluster it waits exactly like this.
import type { KObject, ResourceId, Store } from '../store.ts'
import { R } from './objects.ts'

/** Every namespace of a real cluster has it (root-ca-cert-publisher); the sim does not publish it. */
const ALWAYS_PRESENT_CONFIGMAPS = new Set(['kube-root-ca.crt'])

export interface MountFailure {
  volume: string
  /** the kubelet's event message: `MountVolume.SetUp failed for volume "<vol>" : <why>` */
  message: string
}

/** The pod's volumes that cannot be set up now, in spec order. */
export function failedMounts(store: Store, pod: KObject): MountFailure[] {
  const namespace = pod.metadata.namespace
  const missing = (res: ResourceId, name: string | undefined, optional: boolean | undefined) =>
    !optional && !!name && !store.get(res, namespace, name)
  const failures: MountFailure[] = []
  for (const v of (pod.spec?.volumes ?? []) as any[]) {
    const errors: string[] = []
    if (v.secret && missing(R.secrets, v.secret.secretName, v.secret.optional)) {
      errors.push(`secret "${v.secret.secretName}" not found`)
    }
    if (v.configMap && configMapMissing(v.configMap)) errors.push(`configmap "${v.configMap.name}" not found`)
    for (const s of (v.projected?.sources ?? []) as any[]) {
      if (s.secret && missing(R.secrets, s.secret.name, s.secret.optional)) {
        errors.push(`secret "${s.secret.name}" not found`)
      }
      if (s.configMap && configMapMissing(s.configMap)) errors.push(`configmap "${s.configMap.name}" not found`)
    }
    // the projected plugin aggregates its sources' errors: one prints bare, several as a list
    if (errors.length) {
      const why = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`
      failures.push({ volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${why}` })
    }
  }
  return failures

  function configMapMissing(ref: { name?: string; optional?: boolean }): boolean {
    return !ALWAYS_PRESENT_CONFIGMAPS.has(ref.name ?? '') && missing(R.configmaps, ref.name, ref.optional)
  }
}
