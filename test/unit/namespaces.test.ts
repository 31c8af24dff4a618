import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type ProcessOutput, YAML } from 'zx'
import {
  checkNamespace,
  deleteNamespaceCmd,
  ensureNamespace,
  namespacedResourcesCmd,
  namespaceNotOurs,
  requireNamespace,
} from '../../lib/steps/namespaces.ts'
import type { Ours } from '../../lib/steps/ownership.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { createContext } from '../../lib/steps/context.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

/** A context whose runner answers `kubectl get namespace <name>` from `existing`, and records every command. */
function ctxWithNamespaces(existing: string[]) {
  const ctx = createContext(aConfig(), captureLog().log)
  const asked: string[] = []
  ctx.runner.probe = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    const name = cmd.argv[cmd.argv.indexOf('namespace') + 1]
    return existing.includes(name)
      ? anOutput(0, { metadata: { name }, status: { phase: 'Active' } })
      : anOutput(1, undefined, `Error from server (NotFound): namespaces "${name}" not found`)
  }
  const inputs: string[] = []
  ctx.runner.change = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    if (cmd.input) inputs.push(cmd.input)
    return anOutput(0)
  }
  return { ctx, asked, inputs }
}

// requireNamespace

const requireNamespaceTest = suite('requireNamespace')

requireNamespaceTest('works: an existing namespace passes, after one get', async () => {
  const { ctx, asked } = ctxWithNamespaces(['monitoring'])
  await requireNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json'])
})

requireNamespaceTest('a missing one: "run 01 first"', async () => {
  const { ctx } = ctxWithNamespaces([])
  const error = await requireNamespace(ctx, 'monitoring').then(
    () => undefined,
    (e: Error & { details?: { hint?: string } }) => e,
  )
  assert.match(error?.message ?? 'resolved', /namespace monitoring does not exist/)
  assert.match(error?.details?.hint ?? '', /run scripts\/01-namespace.mts first/)
})

requireNamespaceTest.run()

// ensureNamespace

const ensureNamespaceTest = suite('ensureNamespace')

ensureNamespaceTest('works: a missing namespace is created, with our mark from the start', async () => {
  const { ctx, asked, inputs } = ctxWithNamespaces([])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json', 'kubectl create -f -'])
  assert.equal(YAML.parse(inputs[0]), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'monitoring', labels: { 'app.kubernetes.io/managed-by': 'monitoring-stack.workshop' } },
  })
})

ensureNamespaceTest('an existing one is left as it is: never marked ours', async () => {
  const { ctx, asked } = ctxWithNamespaces(['monitoring'])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json'])
  assert.equal(ctx.outcomes, [{ name: 'namespace/monitoring', action: 'exists', detail: 'left as it is' }])
})

ensureNamespaceTest.run()

// namespaceNotOurs

const namespaceNotOursTest = suite('namespaceNotOurs')

const aNamespace = (name: string, labels?: Record<string, string>): KubeObject => ({
  kind: 'Namespace',
  metadata: { name, ...(labels ? { labels } : {}) },
})
const ourMark = { 'app.kubernetes.io/managed-by': 'monitoring-stack.workshop' }

namespaceNotOursTest('works: a namespace these scripts created (it carries our mark) may go', () => {
  assert.is(namespaceNotOurs(aNamespace('monitoring', ourMark), aConfig()), undefined)
})

namespaceNotOursTest('one that was there before (no mark, or another value) never goes', () => {
  for (const labels of [undefined, { 'app.kubernetes.io/managed-by': 'Helm' }])
    assert.match(namespaceNotOurs(aNamespace('monitoring', labels), aConfig()) ?? '', /these scripts did not create it/)
})

