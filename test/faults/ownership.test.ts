// teardown deletes only what is ours. A user's ConfigMap and Secret keep the
// stack's namespace (and are named); a user's Instrumentation and ServiceMonitor in the app's
// namespace make --purge refuse before anything is deleted, naming them and
// --purge-foreign-resources, which then takes them, asked again on a terminal; a namespace that
// was there before the install, and cert-manager's namespace holding a user's Secret, stay; the
// printed teardown (--dry-run) keeps the same guarantees in bash. Checked on what the user reads
// and on the cluster afterwards.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import {
  kubectl,
  kubectlIn,
  kubectlJson,
  layers,
  releases,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
} from '../e2e/harness.ts'

const crdGroups = ['monitoring.coreos.com', 'cert-manager.io', 'acme.cert-manager.io', 'opentelemetry.io']

async function exists(c: Cluster, ...args: string[]): Promise<boolean> {
  return (await kubectl(c, 'get', ...args)).exitCode === 0
}

async function stackCrds(c: Cluster): Promise<number> {
  return (await kubectlJson(c, 'get', 'crds')).items.filter((crd: any) => crdGroups.includes(crd.spec.group)).length
}

/** What section 06 and a user create in the app's namespace: an Instrumentation and a ServiceMonitor. */
async function userCustomResources(c: Cluster): Promise<void> {
  const created = await kubectlIn(
    c,
    [
      'apiVersion: opentelemetry.io/v1alpha1',
      'kind: Instrumentation',
      'metadata: {name: ticketing, namespace: ticketing}',
      'spec: {exporter: {endpoint: "http://otel-collector.monitoring:4318"}}',
      '---',
      'apiVersion: monitoring.coreos.com/v1',
      'kind: ServiceMonitor',
      'metadata: {name: ticketing-api, namespace: ticketing}',
      'spec: {selector: {matchLabels: {app: ticketing-api}}, endpoints: [{port: http}]}',
    ].join('\n'),
    'apply',
    '-f',
    '-',
  )
  assert.is(created.exitCode, 0, created.stderr)
}

/**
 * Runs teardown on a terminal (a pty, as `script` gives one), answering each question when it is
 * asked, `meanwhile` done before the first answer; returns what the terminal showed and the exit code.
 */
async function onTerminal(
  c: Cluster,
  args: string[],
  answers: string[],
  meanwhile: () => Promise<unknown> = async () => {},
): Promise<{ exitCode: number; shown: string }> {
  const command = ['node', path.join(root, 'node_modules/zx/build/cli.js'), 'scripts/teardown.mts', ...args]
  const child = spawn('script', ['-qec', command.join(' '), '/dev/null'], { cwd: root, env: c.env })
  let shown = ''
  let answered = 0
  child.stdout.on('data', (d) => {
    shown += d
    // one answer per question, once that question is on the screen
    const asked = (shown.match(/\[y\/N\]/g) ?? []).length
    if (asked <= answered || answered >= answers.length) return
    const answer = answers[answered++]
    void (answered === 1 ? meanwhile() : Promise.resolve()).then(() => child.stdin.write(`${answer}\n`))
  })
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  // the terminal's own: carriage returns, and readline's cursor moves around a prompt
  return { exitCode, shown: stripVTControlCharacters(shown).replace(/\r/g, '') }
}

