// A pod made from a workload's pod template, the way the workload controllers make them: the
// template's labels and annotations plus the controller's own, an ownerReference to the
// controller, the apiserver's defaults, and the status a new pod starts with.
import type { KObject } from '../store.ts'
import { defaultPodSpec } from './defaults.ts'
import { controllerRef } from './objects.ts'
import { qosOf } from './podstatus.ts'

export interface PodFromTemplate {
  owner: KObject
  /** `spec.template` of the owner */
  template: any
  /** a fixed name (StatefulSet) … */
  name?: string
  /** … or a prefix for a generated one (`<rs>-`) */
  generateName?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  /** fields the controller sets on the spec (hostname, affinity, volumes …) */
  spec?: Record<string, unknown>
}

export function podFromTemplate(p: PodFromTemplate): KObject {
  const meta = p.template?.metadata ?? {}
  const annotations = { ...meta.annotations, ...p.annotations }
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(p.name ? { name: p.name } : { name: '', generateName: p.generateName }),
      namespace: p.owner.metadata.namespace,
      labels: { ...meta.labels, ...p.labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [controllerRef(p.owner)],
    },
    spec: defaultPodSpec({ ...structuredClone(p.template?.spec ?? {}), ...p.spec }, { admission: true }),
  }
  pod.status = { phase: 'Pending', qosClass: qosOf(pod) }
  return pod
}
