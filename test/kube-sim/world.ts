// A running world to drive with the real kubectl and helm: a fresh simulator with the operators a
// real cluster runs once their charts are in (prometheus-operator, cert-manager), the stack's
// backends behind their Services (kube-sim/backends), a kubeconfig with
// a bearer token as a real one has, the tools first on PATH, and isolated kube and helm homes in
// one temp folder. What the host's programs need on top (their own settings, the chart repository's
// URLs) the caller adds to `env`.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { $, type ProcessOutput } from 'zx'
import { startBackends, type Backends } from './backends/index.ts'
import { startSim, type DelayProfile, type Sim } from './index.ts'
import { startCertManager, startPrometheusOperator } from './operators/index.ts'

export interface WorldOptions {
  /** the folder holding `kubectl` and `helm` (tools.ts: extractLayer) */
  bin: string
  /** helm's major version (3 lists pending releases only with --all) */
  helmMajor: number
  /** simulated nodes (default 2) */
  nodes?: number
  /** the pods' delays (default: the simulator's fast profile) */
  profile?: DelayProfile
  /** the temp folder's name prefix (default `kube-sim-world-`) */
  prefix?: string
}

export interface World {
  sim: Sim
  /** Prometheus, Loki, Tempo, Grafana behind their Services, and their faults (kube-sim/backends) */
  backends: Backends
  /** the world's temp folder: kubeconfig, HOME, helm's homes */
  dir: string
  /** PATH, HOME, KUBECONFIG and helm's homes, pointed at this world only */
  env: NodeJS.ProcessEnv
  /** the kubeconfig's bearer token (the sim ignores it): a value no output should show */
  token: string
  bin: string
  helmMajor: number
  /** stops the operators and the sim, removes the temp folder */
  stop(): Promise<void>
}

export async function startWorld(opts: WorldOptions): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'kube-sim-world-'))
  const sim = await startSim({ nodes: opts.nodes ?? 2, dir, profile: opts.profile })
  // the real charts' operators, as a cluster runs them once their pods are ready
  const stopOperators = [startPrometheusOperator(sim), startCertManager(sim)]
  const backends = startBackends(sim)
  const token = `kube-sim-token-${randomBytes(12).toString('hex')}`
  fs.writeFileSync(
    sim.kubeconfig,
    fs.readFileSync(sim.kubeconfig, 'utf8').replace('  user: {}', `  user:\n    token: ${token}`),
    { mode: 0o600 },
  )
  const env: NodeJS.ProcessEnv = {
    PATH: `${opts.bin}:${process.env.PATH}`,
    HOME: dir,
    KUBECONFIG: sim.kubeconfig,
    HELM_CONFIG_HOME: path.join(dir, 'helm-config'),
    HELM_CACHE_HOME: path.join(dir, 'helm-cache'),
    HELM_DATA_HOME: path.join(dir, 'helm-data'),
  }
  return {
    sim,
    backends,
    dir,
    env,
    token,
    bin: opts.bin,
    helmMajor: opts.helmMajor,
    stop: async () => {
      for (const stop of stopOperators) stop()
      await backends.stop()
      await sim.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** What the helpers below need of a world: its environment (a caller may have added to it). */
type WithEnv = Pick<World, 'env'>

/** The real kubectl against the world. */
export async function kubectl(world: WithEnv, ...args: string[]): Promise<ProcessOutput> {
  return $({ env: world.env, quiet: true, nothrow: true })`kubectl ${args}`
}

/** kubectl with a manifest on stdin (`apply -f -`). */
export async function kubectlIn(world: WithEnv, input: string, ...args: string[]): Promise<ProcessOutput> {
  return $({ env: world.env, quiet: true, nothrow: true, input })`kubectl ${args}`
}

export async function kubectlJson<T = any>(world: WithEnv, ...args: string[]): Promise<T> {
  const out = await kubectl(world, ...args, '-o', 'json')
  if (out.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${out.stderr}`)
  return out.json()
}

export async function helm(world: WithEnv, ...args: string[]): Promise<ProcessOutput> {
  return $({ env: world.env, quiet: true, nothrow: true })`helm ${args}`
}

export interface HelmRelease {
  name: string
  revision: string
  status: string
  chart: string
}

/** Every release in a namespace, in any state (helm 3 needs --all for pending ones). */
export async function releases(
  world: WithEnv & Pick<World, 'helmMajor'>,
  namespace = 'monitoring',
): Promise<HelmRelease[]> {
  const out = await helm(world, 'list', '-n', namespace, '-o', 'json', ...(world.helmMajor === 3 ? ['--all'] : []))
  if (out.exitCode !== 0) throw new Error(`helm list: ${out.stderr}`)
  return JSON.parse(out.stdout || '[]') ?? []
}

/** kubectl/helm processes still running against this world's cluster: a program leaked a child. */
export function leakedChildren(world: Pick<World, 'sim'>): string[] {
  const leaked: string[] = []
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8')
      if (!environ.includes(`KUBECONFIG=${world.sim.kubeconfig}`)) continue
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
      if (/\b(kubectl|helm)\b/.test(cmdline)) leaked.push(`${pid}: ${cmdline}`)
    } catch {
      // the process ended while we looked
    }
  }
  return leaked
}
