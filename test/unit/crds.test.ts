import { execFileSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { profiles } from '../../lib/core/stack.ts'
import {
  applyServerSideCmd,
  chartCrdVersion,
  crdsBeforeUpgradeLines,
  crdsPipeline,
  crdsToApply,
  crdVersionsCmd,
  crdVersionsIn,
  leftoverCrds,
  showCrdsCmd,
} from '../../lib/tools/crds.ts'
import { renderCommand } from '../../lib/tools/exec.ts'
import { aRelease, aReleaseState } from './builders.ts'

const kps = aRelease({
  name: 'kube-prometheus-stack',
  repo: 'prometheus-community',
  repoUrl: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '88.5.3',
  crdsBeforeUpgrade: true,
})
const at = (version: string, chart = 'kube-prometheus-stack') => aReleaseState({ name: kps.name, chart, version })
const kind = { context: 'kind-kind' }

// crdsToApply

const crdsToApplyTest = suite('crdsToApply')

for (const [name, release, installed, expected] of [
  ['works: installed at another version of the chart', kps, at('67.8.0'), true],
  ['a fresh install: helm installs the CRDs itself', kps, undefined, false],
  ['at the pin (a re-run): nothing, and no call to find out', kps, at('88.5.3'), false],
  ['another chart under the name: it is replaced, not upgraded', kps, at('88.5.3', 'prometheus'), false],
  ['a newer version installed: the CRDs follow the chart back', kps, at('89.0.0'), true],
  [
    'a release whose chart has no crds/ (its CRDs are templates)',
    { ...kps, crdsBeforeUpgrade: undefined },
    at('1'),
    false,
  ],
] as const) {
  crdsToApplyTest(name, () => {
    assert.is(crdsToApply(release, installed), expected)
  })
}

crdsToApplyTest('the stack: kube-prometheus-stack only, in both profiles (the operator renders its CRDs)', () => {
  for (const profile of Object.values(profiles)) {
    const marked = profile.filter((r) => 'crdsBeforeUpgrade' in r && r.crdsBeforeUpgrade).map((r) => r.name)
    assert.equal(marked, ['kube-prometheus-stack'])
  }
})

crdsToApplyTest.run()

// showCrdsCmd, applyServerSideCmd, crdsPipeline

const commandsTest = suite('showCrdsCmd, applyServerSideCmd, crdsPipeline')

commandsTest('works: the pinned chart from its repository, applied server-side forcing conflicts', () => {
  assert.equal(showCrdsCmd(kps).argv, [
    'helm',
    'show',
    'crds',
    'prometheus-community/kube-prometheus-stack',
    '--version',
    '88.5.3',
  ])
  assert.equal(applyServerSideCmd({}, '/tmp/crds.yaml').argv, [
    'kubectl',
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    '/tmp/crds.yaml',
  ])
})

commandsTest('an OCI registry: the full reference', () => {
  const oci = { ...kps, repoUrl: 'oci://registry.example.com/charts' }
  assert.is(showCrdsCmd(oci).argv[3], 'oci://registry.example.com/charts/kube-prometheus-stack')
})

commandsTest('the pipeline a person pastes, kubectl on the configured context', () => {
  assert.is(
    crdsPipeline(kind, kps, renderCommand),
    'helm show crds prometheus-community/kube-prometheus-stack --version 88.5.3 | ' +
      'kubectl --context kind-kind apply --server-side --force-conflicts -f -',
  )
})

commandsTest.run()

// crdsBeforeUpgradeLines

const linesTest = suite('crdsBeforeUpgradeLines')

/** The lines run by bash with `helm` a function printing `list` (what helm list -o json would say). */
function runLines(list: string): string {
  const script = [
    `helm() { if [ "$1" = list ]; then printf '%s' '${list}'; else echo "helm $*"; fi; }`,
    'kubectl() { cat >/dev/null; echo "kubectl $*"; }',
    ...crdsBeforeUpgradeLines({}, kps, renderCommand),
  ].join('\n')
  return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })
}
const listed = (version: string) =>
  JSON.stringify([{ name: kps.name, status: 'deployed', chart: `kube-prometheus-stack-${version}`, revision: '1' }])

