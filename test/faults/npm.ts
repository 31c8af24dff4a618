// `npm run all` as a user starts it: npm in a process group of its own (as a terminal's job is),
// its shell, the script and the script's kubectl and helm under it. A signal can go to the
// script alone, to the whole group (a terminal's Ctrl-C, a closed terminal) or to npm alone (a CI
// runner cancelling its job). What is left afterwards is read from /proc.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { constants as osConstants } from 'node:os'
import { outputs, root, type Cluster, type ScriptRun } from '../e2e/harness.ts'

export type Target = 'script' | 'group' | 'npm'

export interface NpmRun {
  /** sends the signal to the target; `script` waits until npm has started it (false: the run ended first) */
  signal(signal: NodeJS.Signals, to: Target): Promise<boolean>
  /** stdout and stderr so far */
  output(): string
  /** settles once npm and everything holding its output (the script) have ended */
  done: Promise<ScriptRun>
  /** whether `done` has settled */
  ended(): boolean
}

/** Starts `npm run <script> -- <args>` with the cluster's environment, in its own process group. */
export function startNpm(c: Cluster, script = 'all', args: string[] = [], env: NodeJS.ProcessEnv = {}): NpmRun {
  const npm = spawn('npm', ['run', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: { ...c.env, npm_config_update_notifier: 'false', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let ended = false
  npm.stdout.on('data', (d) => (stdout += d))
  npm.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<ScriptRun>((resolve) =>
    npm.on('close', (code, signal) => {
      ended = true
      const run = {
        exitCode: code ?? (signal ? 128 + osConstants.signals[signal] : null),
        stdout,
        stderr,
        output: `${stdout}\n${stderr}`,
      }
      outputs.push(run.output)
      resolve(run)
    }),
  )
  const signal = async (name: NodeJS.Signals, to: Target) => {
    let pid = to === 'group' ? -npm.pid! : npm.pid!
    if (to === 'script') {
      for (;;) {
        if (ended) return false
        const running = processesOf(c).find(
          (p) => p.argv[0].endsWith('node') && p.argv.includes(`scripts/${script}.mts`),
        )
        if (running) {
          pid = running.pid
          break
        }
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    try {
      process.kill(pid, name)
      return true
    } catch {
      return false // gone already
    }
  }
  return { signal, output: () => `${stdout}\n${stderr}`, done, ended: () => ended }
}

export interface OurProcess {
  pid: number
  argv: string[]
}

/** Every live process with this cluster's kubeconfig in its environment: npm, its shell, the script, kubectl, helm. */
export function processesOf(c: Pick<Cluster, 'sim'>): OurProcess[] {
  const found: OurProcess[] = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
      if (!environ.includes(`KUBECONFIG=${c.sim.kubeconfig}`)) continue
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      // a zombie has ended: it only waits for its parent to read its exit status
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue
      found.push({ pid: Number(pid), argv: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1) })
    } catch {
      // it ended while we looked
    }
  }
  return found
}
