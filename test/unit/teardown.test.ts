import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { stringify } from 'yaml'
import { UsageError } from '../../lib/core/errors.ts'
import {
  components,
  deleteManifestCmds,
  describeInventory,
  manifestObjects,
  teardownOrder,
  type Component,
  type ManifestObject,
} from '../../lib/steps/teardown.ts'
import { aConfig, aRelease } from './builders.ts'

/** One object of a manifest, as `manifestObjects` returns it. */
const anObject = (kind: string, name: string, o: { apiVersion?: string; namespace?: string } = {}): ManifestObject => ({
  apiVersion: o.apiVersion ?? 'v1',
  kind,
  name,
  ...(o.namespace ? { namespace: o.namespace } : {}),
})

/** A manifest as cert-manager publishes it: documents separated by `---`, some of them empty or comments only. */
const aManifest = (...objects: ManifestObject[]) =>
  [
    '# Copyright The cert-manager Authors.',
    ...objects.map(
      (o) =>
        `---\n# Source: cert-manager/templates/${o.kind.toLowerCase()}.yaml\n` +
        stringify({
          apiVersion: o.apiVersion,
          kind: o.kind,
          metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
        }),
    ),
    '---',
    '',
  ].join('\n')

// A slice of cert-manager.yaml: one of each kind it holds, in its order.
const namespace = anObject('Namespace', 'cert-manager')
const crd = anObject('CustomResourceDefinition', 'certificates.cert-manager.io', {
  apiVersion: 'apiextensions.k8s.io/v1',
})
const serviceAccount = anObject('ServiceAccount', 'cert-manager', { namespace: 'cert-manager' })
const clusterRole = anObject('ClusterRole', 'cert-manager-controller-issuers', {
  apiVersion: 'rbac.authorization.k8s.io/v1',
})
const leaderRole = anObject('Role', 'cert-manager:leaderelection', {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  namespace: 'kube-system',
})
const deployment = anObject('Deployment', 'cert-manager-webhook', { apiVersion: 'apps/v1', namespace: 'cert-manager' })
const service = anObject('Service', 'cert-manager-webhook', { namespace: 'cert-manager' })
const mutating = anObject('MutatingWebhookConfiguration', 'cert-manager-webhook', {
  apiVersion: 'admissionregistration.k8s.io/v1',
})
const validating = anObject('ValidatingWebhookConfiguration', 'cert-manager-webhook', {
  apiVersion: 'admissionregistration.k8s.io/v1',
})
const certManager = [namespace, crd, serviceAccount, clusterRole, leaderRole, deployment, service, mutating, validating]

const ids = (list: Component[]) => list.map((c) => c.id)

// components

const componentsTest = suite('components')

componentsTest(
  "works: the plan's releases and cert-manager's manifest, in the seed's order, with what each needs of them",
  () => {
    assert.equal(components(aConfig()), [
      { id: 'kube-prometheus-stack', needs: [], kind: 'release' },
      { id: 'loki', needs: [], kind: 'release' },
      { id: 'tempo', needs: [], kind: 'release' },
      { id: 'cert-manager', needs: [], kind: 'manifest' },
      { id: 'opentelemetry-operator', needs: ['cert-manager'], kind: 'release' },
    ])
  },
)

componentsTest.run()

// teardownOrder

const teardownOrderTest = suite('teardownOrder')

teardownOrderTest('works: the install in reverse — operator, cert-manager, tempo, loki, kube-prometheus-stack', () => {
  assert.equal(ids(teardownOrder(aConfig())), [
    'opentelemetry-operator',
    'cert-manager',
    'tempo',
    'loki',
    'kube-prometheus-stack',
  ])
})

teardownOrderTest('what needs something is removed before it, however deep', () => {
  const releases = [
    aRelease({ name: 'base' }),
    aRelease({ name: 'middle', needs: ['base'] }),
    aRelease({ name: 'top', needs: ['middle'] }),
    aRelease({ name: 'alone' }),
  ]
  const order = ids(teardownOrder(aConfig({ releases })))
  assert.equal(order, ['top', 'middle', 'cert-manager', 'alone', 'base'])
})

