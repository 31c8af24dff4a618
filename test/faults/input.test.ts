// a broken environment (no kubeconfig, unreachable server, unknown context,
// helm or kubectl missing, helm 2) is a clear error with exit code 2; bad input (malformed values
// YAML, invalid names, unknown flags, bad durations, a missing manifest, a chart version the
// repository lacks) is refused before any change, the fix in the message; hostile values never
// reach a shell; and no secret (the kubeconfig's token, Grafana's admin password) appears in any
// output of any scenario. "Nothing changed" is read off the simulator: its resourceVersion.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  helm,
  knownSecrets,
  kubectl,
  layers,
  leakedSecrets,
  outputs,
  root,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
  valuesCopy,
  writesBesidesTheLock,
} from '../e2e/harness.ts'

/** A bin folder with only the named tools (and what zx needs to run a script). */
function binWith(dir: string, tools: Record<string, string>): string {
  const bin = path.join(dir, `bin-${Object.keys(tools).join('-') || 'none'}`)
  fs.mkdirSync(bin, { recursive: true })
  for (const [name, target] of Object.entries({ node: process.execPath, bash: '/bin/bash', ps: '/bin/ps', ...tools })) {
    if (target.startsWith('#!')) fs.writeFileSync(path.join(bin, name), target, { mode: 0o755 })
    else fs.symlinkSync(target, path.join(bin, name))
  }
  return bin
}

