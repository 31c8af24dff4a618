import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { stringify } from 'yaml'
import { StepError, UsageError } from '../../lib/core/errors.ts'
import { createContext } from '../../lib/steps/context.ts'
import { recordEndedHelms } from '../../lib/tools/ended-helms.ts'
import {
  components,
  confirm,
  customResourcesCmd,
  deleteCrdsCmd,
  deleteManifestCmds,
  describeInventory,
  manifestObjects,
  refuseForeignResources,
  removeAll,
  teardownOrder,
  unmarkCertManagerCmd,
  type Component,
  type Inventory,
  type ManifestObject,
} from '../../lib/steps/teardown.ts'
import { aConfig, aHelmListItem, anOutput, aRelease, captureLog } from './builders.ts'

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
  "works: webhook configurations first, then each namespace's objects, then cluster-wide ones; " +
    'CRDs and the namespace stay',
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
      ['kubectl', 'delete', 'clusterrole.rbac.authorization.k8s.io/cert-manager-controller-issuers', ...tail],
    ])
  },
)

deleteManifestCmdsTest('withCrds (--purge): the CRDs too', () => {
  const last = deleteManifestCmds({}, certManager, { withCrds: true, timeout: '10m' }).at(-1)?.argv
  assert.equal(last, [
    'kubectl',
    'delete',
    'customresourcedefinition.apiextensions.k8s.io/certificates.cert-manager.io',
    'clusterrole.rbac.authorization.k8s.io/cert-manager-controller-issuers',
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
  'no command names a namespace, with or without CRDs: a namespace goes only once it holds nothing else',
  () => {
    for (const withCrds of [false, true]) {
      const all = deleteManifestCmds({}, certManager, { withCrds, timeout: '10m' }).flatMap((c) => c.argv)
      assert.not.ok(
        all.some((a) => a.startsWith('namespace')),
        all.join(' '),
      )
    }
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

// the other command builders

const buildersTest = suite('teardown commands')

buildersTest('deleteCrdsCmd: every CRD named, waited on until gone, and not an error when gone already', () => {
  assert.equal(deleteCrdsCmd({}, ['instrumentations.opentelemetry.io', 'issuers.cert-manager.io'], '10m').argv, [
    'kubectl',
    'delete',
    'customresourcedefinition',
    'instrumentations.opentelemetry.io',
    'issuers.cert-manager.io',
    ...tail,
  ])
})

buildersTest("unmarkCertManagerCmd: our annotation off cert-manager's namespace", () => {
  assert.equal(unmarkCertManagerCmd({}, 'cert-manager').argv, [
    'kubectl',
    'annotate',
    'namespace',
    'cert-manager',
    'monitoring-stack.workshop/cert-manager-manifest-',
  ])
})

buildersTest('customResourcesCmd: every custom resource of the CRDs, in every namespace, in one list', () => {
  assert.equal(customResourcesCmd({}, ['instrumentations.opentelemetry.io', 'certificates.cert-manager.io']).argv, [
    'kubectl',
    'get',
    'instrumentations.opentelemetry.io,certificates.cert-manager.io',
    '--all-namespaces',
    '-o',
    'json',
  ])
})

buildersTest.run()

// describeInventory

const describeInventoryTest = suite('describeInventory')

const anInventory = (o: Partial<Inventory> = {}): Inventory => ({
  components: [],
  manifest: [],
  crds: [],
  foreignResources: [],
  namespaces: [],
  kept: [],
  ...o,
})
const toDelete = (name: string) => ({
  name,
  ours: { releaseNamespace: 'monitoring', releases: [], named: [], uids: new Set<string>() },
})

describeInventoryTest('works: one line per component, in teardown order, with its namespace', () => {
  const config = aConfig()
  const found = anInventory({ components: teardownOrder(config), namespaces: [toDelete('cert-manager')] })
  assert.equal(describeInventory(config, found), [
    'helm release opentelemetry-operator (namespace monitoring)',
    'cert-manager v1.14.5 (namespace cert-manager), its CRDs stay',
    'helm release tempo (namespace monitoring)',
    'helm release loki (namespace monitoring)',
    'helm release kube-prometheus-stack (namespace monitoring)',
  ])
})

describeInventoryTest("cert-manager's namespace when it stays (it holds something else)", () => {
  const found = anInventory({ components: [{ id: 'cert-manager', needs: [], kind: 'manifest' }] })
  assert.equal(describeInventory(aConfig(), found), [
    'cert-manager v1.14.5 (namespace cert-manager, which stays), its CRDs stay',
  ])
})

describeInventoryTest(
  '--purge: cert-manager with its CRDs, each CRD, custom resources not ours (with the flag), then the namespace',
  () => {
    const config = aConfig({ purge: true, purgeForeignResources: true, namespace: 'observability' })
    const lines = describeInventory(
      config,
      anInventory({
        components: [{ id: 'cert-manager', needs: [], kind: 'manifest' }],
        crds: ['prometheuses.monitoring.coreos.com', 'instrumentations.opentelemetry.io'],
        foreignResources: ['Instrumentation ticketing/ticketing'],
        namespaces: [toDelete('cert-manager'), toDelete('observability')],
      }),
    )
    assert.equal(lines, [
      'cert-manager v1.14.5 (namespace cert-manager) with its CRDs',
      'CRD prometheuses.monitoring.coreos.com',
      'CRD instrumentations.opentelemetry.io',
      'Instrumentation ticketing/ticketing: NOT created by these scripts, goes with its CRD',
      'namespace observability',
    ])
  },
)

describeInventoryTest('--purge, the namespace staying: no line for it', () => {
  const lines = describeInventory(aConfig({ purge: true }), anInventory({ kept: ['namespace monitoring stays: …'] }))
  assert.equal(lines, [])
})

describeInventoryTest("the release namespace is the config's", () => {
  const lines = describeInventory(
    aConfig({ namespace: 'observability' }),
    anInventory({ components: [{ id: 'tempo', needs: [], kind: 'release' }] }),
  )
  assert.equal(lines, ['helm release tempo (namespace observability)'])
})

describeInventoryTest('nothing found: no lines (the script then says there is nothing to remove)', () => {
  assert.equal(describeInventory(aConfig({ purge: true }), anInventory()), [])
})

describeInventoryTest.run()

// refuseForeignResources

const refuseForeignResourcesTest = suite('refuseForeignResources')

const foreign = anInventory({
  foreignResources: ['Instrumentation ticketing/ticketing', 'ServiceMonitor ticketing/ticketing-api'],
})

refuseForeignResourcesTest('works: no custom resource that is not ours, nothing to refuse', () => {
  refuseForeignResources(aConfig({ purge: true }), anInventory())
})

refuseForeignResourcesTest(
  'custom resources not ours: refused, naming each of them and the flag that overrides',
  () => {
    const error = (() => {
      try {
        refuseForeignResources(aConfig({ purge: true }), foreign)
      } catch (e) {
        return e as StepError
      }
    })()
    assert.instance(error, StepError)
    assert.match(
      error!.message,
      /--purge would delete, with their CRDs, 2 custom resources these scripts did not create/,
    )
    assert.match(error!.message, /nothing was deleted/)
    assert.is(error!.details.output, '- Instrumentation ticketing/ticketing\n- ServiceMonitor ticketing/ticketing-api')
    assert.match(error!.details.hint ?? '', /--purge-foreign-resources/)
  },
)

refuseForeignResourcesTest('with --purge-foreign-resources: not refused (confirm asks again on a terminal)', () => {
  refuseForeignResources(aConfig({ purge: true, purgeForeignResources: true }), foreign)
})

refuseForeignResourcesTest.run()

// confirm

const confirmTest = suite('confirm')

confirmTest('works: --yes asks nothing, foreign custom resources (allowed by the flag) included', async () => {
  const ctx = createContext(aConfig({ yes: true, purge: true, purgeForeignResources: true }), captureLog().log)
  await confirm(ctx, foreign)
})

confirmTest('off a terminal without --yes: a UsageError naming --yes, before anything is asked', async () => {
  const ctx = createContext(aConfig(), captureLog().log)
  const error = await confirm(ctx, anInventory()).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.instance(error, UsageError)
  assert.match(String((error as UsageError).problems), /pass --yes/)
})

confirmTest.run()

// removeAll

const removeAllTest = suite('removeAll')

/**
 * A teardown of tempo, its release found `status` and last changed `changedAgoMs` ago; after
 * `helm list` was read `settlesAfter` times, their helm has ended (deployed). Every helm change is kept.
 * `endedBy`: the mark an interrupted run left on the revision (none by default).
 */
function aTeardown(o: {
  status: string
  changedAgoMs: number
  failIfBusy?: boolean
  settlesAfter?: number
  endedBy?: string
}) {
  const { log, err } = captureLog()
  const ctx = createContext(aConfig({ timeoutMs: 300_000, failIfBusy: o.failIfBusy ?? false }), log)
  let lists = 0
  const changes: string[] = []
  ctx.runner.query = async (cmd) => {
    if (cmd.argv.includes('list')) {
      lists++
      const status = o.settlesAfter !== undefined && lists > o.settlesAfter ? 'deployed' : o.status
      return Object.assign(anOutput(0), { stdout: JSON.stringify([aHelmListItem({ status })]) })
    }
    const updated = new Date(Date.now() - o.changedAgoMs).toISOString()
    return anOutput(0, [{ revision: 1, status: o.status, chart: 'tempo-1.24.4', updated }])
  }
  ctx.runner.change = async (cmd) => {
    changes.push(cmd.argv.slice(0, 3).join(' '))
    return anOutput(0)
  }
  // the revision's mark, read from helm's Secret
  ctx.runner.probe = async (cmd) => {
    assert.equal(cmd.argv.slice(0, 4), ['kubectl', 'get', 'secret', 'sh.helm.release.v1.tempo.v1'])
    return Object.assign(anOutput(0), { stdout: o.endedBy ?? '' })
  }
  const found = anInventory({ components: [{ id: 'tempo', needs: [], kind: 'release' }] })
  return { ctx, found, changes, err }
}

removeAllTest('works: a release no helm is at work on is uninstalled', async () => {
  const teardown = aTeardown({ status: 'deployed', changedAgoMs: 5000 })
  await removeAll(teardown.ctx, teardown.found)
  assert.equal(teardown.changes, ['helm uninstall tempo'])
})

removeAllTest('pending-install and changed since --timeout began: its helm may be at work, so it stays', async () => {
  const teardown = aTeardown({ status: 'pending-install', changedAgoMs: 5000, failIfBusy: true })
  const error = await removeAll(teardown.ctx, teardown.found).catch((e: Error) => e)
  assert.instance(error, StepError)
  assert.match(
    (error as StepError).message,
    new RegExp(
      /^tempo: release is pending-install \(revision 1\), last changed \d+s ago: /.source +
        /a helm operation may still be running on it; /.source +
        /it is uninstalled only once that change is older than --timeout \(5m\), in 4m5\ds; nothing done$/.source,
    ),
  )
  assert.equal(teardown.changes, [], 'uninstalled under a live helm')
})

removeAllTest('pending-install, changed longer ago than --timeout: no helm is at work, it is uninstalled', async () => {
  const teardown = aTeardown({ status: 'pending-install', changedAgoMs: 300_000, failIfBusy: true })
  await removeAll(teardown.ctx, teardown.found)
  assert.equal(teardown.changes, ['helm uninstall tempo'])
})

removeAllTest(
  'pending-install a moment ago, marked ended by the run whose helm wrote it: uninstalled at once',
  async () => {
    const endedBy = 'pid 42 on laptop, 2026-05-01T12:00:03Z'
    const teardown = aTeardown({ status: 'pending-install', changedAgoMs: 5000, failIfBusy: true, endedBy })
    await removeAll(teardown.ctx, teardown.found)
    assert.equal(teardown.changes, ['helm uninstall tempo'])
  },
)

removeAllTest(
  "pending-install a moment ago, in this machine's record of helms its run ended (no mark): uninstalled at once",
  async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'ended-helms-'))
    const previous = process.env.XDG_STATE_HOME
    process.env.XDG_STATE_HOME = state
    try {
      const teardown = aTeardown({ status: 'pending-install', changedAgoMs: 5000, failIfBusy: true })
      teardown.ctx.server = 'https://127.0.0.1:6443'
      const ran = { startedAt: Date.now() - 10_000, endedAt: Date.now() - 1000 }
      recordEndedHelms([{ server: 'https://10.0.0.9:6443', namespace: 'monitoring', name: 'tempo', ...ran, note: 'x' }])
      const other = await removeAll(teardown.ctx, teardown.found).catch((e: Error) => e)
      assert.instance(other, StepError, "another cluster's record counted")
      recordEndedHelms([
        { server: teardown.ctx.server, namespace: 'monitoring', name: 'tempo', ...ran, note: 'pid 42' },
      ])
      await removeAll(teardown.ctx, teardown.found)
      assert.equal(teardown.changes, ['helm uninstall tempo'])
    } finally {
      process.env.XDG_STATE_HOME = previous
      if (previous === undefined) delete process.env.XDG_STATE_HOME
      fs.rmSync(state, { recursive: true, force: true })
    }
  },
)

removeAllTest('pending-upgrade while their helm runs: waited for, said, then uninstalled once it ended', async () => {
  const teardown = aTeardown({ status: 'pending-upgrade', changedAgoMs: 5000, settlesAfter: 1 })
  await removeAll(teardown.ctx, teardown.found)
  assert.match(teardown.err(), /! tempo: release is pending-upgrade \(revision 1\), .*; waiting for it\n/)
  assert.equal(teardown.changes, ['helm uninstall tempo'])
})

removeAllTest.run()
