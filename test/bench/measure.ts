// What the benchmark measures besides wall time: the API requests made while `npm run all` only
// waits (from its status lines, the kubectl/helm processes running, and the simulator's request
// counters), and how long a script takes
// from its spawn to its first call to the cluster (through a loopback TCP relay that notes when
// the first connection arrives).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import type { AddressInfo } from 'node:net'
import type { SimStats } from 'kube-sim'
import { leakedChildren } from 'kube-sim/world'
import { root, type Cluster } from './world.ts'

/** A moment of a run: a line of its stderr (or a sample), the counters and the CLI processes then. */
export interface Mark {
  at: number
  line?: string
  stats: SimStats
  /** kubectl and helm processes of this run that are neither a watch nor a webhook probe */
  busy: string[]
  /** requests made so far by this process itself (the simulated operators), not by the scripts */
  inProcess: number
}

/** Sampled this often, besides every stderr line: catches the queries no status line announces. */
const SAMPLE_MS = 50

let inProcessRequests = 0

/**
 * Counts the requests this process makes with fetch: the simulated prometheus-operator writing its
 * StatefulSets, as a real operator does from its pod. They are the cluster's, not the scripts'.
 */
export function countInProcessRequests(): void {
  const fetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    inProcessRequests++
    return fetch(input, init)
  }
}

export interface TracedRun {
  exitCode: number | null
  seconds: number
  marks: Mark[]
  output: string
}

/** Runs `npm run <script>` as a user does, noting each stderr line and each sample as a Mark. */
export function runTraced(cluster: Cluster, script: string, args: string[] = []): Promise<TracedRun> {
  cluster.sim.resetStats()
  const mark = (line?: string): Mark => ({
    at: performance.now(),
    line,
    stats: cluster.sim.stats(),
    busy: busyProcesses(cluster),
    inProcess: inProcessRequests,
  })
  const marks: Mark[] = [mark()]
  const started = marks[0].at
  const output: string[] = []
  const argv = ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])]
  const child = spawn('npm', argv, { cwd: root, env: cluster.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const sampler = setInterval(() => marks.push(mark()), SAMPLE_MS)
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    marks.push(mark(line))
    output.push(`${line}\n`)
  })
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(sampler)
      marks.push(mark())
      resolve({
        exitCode: code,
        seconds: (marks[marks.length - 1].at - started) / 1000,
        marks,
        output: output.join(''),
      })
    }),
  )
}

/** The run's kubectl/helm processes that are not part of a wait (a watch, a webhook probe). */
function busyProcesses(cluster: Cluster): string[] {
  return leakedChildren(cluster).filter((p) => !/ --watch | --dry-run=server /.test(`${p} `))
}

export interface WaitLoad {
  /**
   * seconds during which the run only waited: some `Waiting ≤ …` status open, no other status
   * open, and no kubectl or helm running but the waits' watches and webhook probes
   */
  seconds: number
  /** requests by the scripts' kubectl and helm (those of the simulated operators left out) */
  requests: number
  /** requests of the simulated operators in those seconds */
  operator: number
  /** requests per verb and resource in those seconds (operators' included), most first */
  byVerbResource: [string, number][]
}

/**
 * The API load of the waits: the stretches where a wait is open and nothing else is (no install,
 * no apply, no query of a step running alongside), and the requests counted in them. A status
 * opens with `… title` and closes with `✓ title (…)` or `✗ title (…)`.
 */
export function waitLoad(marks: Mark[]): WaitLoad {
  // what each step (by its tag; untagged lines by their title) has open: the closing line says what
  // happened (`✓ installed loki-stack 2.10.3`), not the opening title, so it closes its step's status
  const open = new Map<string, string>()
  let seconds = 0
  let requests = 0
  let operator = 0
  const by = new Map<string, number>()
  for (let i = 1; i < marks.length; i++) {
    const [prev, mark] = [marks[i - 1], marks[i]]
    const waiting = [...open.values()].some(isWait) && [...open.values()].every(isWait)
    if (waiting && !prev.busy.length && !mark.busy.length) {
      seconds += (mark.at - prev.at) / 1000
      operator += mark.inProcess - prev.inProcess
      requests += mark.stats.total - prev.stats.total - (mark.inProcess - prev.inProcess)
      for (const [key, n] of Object.entries(mark.stats.byVerbResource)) {
        const d = n - (prev.stats.byVerbResource[key] ?? 0)
        if (d) by.set(key, (by.get(key) ?? 0) + d)
      }
    }
    // a step's lines carry its tag first (`§2.3 loki │ … Waiting ≤ 10m for loki`)
    const status = /^(?:(.*?) │ )?(…|✓|✗) (.*?)(?: \(\d[\dms.]*\)(?: — .*)?)?$/.exec(mark.line ?? '')
    if (status) {
      const [, tag, sign, title] = status
      // one status at a time per step, and one at a time outside them (the preflight, the lock)
      if (sign === '…') open.set(tag ?? '', title)
      else open.delete(tag ?? '')
    }
  }
  return { seconds, requests, operator, byVerbResource: [...by].sort((a, b) => b[1] - a[1]) }
}

