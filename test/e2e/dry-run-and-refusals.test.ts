// a dry run changes nothing and prints a script that installs the
// stack; 04 before 03 is refused, naming 03, with nothing installed; a missing app namespace
// is a warning, or with --require-app an error with nothing changed.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { $ } from 'zx'
import type { ProfileName } from '../../lib/core/stack.ts'
import {
  helm,
  kubectl,
  kubectlJson,
  releases,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  suiteProfiles,
  layers,
  type Cluster,
  type Suite,
  writesBesidesTheLock,
} from './harness.ts'

for (const layer of suiteLayers) {
  const test = suite(`dry run and refusals, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite

  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  async function withCluster(fn: (c: Cluster) => Promise<void>, stackProfile: ProfileName = 'seed') {
    const c = await startCluster(s, { stackProfile })
    try {
      await fn(c)
    } finally {
      await c.stop()
    }
  }

  for (const profile of suiteProfiles)
    test(
      `--dry-run --profile ${profile} changes nothing, ` +
        'and the commands it prints install the stack when run by a shell',
      () =>
        withCluster(async (c) => {
          await kubectl(c, 'create', 'namespace', 'ticketing')
          const before = c.sim.store.resourceVersion
          const namespacesBefore = (await kubectlJson(c, 'get', 'namespaces')).items.map((n: any) => n.metadata.name)
          const dry = await runScript(c, 'all.mts', ['--dry-run'])
          assert.is(dry.exitCode, 0, dry.output)
          assert.is(c.sim.store.resourceVersion, before, 'a dry run wrote to the cluster')
          assert.equal(
            (await kubectlJson(c, 'get', 'namespaces')).items.map((n: any) => n.metadata.name),
            namespacesBefore,
          )
          assert.equal(await releases(c), [])
          assert.match(
            dry.stdout,
            /^helm upgrade --install kube-prometheus-stack prometheus-community\/kube-prometheus-stack /m,
          )

          const shell = await $({
            cwd: root,
            env: c.env,
            input: dry.stdout,
            quiet: true,
            nothrow: true,
          })`bash -euo pipefail`.timeout(240_000)
          assert.is(shell.exitCode, 0, `the printed script failed:\n${shell.stderr}`)
          const verify = await runScript(c, '05-verify.mts')
          assert.is(verify.exitCode, 0, verify.output)
        }, profile),
    )

  test("npm run export: each file, run by bash in the seed's order, installs the stack; teardown.sh removes it", () =>
    withCluster(async (c) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-'))
      try {
        // no cluster needed to write them; the simulated cluster reads as kind, so the files are written for kind,
        // as their first lines tell a user to (else a later npm run all adds the kind overlays: an upgrade)
        const exported = await runScript(c, 'export.mts', [`--export-dir=${dir}/steps`, '--flavour=kind'], {
          env: { KUBECONFIG: '/nonexistent/kubeconfig' },
        })
        assert.is(exported.exitCode, 0, exported.output)
        assert.equal(fs.readdirSync(path.join(dir, 'steps')).sort(), [
          '01-namespace.sh',
          '02-lgtm.sh',
          '03-cert-manager.sh',
          '04-otel-operator.sh',
          '05-verify.sh',
          'README.txt',
          'all.sh',
          'teardown.sh',
          'values',
        ])
        const bash = (file: string) =>
          $({ cwd: dir, env: c.env, quiet: true, nothrow: true })`bash ${path.join('steps', file)}`.timeout(240_000)
        // 04 before 03 stops before any helm command
        const early = await bash('04-otel-operator.sh')
        assert.is.not(early.exitCode, 0)
        assert.match(early.stderr, /run 01-namespace first|run 03-cert-manager first/)
        assert.equal(await releases(c), [])
        for (const file of [
          '01-namespace.sh',
          '02-lgtm.sh',
          '03-cert-manager.sh',
          '04-otel-operator.sh',
          '05-verify.sh',
        ]) {
          const run = await bash(file)
          assert.is(run.exitCode, 0, `${file}:\n${run.stderr}`)
        }
        const verify = await runScript(c, '05-verify.mts')
        assert.is(verify.exitCode, 0, verify.output)
        // the same state as npm run all: a run after the files changes nothing
        const again = await runScript(c, 'all.mts')
        assert.is(again.exitCode, 0, again.output)
        assert.match(again.stderr, /nothing to do/)
        const teardown = await bash('teardown.sh')
        assert.is(teardown.exitCode, 0, teardown.stderr)
        assert.equal(await releases(c), [])
        assert.is((await kubectl(c, 'get', 'namespace', 'cert-manager')).exitCode, 1, 'cert-manager was not removed')
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }))

  test('--dry-run works with no cluster at all', () =>
    withCluster(async (c) => {
      const dry = await runScript(c, 'all.mts', ['--dry-run'], { env: { KUBECONFIG: '/nonexistent/kubeconfig' } })
      assert.is(dry.exitCode, 0, dry.output)
      assert.match(dry.stdout, /kubectl apply -f \S*cert-manager\.yaml/)
    }))

  test('04 before 03 is refused, naming 03, and installs nothing', () =>
    withCluster(async (c) => {
      assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
      const run = await runScript(c, '04-otel-operator.mts')
      assert.is(run.exitCode, 1, run.output)
      assert.match(run.stderr, /cert-manager is not installed/)
      assert.match(run.stderr, /scripts\/03-cert-manager\.mts/)
      assert.equal(await releases(c), [])
      // why we refuse: the seed's helm command, run before cert-manager, fails on the chart's Issuer
      assert.is((await helm(c, 'repo', 'add', 'open-telemetry', s.repo.repoUrl('open-telemetry'))).exitCode, 0)
      const raw = await helm(
        c,
        'install',
        'opentelemetry-operator',
        'open-telemetry/opentelemetry-operator',
        '-n',
        'monitoring',
        '--set-string',
        'manager.collectorImage.repository=otel/opentelemetry-collector-k8s',
      )
      assert.is.not(raw.exitCode, 0)
      assert.match(raw.stderr, /no matches for kind "(Issuer|Certificate)" in version "cert-manager\.io\/v1"/)
    }))

  test('a missing ticketing namespace is a warning pointing at the app deployment step', () =>
    withCluster(async (c) => {
      const run = await runScript(c, '01-namespace.mts')
      assert.is(run.exitCode, 0, run.output)
      assert.match(run.stderr, /namespace ticketing not found.*04-app-deploy/)
      assert.is((await kubectl(c, 'get', 'namespace', 'monitoring')).exitCode, 0)
    }))

  test('--require-app turns the missing ticketing namespace into an error, with nothing changed', () =>
    withCluster(async (c) => {
      const { result: run, writes } = await writesBesidesTheLock(c, () =>
        runScript(c, '01-namespace.mts', ['--require-app']),
      )
      assert.is(run.exitCode, 1, run.output)
      assert.match(run.stderr, /namespace ticketing not found/)
      assert.is((await kubectl(c, 'get', 'namespace', 'monitoring')).exitCode, 1)
      assert.equal(writes, [])
    }))

  test('bad settings are all reported at once, with exit code 2, before the cluster is touched', () =>
    withCluster(async (c) => {
      const before = c.sim.store.resourceVersion
      const run = await runScript(c, 'all.mts', ['--namespace=Bad_Name', '--timeout=soon', '--no-such-flag'])
      assert.is(run.exitCode, 2, run.output)
      for (const word of ['--namespace', '--timeout', '--no-such-flag']) assert.match(run.stderr, word)
      assert.is(c.sim.store.resourceVersion, before)
    }))

  test.run()
}
