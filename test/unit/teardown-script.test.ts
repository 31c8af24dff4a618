// The printed teardown: its shape, and its guards run by bash against a kubectl and a helm that
// answer from files (what the cluster holds) and log every call, so that a test sees what the
// script would have deleted. e2e runs it against the simulator (test/faults/ownership.test.ts).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { renderTeardownScript } from '../../lib/run/teardown-script.ts'
import type { ManifestObject } from '../../lib/steps/teardown.ts'

const configOf = (...argv: string[]) => buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({}))
const scriptOf = (...argv: string[]) => renderTeardownScript(configOf(...argv), {}, manifest, 'test')
const bashParses = (text: string) => spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' })
const lineOf = (text: string, pattern: RegExp) => text.split('\n').findIndex((l) => pattern.test(l))

const manifest: ManifestObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', name: 'cert-manager' },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'issuers.cert-manager.io' },
  { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cert-manager', namespace: 'cert-manager' },
]

// renderTeardownScript: its shape

const shapeTest = suite('renderTeardownScript')

shapeTest('works: the install reversed, each release only if it is ours by name and chart; bash parses it', () => {
  const text = scriptOf()
  const order = ['opentelemetry-operator', 'tempo', 'loki', 'kube-prometheus-stack'].map((n) =>
    lineOf(text, new RegExp(`^  helm uninstall ${n} `)),
  )
  assert.ok(
    order.every((n, i) => n > 0 && (i === 0 || n > order[i - 1])),
    order.join(' '),
  )
  assert.match(text, /^if ours loki 'loki-stack\|loki'; then\n {2}helm uninstall loki --namespace monitoring /m)
  assert.match(text, /^if ours alloy alloy; then$/m)
  assert.is(bashParses(text).status, 0)
})

shapeTest('cert-manager only if our mark is on its namespace; its namespace only if it holds nothing else', () => {
  const text = scriptOf()
  assert.match(
    text,
    new RegExp(
      /^if \[ -n "\$\(kubectl get namespace cert-manager --ignore-not-found /.source +
        /-o 'jsonpath=.*cert-manager-manifest\}'\)" \]; then$/.source,
      'm',
    ),
  )
  assert.match(text, /^ {2}if only_ours_left cert-manager Secret\/cert-manager-webhook-ca; then$/m)
  assert.match(text, /^ {4}kubectl annotate namespace cert-manager monitoring-stack.workshop\/cert-manager-manifest-$/m)
})

shapeTest('without --purge: no CRD and no stack namespace is deleted', () => {
  const text = scriptOf()
  assert.not.ok(/customresourcedefinition/.test(text), text)
  assert.not.ok(/delete namespace monitoring/.test(text), text)
})

shapeTest('--purge: the custom resources are checked before the first removal; bash parses it', () => {
  const text = scriptOf('--purge')
  const guard = lineOf(text, /^ {4}exit 1$/)
  assert.ok(guard > 0 && guard < lineOf(text, /helm uninstall/), text)
  assert.match(text, /or with --purge-foreign-resources to delete them too/)
  assert.is(bashParses(text).status, 0)
})

