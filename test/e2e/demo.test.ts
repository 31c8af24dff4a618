// `npm run demo` — the whole flow on kube-sim as a user runs it, saying plainly that the
// cluster is simulated, never touching the user's kubeconfig, and leaving nothing behind — also
// when interrupted with Ctrl-C mid-run.
import { stripVTControlCharacters } from 'node:util'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { root } from './harness.ts'

/** A user's machine: a home with a kubeconfig, a KUBECONFIG file elsewhere, its own TMPDIR. */
function aUserMachine() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-user-'))
  const home = path.join(base, 'home')
  const tmp = path.join(base, 'tmp')
  const kubeconfig = path.join(base, 'work-cluster.yaml')
  fs.mkdirSync(path.join(home, '.kube'), { recursive: true })
  fs.mkdirSync(tmp)
  const config = (name: string) =>
    `apiVersion: v1\nkind: Config\ncurrent-context: ${name}\n` +
    `contexts:\n- name: ${name}\n  context: {cluster: ${name}, user: ${name}}\n` +
    `clusters:\n- name: ${name}\n  cluster: {server: 'https://10.255.255.1:6443'}\n` +
    `users:\n- name: ${name}\n  user: {token: secret}\n`
  fs.writeFileSync(kubeconfig, config('production'))
  fs.writeFileSync(path.join(home, '.kube', 'config'), config('home-cluster'))
  const files = [kubeconfig, path.join(home, '.kube', 'config')]
  const snapshot = () =>
    files.map((f) => ({ file: f, bytes: fs.readFileSync(f).toString('base64'), mtimeMs: fs.statSync(f).mtimeMs }))
  const before = snapshot()
  const env: NodeJS.ProcessEnv = withoutUnset({
    ...process.env,
    HOME: home,
    KUBECONFIG: kubeconfig,
    TMPDIR: tmp,
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: undefined,
    // a user's own settings for the real cluster must not leak into the demo
    STACK_CONTEXT: 'production',
    HELM_REPOSITORY_CONFIG: path.join(home, 'repositories.yaml'),
  })
  return {
    env,
    tmp,
    untouched: () => assert.equal(snapshot(), before, "the user's kubeconfig files are byte for byte as they were"),
    /** what is left in TMPDIR, but for tsx's own compile cache (tsx-<uid>), which every run of the scripts keeps */
    leftInTmp: () => fs.readdirSync(tmp).filter((f) => !/^tsx-\d+$/.test(f)),
    /** processes started by the demo (they carry our TMPDIR) still alive */
    leftovers: () => processesWith(`TMPDIR=${tmp}`),
    remove: () => fs.rmSync(base, { recursive: true, force: true }),
  }
}

function withoutUnset(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined))
}

interface DemoRun {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
}

/** Runs `cmd` from the project root; `onOutput` sees the output so far and may return a signal to send. */
function run(
  cmd: string[],
  env: NodeJS.ProcessEnv,
  onOutput?: (output: string) => NodeJS.Signals | undefined,
): Promise<DemoRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let sent = false
    const guard = setTimeout(() => child.kill('SIGKILL'), 240_000)
    const collect = (chunk: Buffer) => {
      output += stripVTControlCharacters(chunk.toString())
      const signal = !sent && onOutput?.(output)
      if (signal) {
        sent = true
        child.kill(signal)
      }
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, output })
    })
  })
}

function processesWith(marker: string): string[] {
  const found: string[] = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (
        !fs
          .readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .some((v) => v.startsWith(marker))
      )
        continue
      found.push(`${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')}`)
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

const test = suite('npm run demo')

test(
  'works: all, verify, all again with nothing to do, teardown; ' + 'says it is simulated; touches nothing of the user',
  async () => {
    const user = aUserMachine()
    try {
      const demo = await run(['npm', 'run', 'demo'], user.env)
      assert.is(demo.code, 0, demo.output)
      const firstStep = demo.output.indexOf('━━ npm run all ━━')
      assert.ok(firstStep > 0, demo.output)
      const start = demo.output.slice(0, firstStep)
      assert.match(start, /SIMULATED cluster \(kube-sim\)/)
      assert.match(start, /What it proves:/)
      assert.match(start, /What it does not prove:.*images pull/s)
      assert.match(start, /Your kubeconfig and current context are not used or changed/)

      // the four steps, each with the scripts' own output
      for (const step of [
        'npm run all',
        'npm run verify',
        'npm run all (again: nothing to do)',
        'npm run teardown -- --yes',
      ]) {
        assert.ok(demo.output.includes(`━━ ${step} ━━`), `${step} ran`)
      }
      assert.match(demo.output, /Target: context kube-sim/)
      assert.not.match(demo.output, /production|home-cluster/, "the user's contexts are never used")
      assert.match(demo.output, /All \d+ checks passed/)
      assert.match(demo.output, /nothing to do: everything was already in place/)
      assert.match(demo.output, /✓ removed: helm release opentelemetry-operator/)

      const summary = demo.output.slice(demo.output.indexOf('Demo summary (simulated cluster)'))
      assert.match(summary, /✓ npm run all \(again: nothing to do\) +[\d.]+s; 0 new helm revisions \(4 releases\)/)
      assert.match(summary, /This ran on kube-sim, a simulated cluster/)
      assert.match(summary, /It does not show that\s+images pull/)
      assert.match(summary, /Your kubeconfig and current context were not touched/)

      user.untouched()
      assert.equal(user.leftInTmp(), [], 'the temporary folder is removed')
      assert.equal(user.leftovers(), [], 'no process left running')
    } finally {
      user.remove()
    }
  },
)

test('Ctrl-C mid-run: the script stops, then the simulated cluster; exit 130, nothing left behind', async () => {
  const user = aUserMachine()
  try {
    // interrupted while `npm run all` waits for the pods (the realistic profile: seconds per pod)
    const demo = await run([process.execPath, '--import=tsx', 'scripts/demo.mts'], user.env, (out) =>
      /Waiting ≤ \S+ for/.test(out) ? 'SIGINT' : undefined,
    )
    assert.is(demo.code, 130, demo.output)
    assert.match(demo.output, /Interrupted \(SIGINT\): stopping the running script, then the simulated cluster/)
    assert.match(demo.output, /Stopped the simulated cluster and the chart repository; removed /)
    assert.not.match(demo.output, /Demo summary/, 'no summary of a run that did not finish')
    assert.not.match(demo.output, /━━ npm run verify ━━/, 'no step starts after the interrupt')

    user.untouched()
    assert.equal(user.leftInTmp(), [], 'the temporary folder is removed')
    assert.equal(user.leftovers(), [], 'no script, kubectl or helm left running')
  } finally {
    user.remove()
  }
})

test('a wrong flag: exit 2 with the usage, before anything starts', async () => {
  const user = aUserMachine()
  try {
    const demo = await run([process.execPath, '--import=tsx', 'scripts/demo.mts', '--layer=v99'], user.env)
    assert.is(demo.code, 2, demo.output)
    assert.match(demo.output, /--layer must be one of v32, v35, not "v99"/)
    assert.match(demo.output, /Usage: npm run demo/)
    assert.equal(user.leftInTmp(), [])
  } finally {
    user.remove()
  }
})

test.run()
