// npm run grafana: refused with what to do when there is no stack, or no running Grafana pod
// behind its Service (the real kubectl port-forward against the simulator). kube-sim does not
// speak the port-forward protocol (a SPDY stream over an upgraded connection), so the forwarding
// itself is played by a kubectl wrapper first on PATH, as a shim (asdf, mise) sits there: it
// answers `port-forward` as kubectl does and hands everything else to the real kubectl. What is
// checked is ours: the command, the URL and user, the password on the clipboard (fed on stdin
// to a clipboard tool) or printed only on request, never elsewhere, and Ctrl-C ending the forward.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  kubectl,
  layers,
  leakedChildren,
  runScript,
  startCluster,
  startScript,
  startSuite,
  suiteLayers,
  until,
  type Cluster,
  type ScriptRun,
  type Suite,
} from './harness.ts'

const password = 'e2e-Gr4fana-pw-7c1d'
/** the shims' folders of the case under way */
const made: string[] = []
const grafana = 'kube-prometheus-stack-grafana'

/** The chart's Service and admin Secret, as kube-prometheus-stack creates them. */
async function grafanaObjects(c: Cluster, opts: { secret: boolean }): Promise<void> {
  await kubectl(c, 'create', 'namespace', 'monitoring')
  await kubectl(c, 'create', 'service', 'clusterip', grafana, '--tcp=80:3000', '-n', 'monitoring')
  if (opts.secret)
    await kubectl(
      c,
      ...['create', 'secret', 'generic', grafana, '-n', 'monitoring'],
      '--from-literal=admin-user=admin',
      `--from-literal=admin-password=${password}`,
    )
}

/**
 * A folder for PATH: `kubectl` answering port-forward as kubectl does (its pid and arguments
 * noted, then it waits to be ended), and `wl-copy` writing what it reads on stdin to a file.
 */
function shims(c: Cluster): { dir: string; env: NodeJS.ProcessEnv; read(name: string): string | undefined } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-e2e-'))
  made.push(dir)
  const real = path.join(c.suite.bin, 'kubectl')
  fs.writeFileSync(
    path.join(dir, 'kubectl'),
    `#!/usr/bin/env bash
if [[ " $* " == *" port-forward "* ]]; then
  echo "$*" > '${dir}/forward.args'
  echo $$ > '${dir}/forward.pid'
  echo 'Forwarding from 127.0.0.1:38123 -> 3000'
  exec sleep 600
fi
exec '${real}' "$@"
`,
    { mode: 0o755 },
  )
  fs.writeFileSync(path.join(dir, 'wl-copy'), `#!/usr/bin/env bash\ncat > '${dir}/clipboard'\n`, { mode: 0o755 })
  const env = {
    PATH: `${dir}:${c.env.PATH}`,
    WAYLAND_DISPLAY: 'wayland-e2e',
    DISPLAY: undefined,
    WSL_DISTRO_NAME: undefined,
  }
  const read = (name: string) => {
    const file = path.join(dir, name)
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
  }
  return { dir, env, read }
}

/** Runs npm run grafana until it has said where Grafana is, then presses Ctrl-C. */
async function openThenStop(c: Cluster, env: NodeJS.ProcessEnv, args: string[] = []): Promise<ScriptRun> {
  const run = startScript(c, 'grafana.mts', args, { env })
  await until('the password line', () => /^password {2}.+$/m.test(run.output()), 60_000)
  run.signal('SIGINT')
  return run.done
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

for (const layer of suiteLayers) {
  const test = suite(`npm run grafana, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  let c: Cluster

  test.before(async () => {
    s = await startSuite(layer)
  })
  test.before.each(async () => {
    c = await startCluster(s)
  })
  test.after.each(async () => {
    await c?.stop()
    // a forward a failing case left: ended here, so that no case outlives the suite
    for (const dir of made.splice(0)) {
      const pid = Number(fs.readFileSync(path.join(dir, 'forward.pid'), { encoding: 'utf8', flag: 'a+' }))
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL')
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
  test.after(async () => {
    await s?.stop()
  })

  test('works: the URL and user; the password on the clipboard and nowhere else; Ctrl-C ends the forward', async () => {
    await grafanaObjects(c, { secret: true })
    const fake = shims(c)
    const run = await openThenStop(c, fake.env)
    assert.match(run.stdout, /^Grafana {3}http:\/\/127\.0\.0\.1:38123$/m, run.output)
    assert.match(run.stdout, /^user {6}admin$/m)
    assert.match(run.stdout, /^password {2}copied to the clipboard \(wl-copy\)$/m)
    assert.is(fake.read('clipboard'), password, 'the clipboard tool read it on stdin')
    assert.not.ok(run.output.includes(password), 'the password is in the output')
    assert.is(
      fake.read('forward.args')?.trim(),
      `port-forward -n monitoring svc/${grafana} 3000:80 --address 127.0.0.1 --pod-running-timeout=10s`,
    )
    assert.is(run.exitCode, 130, run.output)
    assert.match(run.stderr, /Interrupted \(SIGINT\) during: Forwarding 127\.0\.0\.1:38123 to svc\//)
    assert.not.ok(alive(Number(fake.read('forward.pid'))), 'the port-forward outlived the script')
    assert.equal(leakedChildren(c), [])
  })

  test('--show-password: printed, not copied; --grafana-port 0: any free port', async () => {
    await grafanaObjects(c, { secret: true })
    const fake = shims(c)
    const run = await openThenStop(c, fake.env, ['--show-password', '--grafana-port', '0'])
    assert.match(run.stdout, new RegExp(`^password {2}${password}$`, 'm'), run.output)
    assert.not.ok(run.stderr.includes(password), 'the password is in the progress lines')
    assert.is(fake.read('clipboard'), undefined)
    assert.match(fake.read('forward.args') ?? '', / :80 --address 127\.0\.0\.1 /)
  })

  test('no clipboard tool: the password is not shown, and the flag that shows it is named', async () => {
    await grafanaObjects(c, { secret: true })
    const fake = shims(c)
    fs.rmSync(path.join(fake.dir, 'wl-copy'))
    const run = await openThenStop(c, fake.env)
    assert.match(run.stdout, /^password {2}not shown: no clipboard tool found .*--show-password/m, run.output)
    assert.not.ok(run.output.includes(password))
  })

  test('no stack: refused, naming the Service and the script to run first', async () => {
    const run = await runScript(c, 'grafana.mts')
    assert.is(run.exitCode, 1, run.output)
    assert.match(run.stderr, /✗ Grafana's Service monitoring\/kube-prometheus-stack-grafana was not found/)
    assert.match(run.stderr, /npm run all/)
    assert.is(run.stdout, '')
  })

  test('no admin Secret: refused, saying so', async () => {
    await grafanaObjects(c, { secret: false })
    const run = await runScript(c, 'grafana.mts')
    assert.is(run.exitCode, 1, run.output)
    assert.match(run.stderr, /✗ Secret monitoring\/kube-prometheus-stack-grafana not found/)
  })

  test('no running Grafana pod (the real kubectl port-forward): refused with its words, nothing left', async () => {
    await grafanaObjects(c, { secret: true })
    const run = await runScript(c, 'grafana.mts')
    assert.is(run.exitCode, 1, run.output)
    assert.match(run.stderr, /✗ kubectl port-forward to Grafana ended: error: timed out waiting for the condition/)
    assert.match(run.stderr, /Hint: is the Grafana pod running\? npm run status/)
    assert.not.match(run.stdout, /password/)
    assert.equal(leakedChildren(c), [])
  })

  test.run()
}