for (const layer of suiteLayers) {
  const test = suite(`bad environment and bad input, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster
  const timings: string[] = []

  // npm test (FAULTS=quick) runs the refusals made before any change; npm run test:faults every case
  const everyCase = process.env.FAULTS !== 'quick'
  const slowCase = (name: string, fn: () => Promise<void> | void) => {
    if (everyCase) test(name, fn)
  }

  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s)
    await kubectl(c, 'create', 'namespace', 'ticketing')
  })
  test.after(async () => {
    console.log(`\n  environment errors (${layer}): ${timings.join(', ')}`)
    await c?.stop()
    await s?.stop()
  })

  /** Runs a script that must be refused: exit code, the words of the message, and nothing changed. */
  async function refused(
    what: string,
    script: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    code: number,
    words: RegExp[],
  ) {
    const started = Date.now()
    const { result: run, writes } = await writesBesidesTheLock(c, () => runScript(c, script, args, { env }))
    timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)}s`)
    assert.is(run.exitCode, code, `${what}:\n${run.output}`)
    for (const word of words) assert.match(run.stderr, word, `${what}: ${word}`)
    assert.equal(writes, [], `${what}: the cluster was changed`)
  }

  const tool = (name: string) => path.join(s.bin, name)

  test('no kubeconfig: exit 2, says how to get a cluster', () =>
    refused('no kubeconfig', 'all.mts', [], { KUBECONFIG: path.join(c.dir, 'absent') }, 2, [
      /no current context/,
      /kind create cluster|set KUBECONFIG/,
      /npm run demo.*--dry-run/,
    ]))

  slowCase('an unreachable server: exit 2, names the context and what to start', async () => {
    const kubeconfig = path.join(c.dir, 'unreachable')
    fs.writeFileSync(
      kubeconfig,
      fs.readFileSync(c.sim.kubeconfig, 'utf8').replace(/server: .*/, 'server: http://127.0.0.1:9'),
      { mode: 0o600 },
    )
    await refused('unreachable server', 'all.mts', [], { KUBECONFIG: kubeconfig }, 2, [
      /the cluster of context "kube-sim" is not reachable/,
      /start the cluster/,
      /npm run demo.*--dry-run/,
    ])
  })

  slowCase(
    'a server that accepts connections and never answers: ' + 'exit 2 after one 5 s try, not a minute of retries',
    async () => {
      const silent = net.createServer(() => {})
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const kubeconfig = path.join(c.dir, 'silent')
        fs.writeFileSync(
          kubeconfig,
          fs
            .readFileSync(c.sim.kubeconfig, 'utf8')
            .replace(/server: .*/, `server: http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`),
          { mode: 0o600 },
        )
        await refused('silent server', 'all.mts', [], { KUBECONFIG: kubeconfig }, 2, [
          /the cluster of context "kube-sim" is not reachable/,
        ])
      } finally {
        silent.close()
      }
    },
  )

  test('an unknown context: exit 2, lists the known ones', () =>
    refused('unknown context', '01-namespace.mts', ['--context=staging'], {}, 2, [
      /context "staging" is not in your kubeconfig/,
      /known contexts: kube-sim/,
    ]))

  test('helm missing: exit 2, says where to get it', () =>
    refused('helm missing', 'all.mts', [], { PATH: binWith(c.dir, { kubectl: tool('kubectl') }) }, 2, [
      /helm was not found on PATH/,
      /helm\.sh/,
    ]))

  test('kubectl missing: exit 2, says where to get it', () =>
    refused('kubectl missing', 'all.mts', [], { PATH: binWith(c.dir, { helm: tool('helm') }) }, 2, [
      /kubectl was not found on PATH/,
    ]))

  test('helm 2: exit 2, helm 3 or 4 needed', () =>
    refused(
      'helm 2',
      'all.mts',
      [],
      {
        PATH: binWith(c.dir, { kubectl: tool('kubectl'), helm: "#!/bin/bash\necho 'Client: v2.17.0+ga690bad'\n" }),
      },
      2,
      [/v2\.17\.0/, /helm 3 or 4 is needed/],
    ))

  test('malformed values YAML: refused with file, line and column', async () => {
    const dir = path.join(c.dir, 'bad-values')
    fs.cpSync(path.join(root, 'values'), dir, { recursive: true })
    fs.appendFileSync(path.join(dir, 'tempo-values.yaml'), 'tempo:\n  retention: [24h\n')
    await refused('malformed YAML', 'all.mts', [`--values-dir=${dir}`], {}, 2, [
      /tempo-values\.yaml/,
      /line \d+, column \d+|:\d+:\d+/,
    ])
  })

  test('bad settings, all reported at once: namespace, flag, duration, manifest path', () =>
    refused(
      'bad settings',
      'all.mts',
      [
        '--namespace=Monitoring_NS',
        '--timeout=5 minutes',
        '--no-such-flag',
        '--cert-manager-manifest=/nowhere/cert-manager.yaml',
      ],
      {},
      2,
      [/--namespace/, /--timeout/, /--no-such-flag/, /\/nowhere\/cert-manager\.yaml/],
    ))

  test('a chart version the repository does not have: refused before any change, saying how to pick one', async () => {
    assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
    await refused('missing chart version', '02-lgtm.mts', ['--tempo-version=9.9.9'], {}, 1, [
      /chart version not found: grafana\/tempo 9\.9\.9/,
      /helm search repo grafana\/tempo --versions/,
      /--tempo-version/,
    ])
  })

  test('hostile values are rejected by validation and never reach a shell', async () => {
    const canary = path.join(c.dir, 'pwned')
    for (const [flag, value] of [
      ['--namespace', `monitoring;touch ${canary}`],
      ['--context', `$(touch ${canary})`],
      ['--collector-image', `otel/collector\`touch ${canary}\``],
      ['--tempo-version', '1.24.4 --post-renderer=/bin/sh'],
      ['--app-namespace', 'ticketing\nrm -rf /'],
      ['--grafana-repo', `http://example.com/charts; touch ${canary}`],
    ]) {
      await refused(`hostile ${flag}`, 'all.mts', [`${flag}=${value}`], {}, 2, [new RegExp(flag.replace(/-/g, '\\-'))])
    }
    const viaEnv = await runScript(c, 'all.mts', [], { env: { STACK_NAMESPACE: `$(touch ${canary})` } })
    assert.is(viaEnv.exitCode, 2, viaEnv.output)
    assert.ok(!fs.existsSync(canary), 'a hostile value reached a shell')
  })

  slowCase('secrets: a failing install of a custom Grafana password, with --verbose, never shows it', async () => {
    const password = `S3cret-${Math.random().toString(36).slice(2)}`
    knownSecrets.push(password)
    const dir = valuesCopy(c.dir, 'secret-values', 'grafana-values.yaml', (v) => {
      v.grafana.adminPassword = password
    })
    c.sim.faults.pods.set('^kube-prometheus-stack-grafana-', { kind: 'crashLoop' })
    const run = await runScript(c, 'all.mts', ['--verbose', `--values-dir=${dir}`])
    c.sim.faults.pods.clear()
    assert.is(run.exitCode, 1, run.output)
    assert.match(run.stderr, /CrashLoopBackOff/)
    const status = await runScript(c, 'status.mts', ['--json'])
    const verify = await runScript(c, '05-verify.mts', ['--verbose'])
    assert.ok(verify.output.length > 0 && status.output.length > 0)
    // the password is in the cluster, so a leak was possible: prove the check would see one
    const stored = (
      await kubectl(
        c,
        'get',
        'secret',
        'kube-prometheus-stack-grafana',
        '-n',
        'monitoring',
        '-o',
        'jsonpath={.data.admin-password}',
      )
    ).stdout
    assert.is(Buffer.from(stored, 'base64').toString(), password)
    assert.equal(leakedSecrets([`oops ${password}`], [password]).length, 1, 'the leak check cannot see a leak')
  })

  slowCase(
    'secrets: credentials in a chart mirror and a manifest URL are never shown: run, dry run, failure',
    async () => {
      const password = `Mirr0r-${Math.random().toString(36).slice(2)}`
      knownSecrets.push(password)
      const mirror = s.repo.url.replace('http://', `http://ops:${password}@`)
      // the repositories are what matters here: the waits after them are cut short (Grafana may still crash-loop)
      const run = await runScript(c, '02-lgtm.mts', ['--verbose', `--chart-mirror=${mirror}`, '--timeout=10s'])
      assert.ok(run.output.includes('***@127.0.0.1'), run.output)
      // helm keeps them in its repository list, so a leak was possible
      assert.ok((await helm(c, 'repo', 'list', '-o', 'json')).stdout.includes(password), 'the mirror was not used')
      const dry = await runScript(c, 'all.mts', ['--dry-run', `--chart-mirror=${mirror}`])
      assert.is(dry.exitCode, 0, dry.output)
      assert.match(dry.stdout, /"http:\/\/\$\{STACK_URL_CREDENTIALS\}@127\.0\.0\.1:\d+\/grafana"/)
      const manifest = `http://ops:${password}@127.0.0.1:9/cert-manager.yaml`
      const failing = await runScript(c, '03-cert-manager.mts', ['--verbose', `--cert-manager-manifest=${manifest}`])
      assert.is.not(failing.exitCode, 0, failing.output)
      assert.match(failing.stderr, /http:\/\/\*\*\*@127\.0\.0\.1:9\/cert-manager\.yaml/)
    },
  )

  slowCase('no output of any scenario in this run shows a secret', () => {
    assert.ok(outputs.length >= 15, `${outputs.length} outputs collected`)
    assert.ok(knownSecrets.length >= 2)
    assert.equal(leakedSecrets(), [])
  })

  test.run()
}