teardownOrderTest('a release that needs cert-manager goes before cert-manager', () => {
  const order = ids(
    teardownOrder(
      aConfig({ releases: [aRelease({ name: 'issuer-user', needs: ['cert-manager'] }), aRelease({ name: 'plain' })] }),
    ),
  )
  assert.ok(order.indexOf('issuer-user') < order.indexOf('cert-manager'), order.join(', '))
})

teardownOrderTest('an unknown need: a UsageError before anything is removed', () => {
  assert.throws(
    () => teardownOrder(aConfig({ releases: [aRelease({ name: 'tempo', needs: ['lokii'] })] })),
    (e: unknown) => e instanceof UsageError && /"lokii"/.test(String((e as UsageError).problems)),
  )
})

teardownOrderTest.run()

// manifestObjects

const manifestObjectsTest = suite('manifestObjects')

manifestObjectsTest('works: every object of every document, with its namespace when it has one', () => {
  assert.equal(manifestObjects(aManifest(namespace, serviceAccount, deployment)), [
    { apiVersion: 'v1', kind: 'Namespace', name: 'cert-manager', namespace: undefined },
    { apiVersion: 'v1', kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' },
    { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cert-manager-webhook', namespace: 'cert-manager' },
  ])
})

manifestObjectsTest('empty documents, comments and documents that are not objects are skipped', () => {
  const text = [
    '---',
    '# only a comment',
    '---',
    '- a list',
    '---',
    'a string',
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    '  name: cert-manager',
    '---',
    '',
  ].join('\n')
  assert.equal(
    manifestObjects(text).map((o) => o.name),
    ['cert-manager'],
  )
})

manifestObjectsTest('an object without a kind, an apiVersion or a name is skipped', () => {
  const text = [
    'kind: Namespace\nmetadata:\n  name: no-api-version',
    'apiVersion: v1\nmetadata:\n  name: no-kind',
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  generateName: no-name-',
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kept',
  ].join('\n---\n')
  assert.equal(
    manifestObjects(text).map((o) => o.name),
    ['kept'],
  )
})

manifestObjectsTest('an empty manifest: no objects', () => {
  assert.equal(manifestObjects(''), [])
})

manifestObjectsTest.run()

// deleteManifestCmds

const deleteManifestCmdsTest = suite('deleteManifestCmds')

const tail = ['--ignore-not-found', '--wait', '--timeout=10m']

deleteManifestCmdsTest(
  "works: webhook configurations first, then each namespace's objects, " +
    'then cluster-wide ones, the namespace last; CRDs stay',
  () => {
    const argvs = deleteManifestCmds({}, certManager, { withCrds: false, timeout: '10m' }).map((c) => c.argv)
    assert.equal(argvs, [
      [
        'kubectl',
        'delete',
        'mutatingwebhookconfiguration.admissionregistration.k8s.io/cert-manager-webhook',
        'validatingwebhookconfiguration.admissionregistration.k8s.io/cert-manager-webhook',
        ...tail,
      ],
      [
        'kubectl',
        'delete',
        'serviceaccount/cert-manager',
        'deployment.apps/cert-manager-webhook',
        'service/cert-manager-webhook',
        '-n',
        'cert-manager',
        ...tail,
      ],
      ['kubectl', 'delete', 'role.rbac.authorization.k8s.io/cert-manager:leaderelection', '-n', 'kube-system', ...tail],
      [
        'kubectl',
        'delete',
        'clusterrole.rbac.authorization.k8s.io/cert-manager-controller-issuers',
        'namespace/cert-manager',
        ...tail,
      ],
    ])
  },
)

deleteManifestCmdsTest('withCrds (--purge): the CRDs too, before the namespace', () => {
  const last = deleteManifestCmds({}, certManager, { withCrds: true, timeout: '10m' }).at(-1)?.argv
  assert.equal(last, [
    'kubectl',
    'delete',
    'customresourcedefinition.apiextensions.k8s.io/certificates.cert-manager.io',
    'clusterrole.rbac.authorization.k8s.io/cert-manager-controller-issuers',
    'namespace/cert-manager',
    ...tail,
  ])
})

deleteManifestCmdsTest('without withCrds no command names a CRD', () => {
  const all = deleteManifestCmds({}, certManager, { withCrds: false, timeout: '10m' }).flatMap((c) => c.argv)
  assert.not.ok(
    all.some((a) => a.startsWith('customresourcedefinition')),
    all.join(' '),
  )
})

deleteManifestCmdsTest(
  'the namespace goes last even when the manifest lists it after other cluster-wide objects',
  () => {
    const argv = deleteManifestCmds(
      {},
      [
        clusterRole,
        namespace,
        anObject('ClusterRoleBinding', 'cert-manager-controller-issuers', {
          apiVersion: 'rbac.authorization.k8s.io/v1',
        }),
      ],
      { withCrds: false, timeout: '10m' },
    )[0].argv
    assert.equal(argv.slice(2, 5), [
      'clusterrole.rbac.authorization.k8s.io/cert-manager-controller-issuers',
      'clusterrolebinding.rbac.authorization.k8s.io/cert-manager-controller-issuers',
      'namespace/cert-manager',
    ])
  },
)

deleteManifestCmdsTest('the context and the timeout are passed on', () => {
  const [cmd] = deleteManifestCmds({ context: 'kind-kind' }, [serviceAccount], { withCrds: false, timeout: '2m30s' })
  assert.equal(cmd.argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'delete',
    'serviceaccount/cert-manager',
    '-n',
    'cert-manager',
    '--ignore-not-found',
    '--wait',
    '--timeout=2m30s',
  ])
})

deleteManifestCmdsTest('no objects: no commands (nothing to delete is not an error)', () => {
  assert.equal(deleteManifestCmds({}, [], { withCrds: true, timeout: '10m' }), [])
})

deleteManifestCmdsTest('only CRDs and withCrds false: no commands', () => {
  assert.equal(deleteManifestCmds({}, [crd], { withCrds: false, timeout: '10m' }), [])
})

deleteManifestCmdsTest("from the manifest's text: the same commands as from its objects", () => {
  const fromText = deleteManifestCmds({}, manifestObjects(aManifest(...certManager)), {
    withCrds: false,
    timeout: '10m',
  })
  assert.equal(fromText, deleteManifestCmds({}, certManager, { withCrds: false, timeout: '10m' }))
  assert.is(fromText.length, 4)
})

deleteManifestCmdsTest.run()

// describeInventory

const describeInventoryTest = suite('describeInventory')

const everything = (config = aConfig()) => ({
  components: teardownOrder(config),
  crds: [] as string[],
  namespace: false,
  namespaceKeptFor: [] as string[],
})

describeInventoryTest('works: one line per component, in teardown order, with its namespace', () => {
  assert.equal(describeInventory(aConfig(), everything()), [
    'helm release opentelemetry-operator (namespace monitoring)',
    'cert-manager v1.14.5 (namespace cert-manager), its CRDs stay',
    'helm release tempo (namespace monitoring)',
    'helm release loki (namespace monitoring)',
    'helm release kube-prometheus-stack (namespace monitoring)',
  ])
})

describeInventoryTest('--purge: cert-manager with its CRDs, then each CRD, then the namespace', () => {
  const config = aConfig({ purge: true, namespace: 'observability' })
  const lines = describeInventory(config, {
    components: [{ id: 'cert-manager', needs: [], kind: 'manifest' }],
    crds: ['prometheuses.monitoring.coreos.com', 'certificates.cert-manager.io'],
    namespace: true,
    namespaceKeptFor: [],
  })
  assert.equal(lines, [
    'cert-manager v1.14.5 (namespace cert-manager) with its CRDs',
    'CRD prometheuses.monitoring.coreos.com',
    'CRD certificates.cert-manager.io',
    'namespace observability',
  ])
})

describeInventoryTest("the release namespace is the config's", () => {
  const lines = describeInventory(aConfig({ namespace: 'observability' }), {
    components: [{ id: 'tempo', needs: [], kind: 'release' }],
    crds: [],
    namespace: false,
    namespaceKeptFor: [],
  })
  assert.equal(lines, ['helm release tempo (namespace observability)'])
})

describeInventoryTest('nothing found: no lines (the script then says there is nothing to remove)', () => {
  assert.equal(
    describeInventory(aConfig({ purge: true }), { components: [], crds: [], namespace: false, namespaceKeptFor: [] }),
    [],
  )
})

describeInventoryTest.run()
