import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MANAGED_BY_LABEL } from '../../lib/core/stack.ts'
import {
  accountedFor,
  describeObjects,
  foreignObjects,
  isOurRelease,
  listableResources,
  ourCharts,
  ourReleaseNames,
  type Ours,
  someOf,
} from '../../lib/steps/ownership.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'

let uids = 0

/** An object as `kubectl get -o json` lists it, with a uid of its own. */
function anObject(
  kind: string,
  name: string,
  o: {
    namespace?: string
    type?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownedBy?: KubeObject[]
    deleting?: boolean
  } = {},
): KubeObject {
  return {
    kind,
    ...(o.type ? { type: o.type } : {}),
    metadata: {
      name,
      namespace: o.namespace ?? 'monitoring',
      uid: `uid-${++uids}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.ownedBy ? { ownerReferences: o.ownedBy.map((owner) => ({ uid: owner.metadata.uid })) } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
  }
}

/** What helm writes on an object it made for a release. */
const madeBy = (release: string, namespace = 'monitoring') => ({
  'meta.helm.sh/release-name': release,
  'meta.helm.sh/release-namespace': namespace,
})

const ours = (o: Partial<Ours> = {}): Ours => ({
  releaseNamespace: 'monitoring',
  releases: ['kube-prometheus-stack', 'tempo'],
  named: [],
  uids: new Set(),
  ...o,
})

const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`)

// isOurRelease, ourCharts

const isOurReleaseTest = suite('isOurRelease')

isOurReleaseTest('works: one of our names with one of the charts a profile installs under it, at any version', () => {
  assert.ok(isOurRelease({ name: 'tempo', chart: 'tempo' }))
  assert.ok(isOurRelease({ name: 'loki', chart: 'loki-stack' }))
  assert.ok(isOurRelease({ name: 'loki', chart: 'loki' }), "the current profile's chart")
  assert.ok(isOurRelease({ name: 'alloy', chart: 'alloy' }))
})

isOurReleaseTest('one of our names with another chart is not ours', () => {
  assert.not.ok(isOurRelease({ name: 'tempo', chart: 'tempo-distributed' }))
  assert.not.ok(isOurRelease({ name: 'loki', chart: 'tempo' }))
})

isOurReleaseTest('another name is not ours, whatever its chart', () => {
  assert.not.ok(isOurRelease({ name: 'my-tempo', chart: 'tempo' }))
})

isOurReleaseTest('ourCharts: each chart once, across the profiles', () => {
  assert.equal(ourCharts('loki'), ['loki-stack', 'loki'])
  assert.equal(ourCharts('kube-prometheus-stack'), ['kube-prometheus-stack'])
  assert.equal(ourCharts('dashboards'), [])
})

isOurReleaseTest.run()

// ourReleaseNames

const ourReleaseNamesTest = suite('ourReleaseNames')

ourReleaseNamesTest('works: every name of ours, installed or not', () => {
  assert.equal(ourReleaseNames([{ name: 'tempo', chart: 'tempo' }]), [
    'kube-prometheus-stack',
    'loki',
    'tempo',
    'opentelemetry-operator',
    'alloy',
  ])
})

ourReleaseNamesTest('a name held by a release of another chart is not ours: what it made is not either', () => {
  const listed = [
    { name: 'tempo', chart: 'tempo-distributed' },
    { name: 'dashboards', chart: 'dashboards' },
  ]
  assert.not.ok(ourReleaseNames(listed).includes('tempo'))
  assert.not.ok(ourReleaseNames(listed).includes('dashboards'))
})

ourReleaseNamesTest.run()

// listableResources

const listableResourcesTest = suite('listableResources')

listableResourcesTest('works: every kind that holds objects, events and metrics left out', () => {
  assert.equal(
    listableResources([
      'configmaps',
      'events',
      'secrets',
      'events.events.k8s.io',
      'pods.metrics.k8s.io',
      'deployments.apps',
      'instrumentations.opentelemetry.io',
    ]),
    ['configmaps', 'secrets', 'deployments.apps', 'instrumentations.opentelemetry.io'],
  )
})

listableResourcesTest.run()

// foreignObjects

const foreignObjectsTest = suite('foreignObjects')

foreignObjectsTest("works: a user's ConfigMap and Secret are foreign; what Kubernetes puts everywhere is not", () => {
  const objects = [
    anObject('ConfigMap', 'kube-root-ca.crt'),
    anObject('ServiceAccount', 'default'),
    anObject('ConfigMap', 'user-settings'),
    anObject('Secret', 'user-token', { type: 'Opaque' }),
  ]
  assert.equal(names(foreignObjects(objects, ours())), ['ConfigMap/user-settings', 'Secret/user-token'])
})

const deployment = anObject('Deployment', 'tempo-gateway', { annotations: madeBy('tempo') })
const replicaSet = anObject('ReplicaSet', 'tempo-gateway-7d9', { ownedBy: [deployment] })
const pod = anObject('Pod', 'tempo-gateway-7d9-x2x', { ownedBy: [replicaSet] })
const userConfig = anObject('ConfigMap', 'user-settings')
const service = anObject('Service', 'tempo', { annotations: madeBy('tempo') })
const serviceAccount = anObject('ServiceAccount', 'tempo', { annotations: madeBy('tempo') })
const probe = { 'app.kubernetes.io/component': 'inotify-probe' }
const servingCert = anObject('Secret', 'opentelemetry-operator-controller-manager-service-cert')

const cases: { name: string; objects: KubeObject[]; ours?: Partial<Ours>; foreign: string[] }[] = [
  {
    name: "a pod of --check-inotify's, left by an interrupted probe, is ours; one only marked managed-by is not",
    objects: [
      anObject('Pod', 'inotify-probe-x2x', { labels: { [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value, ...probe } }),
      anObject('Pod', 'lookalike', { labels: { [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value } }),
      anObject('Pod', 'lookalike-probe', { labels: probe }),
    ],
    foreign: ['Pod/lookalike', 'Pod/lookalike-probe'],
  },
  { name: 'what helm made for one of our releases is ours', objects: [deployment], foreign: [] },
  {
    name: 'what helm made for a release of our name in another namespace is not (a release is name + namespace)',
    objects: [anObject('ConfigMap', 'x', { annotations: madeBy('tempo', 'observability') })],
    foreign: ['ConfigMap/x'],
  },
  {
    name: 'what helm made for another release is not',
    objects: [anObject('ConfigMap', 'my-dashboards', { annotations: madeBy('dashboards') })],
    foreign: ['ConfigMap/my-dashboards'],
  },
  {
    name: "helm's record of our release is ours; of another release, not",
    objects: [
      anObject('Secret', 'sh.helm.release.v1.tempo.v1', {
        type: 'helm.sh/release.v1',
        labels: { owner: 'helm', name: 'tempo' },
      }),
      anObject('Secret', 'sh.helm.release.v1.dashboards.v1', {
        type: 'helm.sh/release.v1',
        labels: { owner: 'helm', name: 'dashboards' },
      }),
    ],
    foreign: ['Secret/sh.helm.release.v1.dashboards.v1'],
  },
  {
    name: 'a label that looks like helm on a plain Secret is not a release record',
    objects: [anObject('Secret', 'lookalike', { type: 'Opaque', labels: { owner: 'helm', name: 'tempo' } })],
    foreign: ['Secret/lookalike'],
  },
  {
    name: 'what ours owns is ours, however deep (pod → ReplicaSet → Deployment)',
    objects: [pod, replicaSet, deployment],
    foreign: [],
  },
  {
    name: "what a user's object owns is not",
    objects: [userConfig, anObject('Secret', 'derived', { ownedBy: [userConfig] })],
    foreign: ['ConfigMap/user-settings', 'Secret/derived'],
  },
  {
    name: "owned by ours and by a user's object: not ours (the garbage collector keeps it while one owner lives)",
    objects: [deployment, userConfig, anObject('Secret', 'shared', { ownedBy: [deployment, userConfig] })],
    foreign: ['ConfigMap/user-settings', 'Secret/shared'],
  },
  {
    name: 'owned by something not listed (another namespace, cluster-wide): not ours',
    objects: [anObject('ConfigMap', 'orphan', { ownedBy: [anObject('Node', 'node-1')] })],
    foreign: ['ConfigMap/orphan'],
  },
  {
    name: "the Endpoints of our Service are ours; of a user's Service, not",
    objects: [service, anObject('Endpoints', 'tempo'), anObject('Service', 'app'), anObject('Endpoints', 'app')],
    foreign: ['Service/app', 'Endpoints/app'],
  },
  {
    name: 'the token Secret of our ServiceAccount is ours (clusters before 1.24 make one)',
    objects: [
      serviceAccount,
      anObject('Secret', 'tempo-token-abcde', {
        type: 'kubernetes.io/service-account-token',
        annotations: { 'kubernetes.io/service-account.uid': serviceAccount.metadata.uid! },
      }),
    ],
    foreign: [],
  },
  {
    name: 'what is being deleted, and events, keep nothing',
    objects: [anObject('ConfigMap', 'going', { deleting: true }), anObject('Event', 'tempo-0.18ecdd69a6d0ed96')],
    foreign: [],
  },
  {
    name: 'ours by kind and name (what our releases leave behind); the same name of another kind is not',
    objects: [
      anObject('Secret', 'kube-prometheus-stack-admission'),
      anObject('ConfigMap', 'kube-prometheus-stack-admission'),
    ],
    ours: { named: [{ kind: 'Secret', name: 'kube-prometheus-stack-admission' }] },
    foreign: ['ConfigMap/kube-prometheus-stack-admission'],
  },
  {
    name: 'found ours earlier (by uid): ours now that its release is gone',
    objects: [servingCert],
    ours: { uids: new Set([servingCert.metadata.uid!]) },
    foreign: [],
  },
  {
    name: "custom resources: our release's Prometheus and the CertificateRequest of its Certificate are ours; a user's Instrumentation is not",
    objects: (() => {
      const certificate = anObject('Certificate', 'serving-cert', { annotations: madeBy('kube-prometheus-stack') })
      return [
        anObject('Prometheus', 'kube-prometheus-stack-prometheus', { annotations: madeBy('kube-prometheus-stack') }),
        certificate,
        anObject('CertificateRequest', 'serving-cert-1', { ownedBy: [certificate] }),
        anObject('Instrumentation', 'ticketing', { namespace: 'ticketing' }),
        anObject('ServiceMonitor', 'ticketing-api', { namespace: 'ticketing' }),
      ]
    })(),
    foreign: ['Instrumentation/ticketing', 'ServiceMonitor/ticketing-api'],
  },
]
for (const c of cases)
  foreignObjectsTest(c.name, () => {
    assert.equal(names(foreignObjects(c.objects, ours(c.ours))), c.foreign)
  })

foreignObjectsTest(
  'accountedFor: the uids of what is not foreign, to be counted ours once the releases are gone',
  () => {
    const objects = [pod, replicaSet, deployment, userConfig]
    assert.equal(
      [...accountedFor(objects, ours())].sort(),
      [pod, replicaSet, deployment].map((o) => o.metadata.uid).sort(),
    )
  },
)

foreignObjectsTest.run()

// describeObjects

const describeObjectsTest = suite('describeObjects')

describeObjectsTest('works: kind and name, as a person looks for them', () => {
  assert.equal(describeObjects([userConfig, anObject('Secret', 'user-token')], { withNamespace: false }), [
    'ConfigMap user-settings',
    'Secret user-token',
  ])
})

describeObjectsTest('withNamespace: namespace/name, and a cluster-wide one by its name alone', () => {
  const clusterIssuer = anObject('ClusterIssuer', 'letsencrypt')
  delete clusterIssuer.metadata.namespace
  assert.equal(
    describeObjects([anObject('Instrumentation', 'ticketing', { namespace: 'ticketing' }), clusterIssuer], {
      withNamespace: true,
    }),
    ['Instrumentation ticketing/ticketing', 'ClusterIssuer letsencrypt'],
  )
})

describeObjectsTest('what another helm release made is named as that release, once', () => {
  const objects = [
    anObject('ConfigMap', 'my-dashboards', { annotations: madeBy('dashboards') }),
    anObject('Secret', 'sh.helm.release.v1.dashboards.v1', {
      type: 'helm.sh/release.v1',
      labels: { owner: 'helm', name: 'dashboards' },
    }),
  ]
  assert.equal(describeObjects(objects, { withNamespace: false }), ['helm release dashboards'])
})

describeObjectsTest.run()

// someOf

const someOfTest = suite('someOf')

someOfTest('works: all of them, comma-separated', () => {
  assert.is(someOf(['a', 'b', 'c']), 'a, b, c')
})

someOfTest('more than max: the first ones, and how many more', () => {
  assert.is(someOf(['a', 'b', 'c', 'd'], 2), 'a, b and 2 more')
})

someOfTest.run()