shapeTest('--purge --purge-foreign-resources: no refusal, and the script says so', () => {
  const text = scriptOf('--purge', '--purge-foreign-resources')
  assert.not.ok(/^ {4}exit 1$/m.test(text), text)
  assert.match(text, /# --purge-foreign-resources: every custom resource of these CRDs goes with them, ours or not/)
  assert.is(bashParses(text).status, 0)
})

shapeTest.run()

// renderTeardownScript: its guards, run

const guardsTest = suite('renderTeardownScript, run by bash')

/** What the fake cluster holds: the answers kubectl gives, as files its script reads. */
interface FakeCluster {
  crds?: string[]
  /** `uid kind namespace/name h=release/namespace d=deletion owners…` lines, as the script's jsonpath prints them */
  customResources?: string[]
  /** `kind/name d=deletion o=owners` lines of the stack's namespace */
  namespaceObjects?: string[]
  /** the stack namespace's mark as the script reads it: `ns:<label value>`, or empty when there is none */
  namespaceMark?: string
}

const FAKE_KUBECTL = `#!/usr/bin/env bash
echo "kubectl $*" >>"$FAKE/log"
case "$*" in
  'get crd -o name') cat "$FAKE/crds" ;;
  'api-resources '*) printf 'configmaps\\nevents\\nsecrets\\nserviceaccounts\\n' ;;
  'get namespace monitoring '*) cat "$FAKE/mark" ;;
  'get namespace '*) ;;
  'get deployment '*) exit 1 ;;
  get\\ *--all-namespaces*) cat "$FAKE/crs" ;;
  'get configmaps,secrets,serviceaccounts -n monitoring '*) cat "$FAKE/objects" ;;
  'delete '*) ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 3 ;;
esac
`

/** Runs the script with a kubectl and a helm (no release at all) that answer from `cluster`; returns what it did. */
function runAgainst(text: string, cluster: FakeCluster) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teardown-script-'))
  try {
    const write = (name: string, lines: string[] = []) =>
      fs.writeFileSync(path.join(dir, name), lines.map((l) => `${l}\n`).join(''))
    write(
      'crds',
      (cluster.crds ?? []).map((c) => `customresourcedefinition.apiextensions.k8s.io/${c}`),
    )
    write('crs', cluster.customResources)
    write('objects', cluster.namespaceObjects)
    fs.writeFileSync(path.join(dir, 'mark'), cluster.namespaceMark ?? '')
    write('log')
    fs.mkdirSync(path.join(dir, 'bin'))
    fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 })
    fs.writeFileSync(path.join(dir, 'bin', 'helm'), '#!/usr/bin/env bash\necho "helm $*" >>"$FAKE/log"\nexit 1\n', {
      mode: 0o755,
    })
    const env = { ...process.env, FAKE: dir, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` }
    const run = spawnSync('bash', [], { input: text, encoding: 'utf8', env })
    const calls = fs.readFileSync(path.join(dir, 'log'), 'utf8').split('\n').filter(Boolean)
    return { status: run.status, stderr: run.stderr, deletes: calls.filter((c) => / delete /.test(c)) }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const crds = ['instrumentations.opentelemetry.io', 'prometheuses.monitoring.coreos.com', 'issuers.cert-manager.io']
const prometheus = 'u1 Prometheus monitoring/kube-prometheus-stack-prometheus h=kube-prometheus-stack/monitoring d='
const issuer = 'u2 Issuer monitoring/selfsigned h=opentelemetry-operator/monitoring d='
const request = 'u3 CertificateRequest monitoring/serving-cert-1 h=/ d= u2'
const instrumentation = 'u4 Instrumentation ticketing/ticketing h=/ d='

guardsTest('works: every custom resource is ours (helm-made, or owned by what is): the CRDs go', () => {
  const run = runAgainst(scriptOf('--purge'), { crds, customResources: [prometheus, issuer, request] })
  assert.is(run.status, 0, run.stderr)
  assert.equal(run.deletes, [
    `kubectl delete customresourcedefinition --ignore-not-found --wait --timeout=10m ${crds.join(' ')}`,
  ])
})

guardsTest("a user's Instrumentation: refused before anything is deleted, naming it and the flag", () => {
  const run = runAgainst(scriptOf('--purge'), { crds, customResources: [prometheus, instrumentation] })
  assert.is(run.status, 1)
  assert.match(run.stderr, /--purge would delete, with their CRDs, custom resources these scripts did not create/)
  assert.match(run.stderr, /^ {2}Instrumentation ticketing\/ticketing$/m)
  assert.not.match(run.stderr, /Prometheus/)
  assert.match(run.stderr, /--purge-foreign-resources/)
  assert.equal(run.deletes, [])
})

guardsTest('owned by something not ours, or by nothing listed: not ours either', () => {
  const run = runAgainst(scriptOf('--purge'), {
    crds,
    customResources: [instrumentation, `${request.slice(0, -2)} u4`],
  })
  assert.is(run.status, 1)
  assert.match(run.stderr, /^ {2}CertificateRequest monitoring\/serving-cert-1$/m)
})

guardsTest('--purge-foreign-resources: they go with their CRDs', () => {
  const run = runAgainst(scriptOf('--purge', '--purge-foreign-resources'), { crds, customResources: [instrumentation] })
  assert.is(run.status, 0, run.stderr)
  assert.is(run.deletes.length, 1)
})

const ourNamespace = {
  namespaceMark: 'ns:monitoring-stack.workshop',
  namespaceObjects: [
    'ConfigMap/kube-root-ca.crt d= o=',
    'ServiceAccount/default d= o=',
    'Secret/kube-prometheus-stack-admission d= o=',
    'Pod/loki-0 d=2026-01-01T00:00:00Z o=u9',
  ],
}

guardsTest(
  "the stack's namespace goes when it holds only Kubernetes' own, our leftovers and what is being deleted",
  () => {
    const run = runAgainst(scriptOf('--purge'), ourNamespace)
    assert.is(run.status, 0, run.stderr)
    assert.equal(run.deletes, ['kubectl delete namespace monitoring --ignore-not-found --wait --timeout=10m'])
  },
)

guardsTest("a user's ConfigMap and Secret in it: it stays, and the script says why", () => {
  const namespaceObjects = [
    ...ourNamespace.namespaceObjects,
    'ConfigMap/user-settings d= o=',
    'Secret/user-token d= o=',
  ]
  const run = runAgainst(scriptOf('--purge'), { ...ourNamespace, namespaceObjects })
  assert.is(run.status, 0, run.stderr)
  assert.match(
    run.stderr,
    /namespace monitoring stays: it also holds ConfigMap\/user-settings,Secret\/user-token, not created by these scripts/,
  )
  assert.equal(run.deletes, [])
})

guardsTest('a namespace these scripts did not create stays, whatever it holds', () => {
  const run = runAgainst(scriptOf('--purge'), { namespaceMark: 'ns:', namespaceObjects: [] })
  assert.is(run.status, 0, run.stderr)
  assert.match(run.stderr, /namespace monitoring stays: these scripts did not create it/)
  assert.equal(run.deletes, [])
})

guardsTest('no namespace at all: nothing said, nothing deleted', () => {
  const run = runAgainst(scriptOf('--purge'), {})
  assert.is(run.status, 0, run.stderr)
  assert.is(run.stderr, '')
  assert.equal(run.deletes, [])
})

guardsTest.run()
