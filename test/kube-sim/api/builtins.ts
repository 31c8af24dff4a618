// The built-in resources the simulator serves, as the real apiserver lists them in discovery
// (kubectl api-resources): plural, kind, short names, verbs, scope and subresources. kubectl
// resolves `deploy`, `svc`, `cm` … from these, and helm maps a manifest's kind to a resource here.
import type { ResourceDef, SubresourceDef } from './resources.ts'

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
const NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
const SUB_RW = ['get', 'patch', 'update']

const status = (kind: string, group: string, version: string): SubresourceDef => ({
  name: 'status',
  kind,
  group,
  version,
  verbs: SUB_RW,
})
const scale: SubresourceDef = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: SUB_RW }

interface Row {
  resource: string
  kind: string
  short?: string[]
  cluster?: boolean
  verbs?: string[]
  categories?: string[]
  /** 'status' and/or 'scale', plus any extra subresource */
  sub?: ('status' | 'scale' | SubresourceDef)[]
}

/** One group version's rows, expanded into full definitions. */
function gv(group: string, version: string, rows: Row[]): ResourceDef[] {
  return rows.map((r) => ({
    group,
    version,
    resource: r.resource,
    kind: r.kind,
    singular: r.kind.toLowerCase(),
    namespaced: !r.cluster,
    shortNames: r.short ?? [],
    verbs: r.verbs ?? ALL,
    categories: r.categories ?? [],
    subresources: (r.sub ?? []).map((s) =>
      s === 'status' ? status(r.kind, group, version) : s === 'scale' ? scale : s,
    ),
  }))
}

const all = ['all']

export const builtinResources: ResourceDef[] = [
  ...gv('', 'v1', [
    { resource: 'configmaps', kind: 'ConfigMap', short: ['cm'] },
    { resource: 'endpoints', kind: 'Endpoints', short: ['ep'] },
    { resource: 'events', kind: 'Event', short: ['ev'] },
    { resource: 'limitranges', kind: 'LimitRange', short: ['limits'] },
    {
      resource: 'namespaces',
      kind: 'Namespace',
      short: ['ns'],
      cluster: true,
      verbs: NO_COLLECTION,
      sub: ['status', { name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] }],
    },
    { resource: 'nodes', kind: 'Node', short: ['no'], cluster: true, sub: ['status'] },
    { resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', short: ['pvc'], sub: ['status'] },
    { resource: 'persistentvolumes', kind: 'PersistentVolume', short: ['pv'], cluster: true, sub: ['status'] },
    {
      resource: 'pods',
      kind: 'Pod',
      short: ['po'],
      categories: all,
      sub: [
        'status',
        { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] },
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      ],
    },
    {
      resource: 'replicationcontrollers',
      kind: 'ReplicationController',
      short: ['rc'],
      categories: all,
      sub: ['status', 'scale'],
    },
    { resource: 'resourcequotas', kind: 'ResourceQuota', short: ['quota'], sub: ['status'] },
    { resource: 'secrets', kind: 'Secret' },
    { resource: 'serviceaccounts', kind: 'ServiceAccount', short: ['sa'] },
    { resource: 'services', kind: 'Service', short: ['svc'], categories: all, sub: ['status'] },
  ]),
  ...gv('apps', 'v1', [
    { resource: 'controllerrevisions', kind: 'ControllerRevision' },
    { resource: 'daemonsets', kind: 'DaemonSet', short: ['ds'], categories: all, sub: ['status'] },
    { resource: 'deployments', kind: 'Deployment', short: ['deploy'], categories: all, sub: ['status', 'scale'] },
    { resource: 'replicasets', kind: 'ReplicaSet', short: ['rs'], categories: all, sub: ['status', 'scale'] },
    { resource: 'statefulsets', kind: 'StatefulSet', short: ['sts'], categories: all, sub: ['status', 'scale'] },
  ]),
  ...gv('batch', 'v1', [
    { resource: 'cronjobs', kind: 'CronJob', short: ['cj'], categories: all, sub: ['status'] },
    { resource: 'jobs', kind: 'Job', categories: all, sub: ['status'] },
  ]),
  ...gv('autoscaling', 'v2', [
    {
      resource: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      short: ['hpa'],
      categories: all,
      sub: ['status'],
    },
  ]),
  ...gv('autoscaling', 'v1', [
    {
      resource: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      short: ['hpa'],
      categories: all,
      sub: ['status'],
    },
  ]),
  ...gv('policy', 'v1', [
    { resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', short: ['pdb'], sub: ['status'] },
  ]),
  ...gv('rbac.authorization.k8s.io', 'v1', [
    { resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', cluster: true },
    { resource: 'clusterroles', kind: 'ClusterRole', cluster: true },
    { resource: 'rolebindings', kind: 'RoleBinding' },
    { resource: 'roles', kind: 'Role' },
  ]),
  ...gv('apiextensions.k8s.io', 'v1', [
    {
      resource: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      short: ['crd', 'crds'],
      cluster: true,
      categories: ['api-extensions'],
      sub: ['status'],
    },
  ]),
  ...gv('admissionregistration.k8s.io', 'v1', [
    {
      resource: 'mutatingwebhookconfigurations',
      kind: 'MutatingWebhookConfiguration',
      cluster: true,
      categories: ['api-extensions'],
    },
    {
      resource: 'validatingwebhookconfigurations',
      kind: 'ValidatingWebhookConfiguration',
      cluster: true,
      categories: ['api-extensions'],
    },
  ]),
  ...gv('apiregistration.k8s.io', 'v1', [
    { resource: 'apiservices', kind: 'APIService', cluster: true, categories: ['api-extensions'], sub: ['status'] },
  ]),
  ...gv('networking.k8s.io', 'v1', [
    { resource: 'ingressclasses', kind: 'IngressClass', cluster: true },
    { resource: 'ingresses', kind: 'Ingress', short: ['ing'], sub: ['status'] },
    { resource: 'networkpolicies', kind: 'NetworkPolicy', short: ['netpol'] },
  ]),
  ...gv('discovery.k8s.io', 'v1', [{ resource: 'endpointslices', kind: 'EndpointSlice' }]),
  ...gv('coordination.k8s.io', 'v1', [{ resource: 'leases', kind: 'Lease' }]),
  ...gv('scheduling.k8s.io', 'v1', [
    { resource: 'priorityclasses', kind: 'PriorityClass', short: ['pc'], cluster: true },
  ]),
  ...gv('storage.k8s.io', 'v1', [
    { resource: 'csidrivers', kind: 'CSIDriver', cluster: true },
    { resource: 'storageclasses', kind: 'StorageClass', short: ['sc'], cluster: true },
  ]),
  ...gv('events.k8s.io', 'v1', [{ resource: 'events', kind: 'Event', short: ['ev'] }]),
  ...gv('authorization.k8s.io', 'v1', [
    { resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', cluster: true, verbs: ['create'] },
    { resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', cluster: true, verbs: ['create'] },
  ]),
]

/**
 * The preferred version of each built-in group (first listed wins). autoscaling prefers v2 as a
 * 1.2x+ apiserver does; every other group has one version here.
 */
export const builtinGroupOrder = [...new Set(builtinResources.map((r) => r.group))]