linesTest('works: installed at another version, bash applies the CRDs', () => {
  assert.is(runLines(listed('67.8.0')), 'kubectl apply --server-side --force-conflicts -f -\n')
})

linesTest('at the pin, or not installed: bash applies nothing', () => {
  assert.is(runLines(listed('88.5.3')), '')
  assert.is(runLines('[]'), '')
})

linesTest('the pipeline is there as a line to copy, helm list on the configured context', () => {
  const lines = crdsBeforeUpgradeLines(kind, kps, renderCommand)
  assert.ok(lines.some((l) => l.trim() === `${crdsPipeline(kind, kps, renderCommand)} ;;`))
  assert.ok(
    lines.some((l) => l.includes("--filter '^kube-prometheus-stack$'") && l.includes('--kube-context kind-kind')),
  )
})

linesTest('a release without crdsBeforeUpgrade: no lines', () => {
  assert.equal(crdsBeforeUpgradeLines({}, aRelease(), renderCommand), [])
})

linesTest.run()

// CRDs left in the cluster before a fresh install

const leftoversTest = suite('crdVersionsCmd, crdVersionsIn, chartCrdVersion, leftoverCrds')
const ANNOTATION = 'operator.prometheus.io/version'

leftoversTest('works: every CRD by name and version, the annotation key escaped for jsonpath', () => {
  const cmd = crdVersionsCmd({}, ANNOTATION)
  assert.equal(cmd.argv.slice(0, 4), ['kubectl', 'get', 'crd', '-o'])
  // kubectl reads unescaped dots as steps into the object (the e2e upgrade test runs the real kubectl)
  assert.ok(cmd.argv[4].includes('{.metadata.annotations.operator\\.prometheus\\.io/version}'), cmd.argv[4])
})

leftoversTest('only the groups asked for; a CRD without the annotation has version ""', () => {
  const out = [
    'servicemonitors.monitoring.coreos.com\t0.79.2',
    'prometheuses.monitoring.coreos.com\t',
    'certificates.cert-manager.io\t',
    'monitoring.coreos.com.example.org\t1.0.0',
    '',
  ].join('\n')
  assert.equal(
    [...crdVersionsIn(out, ['monitoring.coreos.com'])],
    [
      ['servicemonitors.monitoring.coreos.com', '0.79.2'],
      ['prometheuses.monitoring.coreos.com', ''],
    ],
  )
  assert.is(crdVersionsIn('', ['monitoring.coreos.com']).size, 0)
})

leftoversTest("the chart's version: the first CRD that carries the annotation, quoted or not", () => {
  const crds = (v: string) =>
    `---\napiVersion: apiextensions.k8s.io/v1\nmetadata:\n  annotations:\n    ${ANNOTATION}: ${v}\n`
  assert.is(chartCrdVersion(crds('0.93.1') + crds('0.1.0'), ANNOTATION), '0.93.1')
  assert.is(chartCrdVersion(crds('"v0.93.1"'), ANNOTATION), 'v0.93.1')
  assert.is(chartCrdVersion('kind: CustomResourceDefinition\n', ANNOTATION), undefined)
  assert.is(chartCrdVersion(crds('0.93.1'), 'operator.prometheus.io/other'), undefined)
})

leftoversTest('older ones (by number, not by letter; none given counts as older) replaced, newer ones left', () => {
  const found = new Map([
    ['a.monitoring.coreos.com', '0.79.2'],
    ['b.monitoring.coreos.com', '0.93.1'],
    ['c.monitoring.coreos.com', '0.100.0'],
    ['d.monitoring.coreos.com', ''],
    ['e.monitoring.coreos.com', 'v0.9.0'],
  ])
  assert.equal(leftoverCrds(found, '0.93.1'), {
    older: ['a.monitoring.coreos.com', 'd.monitoring.coreos.com', 'e.monitoring.coreos.com'],
    newer: ['c.monitoring.coreos.com'],
  })
  assert.equal(leftoverCrds(new Map([['b.monitoring.coreos.com', 'v0.93.1']]), '0.93.1'), { older: [], newer: [] })
})

leftoversTest.run()
