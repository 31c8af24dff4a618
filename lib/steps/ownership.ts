// What is ours, provably, so that teardown deletes nothing else: our helm releases (by name and
// chart), what helm made for them, what a manifest we applied holds, what our releases are known
// to leave behind, the inotify probe's pods, and whatever all of those own. Kubernetes' own objects
// in every namespace, and what is already being deleted, are nobody's reason to keep a namespace.
// Anything else is someone else's: it keeps its namespace, and its CRD under --purge. Pure: the
// caller lists.
import { knownReleaseNames, profileNames, profiles } from '../core/stack.ts'
import type { ReleaseState } from '../tools/helm.ts'
import { isProbePod } from '../tools/inotify.ts'
import type { KubeObject } from '../tools/kubectl.ts'

/** An object by kind and name, in the namespace being looked at. */
export interface ObjectRef {
  kind: string
  name: string
}

/** What counts as ours among the objects of one listing. */
export interface Ours {
  /** the namespace our helm releases live in */
  releaseNamespace: string
  /** the names of our helm releases (see ourReleaseNames) */
  releases: string[]
  /** ours by kind and name in the namespace listed: a manifest's objects, what our releases leave behind */
  named: ObjectRef[]
  /** found ours in an earlier listing (by uid): what our releases made stays ours once they are gone */
  uids: ReadonlySet<string>
}

/** What Kubernetes puts in every namespace (the controller-manager's ServiceAccount and CA bundle). */
export const kubernetesOwn: ObjectRef[] = [
  { kind: 'ConfigMap', name: 'kube-root-ca.crt' },
  { kind: 'ServiceAccount', name: 'default' },
]

/**
 * What our releases leave in their namespace after `helm uninstall`, written by something helm
 * does not track: kube-prometheus-stack's admission-create hook (kube-webhook-certgen) writes its
 * webhook's key pair; cert-manager writes the operator's serving certificate, and the operator
 * takes its leader-election Lease (controller-runtime's, named in the operator's main.go).
 */
export const releaseLeftovers: Record<string, ObjectRef[]> = {
  'kube-prometheus-stack': [{ kind: 'Secret', name: 'kube-prometheus-stack-admission' }],
  'opentelemetry-operator': [
    { kind: 'Secret', name: 'opentelemetry-operator-controller-manager-service-cert' },
    { kind: 'Lease', name: '9f7554c3.opentelemetry.io' },
  ],
}

/** What cert-manager's manifest leaves in its namespace: the webhook writes its own serving CA. */
export const certManagerLeftovers: ObjectRef[] = [{ kind: 'Secret', name: 'cert-manager-webhook-ca' }]

/** The charts a profile installs under this release name: a release is ours by name and chart. */
export function ourCharts(name: string): string[] {
  return [...new Set(profileNames.flatMap((p) => profiles[p].filter((r) => r.name === name).map((r) => r.chart)))]
}

export function isOurRelease(release: Pick<ReleaseState, 'name' | 'chart'>): boolean {
  return ourCharts(release.name).includes(release.chart)
}

/** Our release names, less those a release of another chart holds: what helm made for that one is not ours. */
export function ourReleaseNames(listed: Pick<ReleaseState, 'name' | 'chart'>[]): string[] {
  const taken = new Set(listed.filter((r) => !isOurRelease(r)).map((r) => r.name))
  return knownReleaseNames.filter((name) => !taken.has(name))
}

/**
 * The kinds `kubectl api-resources --namespaced -o name` lists that hold objects: not events (a
 * namespace's history, gone with it) and not metrics (readings of pods, which are listed).
 */
export function listableResources(resources: string[]): string[] {
  return resources.filter((r) => !/^events(\.events\.k8s\.io)?$/.test(r) && !r.endsWith('.metrics.k8s.io'))
}

/** The objects of a listing that are not ours: not Kubernetes' own, not being deleted, not ours by any rule. */
export function foreignObjects(objects: KubeObject[], ours: Ours): KubeObject[] {
  const accounted = accountedFor(objects, ours)
  return objects.filter((o) => !accounted.has(o.metadata.uid ?? ''))
}

/** The uids of the listing that are ours, Kubernetes' own or going away: by the rules, then what those own. */
export function accountedFor(objects: KubeObject[], ours: Ours): Set<string> {
  const uid = (o: KubeObject) => o.metadata.uid ?? ''
  const accounted = new Set(objects.filter((o) => isOursByItself(o, ours)).map(uid))
  for (let grew = true; grew; ) {
    grew = false
    for (const o of objects) {
      if (accounted.has(uid(o))) continue
      const owners = ownersOf(o, objects)
      if (owners.length && owners.every((owner) => accounted.has(owner))) {
        accounted.add(uid(o))
        grew = true
      }
    }
  }
  return accounted
}

function isOursByItself(o: KubeObject, ours: Ours): boolean {
  const { annotations = {}, labels = {} } = o.metadata
  const is = (refs: ObjectRef[]) => refs.some((r) => r.kind === o.kind && r.name === o.metadata.name)
  const helmRelease = annotations['meta.helm.sh/release-name']
  return (
    ours.uids.has(o.metadata.uid ?? '') ||
    Boolean(o.metadata.deletionTimestamp) ||
    o.kind === 'Event' ||
    is(kubernetesOwn) ||
    is(ours.named) ||
    // a pod of --check-inotify's, left by a probe that was interrupted
    isProbePod(o) ||
    // made by helm for one of our releases
    (ours.releases.includes(helmRelease) && annotations['meta.helm.sh/release-namespace'] === ours.releaseNamespace) ||
    // helm's own record of one of our releases
    (o.kind === 'Secret' &&
      o.type === 'helm.sh/release.v1' &&
      labels.owner === 'helm' &&
      ours.releases.includes(labels.name) &&
      o.metadata.namespace === ours.releaseNamespace)
  )
}

/**
 * Whose an object is when it is not by itself: its owner references; the Service an Endpoints
 * object mirrors (the endpoints controller sets no owner); the ServiceAccount a token Secret is for.
 */
function ownersOf(o: KubeObject, objects: KubeObject[]): string[] {
  const refs = ((o.metadata.ownerReferences ?? []) as { uid: string }[]).map((r) => r.uid)
  if (o.kind === 'Endpoints') {
    const service = objects.find((s) => s.kind === 'Service' && s.metadata.name === o.metadata.name)
    return service ? [...refs, service.metadata.uid ?? ''] : refs
  }
  const account = o.metadata.annotations?.['kubernetes.io/service-account.uid']
  return o.type === 'kubernetes.io/service-account-token' && account ? [...refs, account] : refs
}

/**
 * Objects as a person looks for them: `ConfigMap my-settings`, or with `withNamespace`
 * `Instrumentation ticketing/ticketing`; what another helm release made, as that release.
 */
export function describeObjects(objects: KubeObject[], opts: { withNamespace: boolean }): string[] {
  const release = (o: KubeObject) =>
    o.metadata.annotations?.['meta.helm.sh/release-name'] ??
    (o.type === 'helm.sh/release.v1' ? o.metadata.labels?.name : undefined)
  const lines = objects.map((o) => {
    const name = opts.withNamespace && o.metadata.namespace ? `${o.metadata.namespace}/` : ''
    const of = release(o)
    return of ? `helm release ${of}` : `${o.kind} ${name}${o.metadata.name}`
  })
  return [...new Set(lines)]
}

/** A list as one line, the first `max` named and the rest counted. */
export function someOf(items: string[], max = 8): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`
}