for (const layer of suiteLayers) {
  const test = suite(`teardown deletes only what is ours, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  /** A cluster with the app's namespace (and its ConfigMap), `before` done to it, then the stack installed. */
  async function withStack(fn: (c: Cluster) => Promise<void>, before?: (c: Cluster) => Promise<unknown>) {
    const c = await startCluster(s)
    try {
      await kubectl(c, 'create', 'namespace', 'ticketing')
      await kubectl(c, 'create', 'configmap', 'app-config', '-n', 'ticketing', '--from-literal=mode=prod')
      await before?.(c)
      const run = await runScript(c, 'all.mts')
      assert.is(run.exitCode, 0, run.output)
      await fn(c)
      assert.ok(await exists(c, 'configmap', 'app-config', '-n', 'ticketing'), "the app's ConfigMap was deleted")
    } finally {
      await c.stop()
    }
  }

  // the two the issue reports: npm test runs them (FAULTS=quick)
  const cases: { name: string; quick?: boolean; run: () => Promise<void> }[] = [
    {
      name: "a user's ConfigMap and Secret in the stack's namespace: --purge keeps it and says why; ours goes",
      quick: true,
      run: () =>
        withStack(async (c) => {
          await kubectl(c, 'create', 'configmap', 'user-settings', '-n', 'monitoring', '--from-literal=a=b')
          await kubectl(c, 'create', 'secret', 'generic', 'user-token', '-n', 'monitoring', '--from-literal=t=x')
          const run = await runScript(c, 'teardown.mts', ['--purge', '--yes'])
          assert.is(run.exitCode, 0, run.output)
          assert.match(
            run.stderr,
            /namespace monitoring stays: it also holds ConfigMap user-settings, Secret user-token, not created by these scripts/,
          )
          assert.not.match(run.stderr, /^ {2}- namespace monitoring$/m)
          assert.ok(await exists(c, 'configmap', 'user-settings', '-n', 'monitoring'))
          assert.ok(await exists(c, 'secret', 'user-token', '-n', 'monitoring'))
          assert.equal(await releases(c), [])
          assert.is(await stackCrds(c), 0)
          assert.not.ok(await exists(c, 'namespace', 'cert-manager'), 'cert-manager namespace left behind')

          // only those two kept it: without them, the next --purge takes it
          await kubectl(c, 'delete', 'configmap', 'user-settings', '-n', 'monitoring')
          await kubectl(c, 'delete', 'secret', 'user-token', '-n', 'monitoring')
          const again = await runScript(c, 'teardown.mts', ['--purge', '--yes'])
          assert.is(again.exitCode, 0, again.output)
          assert.not.ok(await exists(c, 'namespace', 'monitoring'), 'monitoring namespace left behind')
        }),
    },
    {
      name:
        "a user's Instrumentation and ServiceMonitor in the app's namespace: --purge refuses, naming them and the " +
        'flag, and deletes nothing; with --purge-foreign-resources they go',
      quick: true,
      run: () =>
        withStack(async (c) => {
          await userCustomResources(c)
          const crdsBefore = await stackCrds(c)
          const run = await runScript(c, 'teardown.mts', ['--purge', '--yes'])
          assert.is(run.exitCode, 1, run.output)
          assert.match(
            run.stderr,
            /--purge would delete, with their CRDs, 2 custom resources these scripts did not create \(nothing was deleted\)/,
          )
          assert.match(run.stderr, /- Instrumentation ticketing\/ticketing$/m)
          assert.match(run.stderr, /- ServiceMonitor ticketing\/ticketing-api$/m)
          assert.match(run.stderr, /pass --purge-foreign-resources to delete them too/)
          assert.not.match(run.stderr, /kube-prometheus-stack-prometheus/, 'a custom resource of ours named as foreign')
          assert.is((await releases(c)).length, 4, 'a release was removed')
          assert.is(await stackCrds(c), crdsBefore)
          assert.ok(await exists(c, 'instrumentation', 'ticketing', '-n', 'ticketing'))
          assert.ok(await exists(c, 'servicemonitor', 'ticketing-api', '-n', 'ticketing'))
          assert.ok(await exists(c, 'namespace', 'cert-manager'))

          const flagAlone = await runScript(c, 'teardown.mts', ['--purge-foreign-resources', '--yes'])
          assert.is(flagAlone.exitCode, 2, flagAlone.output)
          assert.match(flagAlone.stderr, /--purge-foreign-resources goes with --purge/)

          const forced = await runScript(c, 'teardown.mts', ['--purge', '--purge-foreign-resources', '--yes'])
          assert.is(forced.exitCode, 0, forced.output)
          assert.match(forced.stderr, /Instrumentation ticketing\/ticketing: NOT created by these scripts/)
          assert.not.ok(await exists(c, 'instrumentation', 'ticketing', '-n', 'ticketing'))
          assert.is(await stackCrds(c), 0)
          assert.not.ok(await exists(c, 'namespace', 'monitoring'), 'monitoring namespace left behind')
          assert.ok(await exists(c, 'namespace', 'ticketing'))
        }),
    },
    {
      name: 'on a terminal, --purge-foreign-resources asks again: no to that deletes nothing, yes deletes them',
      run: () =>
        withStack(async (c) => {
          await userCustomResources(c)
          const declined = await onTerminal(c, ['--purge', '--purge-foreign-resources'], ['y', 'n'])
          assert.is(declined.exitCode, 1, declined.shown)
          assert.match(declined.shown, /Delete all of the above\? \[y\/N\] y\n/)
          assert.match(
            declined.shown,
            /Also the 2 custom resources above that these scripts did not create\? \[y\/N\] n/,
          )
          assert.match(declined.shown, /Cancelled: nothing was deleted/)
          assert.is((await releases(c)).length, 4)
          assert.ok(await exists(c, 'instrumentation', 'ticketing', '-n', 'ticketing'))

          const accepted = await onTerminal(c, ['--purge', '--purge-foreign-resources'], ['y', 'y'])
          assert.is(accepted.exitCode, 0, accepted.shown)
          assert.not.ok(await exists(c, 'instrumentation', 'ticketing', '-n', 'ticketing'))
          assert.is(await stackCrds(c), 0)
        }),
    },
    {
      name: "a user's ConfigMap created while teardown --purge waits at its question: the namespace stays all the same",
      run: () =>
        withStack(async (c) => {
          const run = await onTerminal(c, ['--purge'], ['y'], () =>
            kubectl(c, 'create', 'configmap', 'late-settings', '-n', 'monitoring'),
          )
          assert.is(run.exitCode, 0, run.shown)
          assert.match(run.shown, /^ {2}- namespace monitoring$/m)
          assert.match(run.shown, /namespace monitoring stays: it also holds ConfigMap late-settings/)
          assert.match(run.shown, /removed: .*helm release kube-prometheus-stack/)
          assert.not.match(run.shown, /removed: .*; namespace monitoring$/m)
          assert.ok(await exists(c, 'configmap', 'late-settings', '-n', 'monitoring'))
          assert.equal(await releases(c), [])
        }),
    },
    {
      name: 'a namespace that was there before the install is never deleted, not even emptied by --purge',
      run: () =>
        withStack(
          async (c) => {
            const run = await runScript(c, 'teardown.mts', ['--purge', '--yes'])
            assert.is(run.exitCode, 0, run.output)
            assert.match(run.stderr, /namespace monitoring stays: these scripts did not create it/)
            assert.equal(await releases(c), [])
            assert.ok(await exists(c, 'namespace', 'monitoring'))
          },
          (c) => kubectl(c, 'create', 'namespace', 'monitoring'),
        ),
    },
    {
      name:
        "cert-manager's namespace holding a user's Secret: cert-manager goes, the namespace and the Secret stay, " +
        'our mark comes off it, and a second teardown has nothing to remove',
      run: () =>
        withStack(async (c) => {
          // a ClusterIssuer's CA key pair lives in cert-manager's namespace
          await kubectl(c, 'create', 'secret', 'generic', 'company-ca', '-n', 'cert-manager', '--from-literal=k=v')
          const run = await runScript(c, 'teardown.mts', ['--yes'])
          assert.is(run.exitCode, 0, run.output)
          assert.match(
            run.stderr,
            /namespace cert-manager stays: it also holds Secret company-ca, not created by these scripts/,
          )
          assert.ok(await exists(c, 'secret', 'company-ca', '-n', 'cert-manager'))
          assert.equal((await kubectlJson(c, 'get', 'deployments', '-n', 'cert-manager')).items, [])
          const again = await runScript(c, 'teardown.mts', ['--yes'])
          assert.is(again.exitCode, 0, again.output)
          assert.match(again.stderr, /nothing to remove/)
        }),
    },
    {
      name: 'the printed teardown (--dry-run) keeps the same guarantees: it refuses, then keeps the namespace',
      run: () =>
        withStack(async (c) => {
          await userCustomResources(c)
          const printed = await runScript(c, 'teardown.mts', ['--purge', '--dry-run'])
          assert.is(printed.exitCode, 0, printed.output)
          const bash = () =>
            $({ cwd: root, env: c.env, input: printed.stdout, quiet: true, nothrow: true })`bash`.timeout(240_000)
          const refused = await bash()
          assert.is(refused.exitCode, 1, refused.stderr)
          assert.match(refused.stderr, /^ {2}Instrumentation ticketing\/ticketing$/m)
          assert.match(refused.stderr, /--purge-foreign-resources/)
          assert.is((await releases(c)).length, 4, 'a release was removed')

          await kubectl(c, 'delete', 'instrumentation', 'ticketing', '-n', 'ticketing')
          await kubectl(c, 'delete', 'servicemonitor', 'ticketing-api', '-n', 'ticketing')
          await kubectl(c, 'create', 'configmap', 'user-settings', '-n', 'monitoring')
          const kept = await bash()
          assert.is(kept.exitCode, 0, kept.stderr)
          assert.match(kept.stderr, /namespace monitoring stays: it also holds ConfigMap\/user-settings/)
          assert.equal(await releases(c), [])
          assert.is(await stackCrds(c), 0)
          assert.ok(await exists(c, 'configmap', 'user-settings', '-n', 'monitoring'))
          assert.not.ok(await exists(c, 'namespace', 'cert-manager'), 'cert-manager namespace left behind')

          await kubectl(c, 'delete', 'configmap', 'user-settings', '-n', 'monitoring')
          const emptied = await bash()
          assert.is(emptied.exitCode, 0, emptied.stderr)
          assert.not.ok(await exists(c, 'namespace', 'monitoring'), 'monitoring namespace left behind')
        }),
    },
  ]
  for (const c of cases.filter((c) => c.quick || process.env.FAULTS !== 'quick')) test(c.name, c.run)

  test.run()
}
