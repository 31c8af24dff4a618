import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { YAML } from 'zx'
import {
  annotateCmd,
  applyFileCmd,
  createNamespaceCmd,
  deleteFileCmd,
  getCmd,
  kubectl,
  nsArgs,
  serverDryRunCmd,
  versionCmd,
  watchCmd,
} from '../../lib/tools/kubectl.ts'

const kind = { context: 'kind-kind' }
const current = {}

// kubectl

const kubectlTest = suite('kubectl')

kubectlTest('works: --context first, before the verb', () => {
  assert.equal(kubectl(kind, 'get', 'ns').argv, ['kubectl', '--context', 'kind-kind', 'get', 'ns'])
})

kubectlTest('no context: no flag', () => {
  assert.equal(kubectl(current, 'get', 'ns').argv, ['kubectl', 'get', 'ns'])
})

kubectlTest('a context name with : and / stays one argument', () => {
  assert.equal(kubectl({ context: 'arn:aws:eks:eu-west-1:123:cluster/x' }, 'get', 'ns').argv.slice(1, 3), [
    '--context',
    'arn:aws:eks:eu-west-1:123:cluster/x',
  ])
})

kubectlTest.run()

// versionCmd

const versionCmdTest = suite('versionCmd')

versionCmdTest('works: bounded by the request timeout, and by the process timeout', () => {
  const cmd = versionCmd(kind)
  assert.equal(cmd.argv, ['kubectl', '--context', 'kind-kind', 'version', '-o', 'json', '--request-timeout=4s'])
  assert.is(cmd.timeoutMs, 7000)
})

versionCmdTest.run()

// getCmd

const getCmdTest = suite('getCmd')

getCmdTest('works: always JSON', () => {
  assert.equal(getCmd(current, 'namespaces').argv, ['kubectl', 'get', 'namespaces', '-o', 'json'])
})

getCmdTest('a name and a namespace', () => {
  assert.equal(getCmd(kind, 'deployment', { namespace: 'cert-manager', name: 'cert-manager-webhook' }).argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'get',
    'deployment',
    'cert-manager-webhook',
    '-n',
    'cert-manager',
    '-o',
    'json',
  ])
})

getCmdTest('a selector', () => {
  assert.equal(getCmd(current, 'configmaps', { namespace: 'monitoring', selector: 'grafana_datasource=1' }).argv, [
    'kubectl',
    'get',
    'configmaps',
    '-n',
    'monitoring',
    '-l',
    'grafana_datasource=1',
    '-o',
    'json',
  ])
})

getCmdTest('a cluster-scoped object: no -n', () => {
  assert.equal(getCmd(current, 'namespace', { name: 'monitoring' }).argv, [
    'kubectl',
    'get',
    'namespace',
    'monitoring',
    '-o',
    'json',
  ])
})

getCmdTest.run()

// watchCmd

const watchCmdTest = suite('watchCmd')

watchCmdTest('works: every event as JSON, for one kind in one namespace', () => {
  assert.equal(watchCmd(kind, 'pods', 'monitoring').argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'get',
    'pods',
    '-n',
    'monitoring',
    '--watch',
    '--output-watch-events',
    '-o',
    'json',
  ])
})

watchCmdTest.run()

// createNamespaceCmd

const createNamespaceCmdTest = suite('createNamespaceCmd')

createNamespaceCmdTest('works: seed §1 kubectl create ns monitoring, its labels in the same request', () => {
  const cmd = createNamespaceCmd(current, 'monitoring', { 'example.com/owner': 'us' })
  assert.equal(cmd.argv, ['kubectl', 'create', '-f', '-'])
  assert.equal(YAML.parse(cmd.input ?? ''), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'monitoring', labels: { 'example.com/owner': 'us' } },
  })
})

createNamespaceCmdTest.run()

// applyFileCmd, deleteFileCmd

const applyFileCmdTest = suite('applyFileCmd')

applyFileCmdTest('works: seed §3 kubectl apply -f <url>', () => {
  const url = 'https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml'
  assert.equal(applyFileCmd(current, url).argv, ['kubectl', 'apply', '-f', url])
})

applyFileCmdTest('a local file, with a context', () => {
  assert.equal(applyFileCmd(kind, './cert-manager.yaml').argv, [
    'kubectl',
    '--context',
    'kind-kind',
    'apply',
    '-f',
    './cert-manager.yaml',
  ])
})

applyFileCmdTest.run()

const deleteFileCmdTest = suite('deleteFileCmd')

deleteFileCmdTest('works: what is already gone is no error', () => {
  assert.equal(deleteFileCmd(current, './cert-manager.yaml').argv, [
    'kubectl',
    'delete',
    '-f',
    './cert-manager.yaml',
    '--ignore-not-found',
  ])
})

deleteFileCmdTest.run()

// annotateCmd

const annotateCmdTest = suite('annotateCmd')

annotateCmdTest('works: key=value, overwriting', () => {
  assert.equal(
    annotateCmd(kind, 'namespace', 'cert-manager', { 'monitoring-stack.workshop/cert-manager-manifest': 'sha256:abc' })
      .argv,
    [
      'kubectl',
      '--context',
      'kind-kind',
      'annotate',
      'namespace',
      'cert-manager',
      '--overwrite',
      'monitoring-stack.workshop/cert-manager-manifest=sha256:abc',
    ],
  )
})

annotateCmdTest('several annotations, each one argument', () => {
  const argv = annotateCmd(current, 'namespace', 'x', { a: '1', b: 'https://example.com/x.yaml' }).argv
  assert.equal(argv.slice(-2), ['a=1', 'b=https://example.com/x.yaml'])
})

annotateCmdTest.run()

// serverDryRunCmd

const serverDryRunCmdTest = suite('serverDryRunCmd')

serverDryRunCmdTest('works: a server-side dry-run of the manifest on stdin', () => {
  const manifest = 'apiVersion: cert-manager.io/v1\nkind: Issuer\n'
  const cmd = serverDryRunCmd(kind, manifest)
  assert.equal(cmd.argv, ['kubectl', '--context', 'kind-kind', 'create', '--dry-run=server', '-f', '-'])
  assert.is(cmd.input, manifest)
})

serverDryRunCmdTest.run()

// nsArgs

const nsArgsTest = suite('nsArgs')

nsArgsTest('works', () => {
  assert.equal(nsArgs('monitoring'), ['-n', 'monitoring'])
})

nsArgsTest('no namespace: nothing', () => {
  assert.equal(nsArgs(undefined), [])
  assert.equal(nsArgs(''), [])
})

nsArgsTest.run()