namespaceNotOursTest("the app's namespace and system namespaces never go, even marked", () => {
  assert.match(namespaceNotOurs(aNamespace('ticketing', ourMark), aConfig()) ?? '', /the app's namespace/)
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    assert.match(namespaceNotOurs(aNamespace(name, ourMark), aConfig()) ?? '', /a system namespace/, name)
})

namespaceNotOursTest.run()

// checkNamespace

const checkNamespaceTest = suite('checkNamespace')

/** What `kubectl get <every kind> -n monitoring -o json` lists: objects with a uid each. */
const anItem = (kind: string, name: string, annotations?: Record<string, string>): KubeObject => ({
  kind,
  metadata: { name, namespace: 'monitoring', uid: `${kind}/${name}`, ...(annotations ? { annotations } : {}) },
})
const ours: Ours = { releaseNamespace: 'monitoring', releases: ['tempo'], named: [], uids: new Set() }
const kubernetesOwn = [anItem('ConfigMap', 'kube-root-ca.crt'), anItem('ServiceAccount', 'default')]
const tempo = anItem('StatefulSet', 'tempo', {
  'meta.helm.sh/release-name': 'tempo',
  'meta.helm.sh/release-namespace': 'monitoring',
})

/** A context whose kubectl serves discovery and one listing of `items` (or fails it), recording what it was asked. */
function ctxListing(items: KubeObject[] | Error) {
  const ctx = createContext(aConfig(), captureLog().log)
  const asked: string[] = []
  ctx.runner.query = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    if (cmd.argv[1] === 'api-resources')
      return { exitCode: 0, stdout: 'configmaps\nevents\nsecrets\nstatefulsets.apps\n' } as unknown as ProcessOutput
    if (items instanceof Error) throw items
    return anOutput(0, { items })
  }
  return { ctx, asked }
}

checkNamespaceTest("works: only ours and Kubernetes' own in it: it may go, with what was ours by uid", async () => {
  const { ctx, asked } = ctxListing([...kubernetesOwn, tempo])
  const check = await checkNamespace(ctx, 'monitoring', ours)
  assert.equal(asked, [
    'kubectl api-resources --verbs=list --namespaced -o name',
    'kubectl get configmaps,secrets,statefulsets.apps -n monitoring -o json',
  ])
  assert.equal(typeof check === 'object' && [...check.ours.uids].sort(), [
    'ConfigMap/kube-root-ca.crt',
    'ServiceAccount/default',
    'StatefulSet/tempo',
  ])
})

checkNamespaceTest("a user's ConfigMap and Secret: it stays, and the line names them", async () => {
  const { ctx } = ctxListing([tempo, anItem('ConfigMap', 'user-settings'), anItem('Secret', 'user-token')])
  assert.is(
    await checkNamespace(ctx, 'monitoring', ours),
    'namespace monitoring stays: it also holds ConfigMap user-settings, Secret user-token, not created by these scripts',
  )
})

checkNamespaceTest('listed again once our releases are gone: what was ours before (by uid) still is', async () => {
  const leftover = anItem('Secret', 'opentelemetry-operator-controller-manager-service-cert')
  const { ctx } = ctxListing([leftover])
  const check = await checkNamespace(ctx, 'monitoring', { ...ours, uids: new Set([leftover.metadata.uid!]) })
  assert.is(typeof check, 'object')
})

checkNamespaceTest('what it holds cannot be listed: it stays, and the line says why', async () => {
  const { ctx } = ctxListing(new Error('kubectl get failed: the server is currently unable to handle the request'))
  assert.is(
    await checkNamespace(ctx, 'monitoring', ours),
    'namespace monitoring stays: what it holds could not be listed ' +
      '(kubectl get failed: the server is currently unable to handle the request)',
  )
})

checkNamespaceTest.run()

// the namespace commands of teardown

const commandsTest = suite('teardown namespace commands')

commandsTest('deleteNamespaceCmd: waited on until gone, and not an error when gone already', () => {
  assert.equal(deleteNamespaceCmd({ context: 'kind-kind' }, 'monitoring', '10m').argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'delete',
    'namespace',
    'monitoring',
    '--ignore-not-found',
    '--wait',
    '--timeout=10m',
  ])
})

commandsTest('namespacedResourcesCmd: the kinds a namespace can hold that can be listed, by name', () => {
  assert.equal(namespacedResourcesCmd({}).argv, [
    'kubectl',
    'api-resources',
    '--verbs=list',
    '--namespaced',
    '-o',
    'name',
  ])
})

commandsTest.run()
