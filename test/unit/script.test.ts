// A dry run prints the plan as a standalone bash script: checked here for its shape, its order,
// its refusals and that bash can parse it; e2e runs it against the simulator.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { planFor } from '../../lib/core/plan.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { projectRoot } from '../../lib/core/values.ts'
import { renderScript } from '../../lib/run/script.ts'
import { settingsOf } from '../../lib/run/sections.ts'

const configOf = (...argv: string[]) => buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({}))
const scriptOf = (scope: Parameters<typeof planFor>[1], ...argv: string[]) => {
  const config = configOf(...argv)
  return renderScript(config, { context: config.context }, planFor(config, scope), {
    printedBy: 'test',
    cwd: projectRoot,
  })
}
const bashParses = (text: string) => spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' })
const lineOf = (text: string, pattern: RegExp) => text.split('\n').findIndex((l) => pattern.test(l))

// renderScript

const renderScriptTest = suite('renderScript')

renderScriptTest('works: a bash script that stops at the first failing command, and that bash parses', () => {
  const text = scriptOf('all')
  assert.ok(text.startsWith('#!/usr/bin/env bash\n'), text.slice(0, 80))
  assert.match(text, /^set -euo pipefail$/m)
  const parsed = bashParses(text)
  assert.is(parsed.status, 0, parsed.stderr)
})

renderScriptTest('every step under its seed heading, in an order that runs: cert-manager before the operator', () => {
  const text = scriptOf('all')
  for (const heading of [
    '# §1 namespaces',
    '# §2.2 kube-prometheus-stack',
    '# §3 cert-manager',
    '# §5 checkpoint report',
  ]) {
    assert.ok(text.includes(heading), heading)
  }
  const certManager = lineOf(text, /^kubectl apply -f \S+cert-manager\.yaml$/)
  const operator = lineOf(text, /^helm upgrade --install opentelemetry-operator /)
  assert.ok(
    certManager > 0 && certManager < operator,
    `cert-manager at line ${certManager}, the operator at ${operator}`,
  )
})

renderScriptTest('idempotent where the seed is not: the namespace is created only when missing, with our mark', () => {
  const text = scriptOf('all')
  assert.ok(
    text.includes(
      [
        "kubectl get namespace monitoring >/dev/null 2>&1 || kubectl create -f - <<'EOF'",
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: monitoring',
        '  labels:',
        '    app.kubernetes.io/managed-by: monitoring-stack.workshop',
        'EOF',
      ].join('\n'),
    ),
    text,
  )
  assert.is(bashParses(text).status, 0)
})

renderScriptTest('the values files are named relative to where the script runs', () => {
  assert.match(scriptOf(['lgtm']), / -f values\/grafana-values\.yaml$/m)
  const config = configOf()
  const elsewhere = renderScript(config, {}, planFor(config, ['lgtm']), { printedBy: 'test', cwd: '/' })
  assert.ok(elsewhere.includes(` -f ${path.join(projectRoot, 'values', 'grafana-values.yaml').slice(1)}`), elsewhere)
})

renderScriptTest(
  '04 alone: cert-manager is checked before any helm command, and the script stops if it is missing',
  () => {
    const text = scriptOf(['otel-operator'])
    const check = lineOf(
      text,
      /^kubectl get crd issuers\.cert-manager\.io >\/dev\/null \|\| \{ echo .* >&2; exit 1; \}$/,
    )
    assert.ok(check > 0, text)
    assert.ok(check < lineOf(text, /^helm /), text)
    assert.not.ok(text.includes('kubectl apply -f'), 'run alone, 04 must not install cert-manager')
  },
)

renderScriptTest('--require-app: a missing app namespace stops the script; without it, a warning', () => {
  assert.match(
    scriptOf(['namespace'], '--require-app'),
    /^kubectl get namespace ticketing .*\|\| \{ echo .*; exit 1; \}$/m,
  )
  assert.match(scriptOf(['namespace']), /^kubectl get namespace ticketing .*\|\| echo 'warning: .*' >&2$/m)
})

renderScriptTest('--context and --namespace reach every command', () => {
  const text = scriptOf('all', '--context=kind-kind', '--namespace=observability')
  const commands = text.split('\n').filter((l) => /^(helm|kubectl) /.test(l) && !/^helm repo /.test(l))
  assert.ok(commands.length > 10)
  for (const c of commands) assert.match(c, /--(kube-)?context kind-kind/, c)
  assert.match(text, /helm upgrade --install loki \S+ --namespace observability /)
})

renderScriptTest('a webhook wait retries a server-side dry run until a deadline, and says so when it gives up', () => {
  const text = scriptOf(['cert-manager'], '--timeout=2m')
  assert.match(text, /^deadline=\$\(\(SECONDS \+ 120\)\)$/m)
  assert.match(text, /^until kubectl create --dry-run=server -f - >\/dev\/null 2>&1 <<'EOF'$/m)
  assert.match(text, /gave up after 2m waiting for the cert-manager webhook to answer/)
})

renderScriptTest.run()

// settingsOf

const settingsOfTest = suite('settingsOf')

settingsOfTest("works: a script's --help lists what its steps read, and the frame's own", () => {
  const config = configOf()
  const certManager = settingsOf(config, planFor(config, ['cert-manager']))
  assert.ok(certManager.includes('cert-manager-manifest') && certManager.includes('timeout'))
  assert.not.ok(certManager.includes('values-dir'))
  assert.not.ok(certManager.includes('purge'))
})

settingsOfTest('02 lists the repositories of its releases only, 04 its collector image', () => {
  const config = configOf()
  const lgtm = settingsOf(config, planFor(config, ['lgtm']))
  assert.ok(lgtm.includes('grafana-repo') && lgtm.includes('prometheus-community-repo'))
  assert.not.ok(lgtm.includes('open-telemetry-repo'))
  assert.not.ok(lgtm.includes('collector-image'))
  assert.ok(settingsOf(config, planFor(config, ['otel-operator'])).includes('collector-image'))
})

settingsOfTest('every name is a setting', () => {
  const config = configOf('--profile=current')
  const known = new Set(settingDefs.map((d) => d.flag))
  for (const name of settingsOf(config, planFor(config, 'all'))) assert.ok(known.has(name), name)
})

settingsOfTest.run()
