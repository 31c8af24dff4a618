// The defaults the apiserver fills in on create and update, for the kinds the controllers run and
// helm/kubectl read back (helm 3's ready checker dereferences spec.replicas, spec.backoffLimit,
// the DaemonSet's rollingUpdate … and `kubectl rollout status` needs updateStrategy.type).
// Pure: returns a defaulted copy. The API layer may call `applyDefaults` on every write; the
// controllers call `defaultPodSpec` on the pods they create.
import type { KObject, ResourceId } from '../store.ts'
import { is, R } from './objects.ts'
import { qosOf } from './podstatus.ts'

/**
 * Defaults `input` for a create, or for an update when `old` (the stored object) is given: then
 * no status is made up — an update without status keeps the stored one, as PrepareForUpdate does.
 */
export function applyDefaults(res: ResourceId, input: KObject, old?: KObject): KObject {
  const obj: KObject = structuredClone(input)
  if (!DEFAULTED.some((id) => is(res, id))) return obj
  const spec = (obj.spec ??= {})
  const initialStatus = (status: Record<string, unknown>) => {
    if (!old) obj.status ??= status
  }
  if (is(res, R.pods)) {
    obj.spec = defaultPodSpec(spec, { admission: true })
    initialStatus({ phase: 'Pending', qosClass: qosOf(obj) })
  } else if (is(res, R.deployments)) {
    spec.replicas ??= 1
    // as the apiserver defaults: an empty strategy (`{}`, as charts render it) gets the type too
    spec.strategy = { type: 'RollingUpdate', ...spec.strategy }
    if (spec.strategy.type === 'RollingUpdate')
      spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...spec.strategy.rollingUpdate }
    spec.revisionHistoryLimit ??= 10
    spec.progressDeadlineSeconds ??= 600
    defaultTemplate(spec)
  } else if (is(res, R.replicasets)) {
    spec.replicas ??= 1
    defaultTemplate(spec)
  } else if (is(res, R.statefulsets)) {
    spec.replicas ??= 1
    spec.podManagementPolicy ??= 'OrderedReady'
    spec.updateStrategy = { type: 'RollingUpdate', ...spec.updateStrategy }
    if (spec.updateStrategy.type === 'RollingUpdate')
      spec.updateStrategy.rollingUpdate = { partition: 0, ...spec.updateStrategy.rollingUpdate }
    spec.revisionHistoryLimit ??= 10
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' }
    spec.volumeClaimTemplates = (spec.volumeClaimTemplates ?? []).map((t: KObject) => ({
      ...t,
      apiVersion: t.apiVersion ?? 'v1',
      kind: t.kind ?? 'PersistentVolumeClaim',
      spec: { volumeMode: 'Filesystem', ...t.spec },
      status: t.status ?? { phase: 'Pending' },
    }))
    if (!spec.volumeClaimTemplates.length) delete spec.volumeClaimTemplates
    defaultTemplate(spec)
  } else if (is(res, R.daemonsets)) {
    spec.updateStrategy = { type: 'RollingUpdate', ...spec.updateStrategy }
    if (spec.updateStrategy.type === 'RollingUpdate')
      spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 0, ...spec.updateStrategy.rollingUpdate }
    spec.revisionHistoryLimit ??= 10
    defaultTemplate(spec)
  } else if (is(res, R.jobs)) {
    if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1
    spec.parallelism ??= 1
    spec.backoffLimit ??= 6
    spec.completionMode ??= 'NonIndexed'
    spec.suspend ??= false
    spec.podReplacementPolicy ??= 'TerminatingOrFailed'
    defaultTemplate(spec)
  } else if (is(res, R.services)) {
    defaultServiceSpec(spec)
  } else if (is(res, R.pvcs)) {
    spec.volumeMode ??= 'Filesystem'
    initialStatus({ phase: 'Pending' })
  } else if (is(res, R.namespaces)) {
    if (!old) spec.finalizers ??= ['kubernetes']
    else if (spec.finalizers === undefined && old.spec?.finalizers) spec.finalizers = old.spec.finalizers
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name }
    initialStatus({ phase: 'Active' })
  }
  return obj
}

const DEFAULTED = [
  R.pods,
  R.deployments,
  R.replicasets,
  R.statefulsets,
  R.daemonsets,
  R.jobs,
  R.services,
  R.pvcs,
  R.namespaces,
]

/**
 * A pod spec with the apiserver's defaults. `admission` adds what admission plugins add to real
 * pods but not to templates (service account, the not-ready/unreachable tolerations).
 */
export function defaultPodSpec(input: any, opts: { admission: boolean }): any {
  const spec = structuredClone(input ?? {})
  spec.restartPolicy ??= 'Always'
  spec.terminationGracePeriodSeconds ??= 30
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.securityContext ??= {}
  spec.schedulerName ??= 'default-scheduler'
  spec.enableServiceLinks ??= true
  spec.containers = (spec.containers ?? []).map(defaultContainer)
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(defaultContainer)
  if (opts.admission) {
    spec.serviceAccountName ??= spec.serviceAccount ?? 'default'
    spec.serviceAccount ??= spec.serviceAccountName
    spec.priority ??= 0
    spec.preemptionPolicy ??= 'PreemptLowerPriority'
    const tolerations: any[] = spec.tolerations ?? []
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key))
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 })
    }
    spec.tolerations = tolerations
  }
  return spec
}

function defaultContainer(input: any): any {
  const c = { ...input }
  const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1]
  c.imagePullPolicy ??= !String(c.image ?? '').includes('@') && (!tag || tag === 'latest') ? 'Always' : 'IfNotPresent'
  c.terminationMessagePath ??= '/dev/termination-log'
  c.terminationMessagePolicy ??= 'File'
  c.resources ??= {}
  if (c.ports) c.ports = c.ports.map((p: any) => ({ protocol: 'TCP', ...p }))
  return c
}

function defaultTemplate(spec: any): void {
  spec.template ??= {}
  spec.template.spec = defaultPodSpec(spec.template.spec, { admission: false })
}

function defaultServiceSpec(spec: any): void {
  spec.type ??= 'ClusterIP'
  if (spec.type === 'ExternalName') return
  spec.sessionAffinity ??= 'None'
  spec.internalTrafficPolicy ??= 'Cluster'
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster'
  spec.ports = (spec.ports ?? []).map((p: any) => ({ protocol: 'TCP', ...p, targetPort: p.targetPort ?? p.port }))
  if (!spec.ports.length) delete spec.ports
}