const isWait = (title: string) => title.startsWith('Waiting ≤')

export interface Startups {
  /** per script, spawn → first connection to the API server, one figure per round */
  scripts: Record<string, number[]>
  /** spawn → exit of an empty .mts file run the same way: what node + zx + tsx cost anyway */
  zx: number[]
}

/**
 * Start-up of a script: from spawn (as `npx zx scripts/<name>` runs it) to the first connection
 * to the API server; and the same spawn of an empty .mts file, to its exit, as the floor. They
 * take turns, `runs` rounds, so a busy moment of the machine does not fall on one of them only.
 */
export async function startupSeconds(cluster: Cluster, scripts: string[], runs: number): Promise<Startups> {
  const seconds: Record<string, number[]> = Object.fromEntries(scripts.map((s) => [s, []]))
  const zx: number[] = []
  const empty = emptyScript(cluster)
  for (let round = 0; round < runs; round++) {
    zx.push(await zxSeconds(cluster, empty))
    for (const script of scripts) seconds[script].push(await firstCallSeconds(cluster, script))
  }
  return { scripts: seconds, zx }
}

/** An empty .mts file in the cluster's temp folder (a file per content, written once). */
export function emptyScript(cluster: Cluster, content = '', name = 'empty'): string {
  const file = path.join(cluster.dir, `${name}.mts`)
  if (!fs.existsSync(file)) fs.writeFileSync(file, content)
  return file
}

/** Spawn → exit of `node zx/build/cli.js <file>`, as the harness runs the scripts (NODE_OPTIONS=--import=tsx). */
export async function zxSeconds(cluster: Cluster, file: string): Promise<number> {
  return spawnSeconds('node', [zxCli, file], cluster.env)
}

/** Spawn → exit of one command from the project root; a failure is an error (the figure would lie). */
export async function spawnSeconds(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now()
  const child = spawn(bin, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (exit ${code}): ${stderr.trim().split('\n').at(-1)}`)
  return (performance.now() - started) / 1000
}

export interface Floor {
  /** median of the rounds' totals */
  seconds: number
  /** each command's median */
  parts: [string, number][]
}

/**
 * The floor of a converged re-run: what any script that looks at the cluster pays, with nothing
 * to do. `npx zx` of an empty .mts file, one `helm list -A` and one `kubectl get` of the
 * workloads, back to back; the median of `runs` rounds.
 */
export async function floorSeconds(cluster: Cluster, runs: number): Promise<Floor> {
  const empty = emptyScript(cluster)
  const commands: [string, string, string[]][] = [
    ['npx zx empty.mts', 'npx', ['zx', empty]],
    ['helm list -A', 'helm', ['list', '-A']],
    ['kubectl get deploy,sts,ds -A -o json', 'kubectl', ['get', 'deploy,sts,ds', '-A', '-o', 'json']],
  ]
  const rounds: number[][] = []
  for (let round = 0; round < runs; round++) {
    const times: number[] = []
    for (const [, bin, args] of commands) times.push(await spawnSeconds(bin, args, cluster.env))
    rounds.push(times)
  }
  return {
    seconds: median(rounds.map((r) => r.reduce((a, b) => a + b, 0))),
    parts: commands.map(([label], i) => [label, median(rounds.map((r) => r[i]))]),
  }
}

/** One run, with its own relay; stopped (with its children: its own process group) once it has connected. */
async function firstCallSeconds(cluster: Cluster, script: string): Promise<number> {
  const relay = await startRelay(cluster.sim.url)
  const kubeconfig = path.join(cluster.dir, 'kubeconfig-relay')
  const relayed = fs.readFileSync(cluster.sim.kubeconfig, 'utf8').replace(cluster.sim.url, relay.url)
  fs.writeFileSync(kubeconfig, relayed, { mode: 0o600 })
  try {
    const started = performance.now()
    const env = { ...cluster.env, KUBECONFIG: kubeconfig }
    const argv = [zxCli, path.join('scripts', script)]
    const child = spawn('node', argv, { cwd: root, env, stdio: 'ignore', detached: true })
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
    const first = await Promise.race([relay.firstConnection, exited.then(() => undefined)])
    if (first === undefined) throw new Error(`scripts/${script} exited before calling the cluster`)
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // it ended on its own
    }
    await exited
    return (first - started) / 1000
  } finally {
    await relay.stop()
  }
}

const zxCli = path.join(root, 'node_modules', 'zx', 'build', 'cli.js')

interface Relay {
  url: string
  /** resolves with the time (performance.now) of the first connection */
  firstConnection: Promise<number>
  stop(): Promise<void>
}

/** A loopback TCP relay to the simulator that notes when a connection first arrives. */
async function startRelay(target: string): Promise<Relay> {
  const { hostname, port } = new URL(target)
  let note: (at: number) => void = () => {}
  const sockets = new Set<net.Socket>()
  const relay: Relay = {
    url: '',
    firstConnection: new Promise((resolve) => {
      note = (at) => {
        note = () => {}
        resolve(at)
      }
    }),
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  const server = net.createServer((client) => {
    note(performance.now())
    const upstream = net.connect(Number(port), hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return relay
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
