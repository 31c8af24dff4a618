#!/usr/bin/env node
// `npm run demo`: the whole of section 05 on a SIMULATED cluster, as a user runs it — `all`, then
// `verify`, then `all` again (nothing to do), then `teardown --yes` — with the real kubectl and
// helm, against kube-sim and the real charts (CHARTS_DIR, or .cache/charts fetched once with helm
// pull) served from a loopback chart repository.
// The scripts run as child processes with the terminal's stdio, so the output is what a user
// sees on a real cluster. Everything lives in one temporary folder (kubeconfig, HOME, helm's
// homes, the chart repository) removed at the end, also on Ctrl-C. The user's kubeconfig and
// current context are never read or written. The simulated world is the kube-sim package's (the one
// script that may use it); nothing else in scripts/ and nothing in lib/ knows about it.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import chalk, { Chalk } from 'chalk'
import { $ } from 'zx'
import { fastProfile, realisticProfile } from 'kube-sim'
import { startChartRepo, type ChartRepoServer } from 'kube-sim/chart-repo'
import { certManagerManifest, ensureCharts, pinsFrom } from 'kube-sim/charts'
import { extractLayer, layers, type LayerName } from 'kube-sim/tools'
import { kubectl, releases, startWorld, type World } from 'kube-sim/world'
import {
  certManagerDefaults,
  certManagerPins,
  profileNames,
  profiles,
  repoDefaults,
  type ProfileName,
} from '../lib/core/stack.ts'
import { platformProblem } from '../lib/tools/bundled.ts'

const usage = `Usage: npm run demo [-- --layer=v32|v35] [--fast] [--profile=seed|current]
  --layer=v35  kubectl 1.35 + helm 4 (default); --layer=v32: kubectl 1.32 + helm 3
  --fast       pods get ready in ~0.1 s instead of a few seconds
  --profile=seed (default) or current: the stack on the workshop page's charts, or on maintained ones`

const c = process.stderr.isTTY && !process.env.NO_COLOR ? chalk : new Chalk({ level: 0 })
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const zxCli = path.join(root, 'node_modules', 'zx', 'build', 'cli.js')

/** The real charts at the versions lib pins: CHARTS_DIR, else .cache/charts (fetched once when missing). */
const pins = pinsFrom({
  profiles,
  repoUrls: repoDefaults,
  certManagers: certManagerPins,
  manifestUrl: certManagerDefaults.manifestUrl,
})
const chartsCache = path.join(root, '.cache', 'charts')
const chartsHint =
  'point CHARTS_DIR at a folder holding them, ' +
  'or fetch them once into .cache/charts with `npm run charts:pull` (needs internet)'

interface Step {
  title: string
  script: string
  args: string[]
}

/** The user's story: install, check, re-run (nothing to do), remove. */
const steps: Step[] = [
  { title: 'npm run all', script: 'all.mts', args: [] },
  { title: 'npm run verify', script: '05-verify.mts', args: [] },
  { title: 'npm run all (again: nothing to do)', script: 'all.mts', args: [] },
  { title: 'npm run teardown -- --yes', script: 'teardown.mts', args: ['--yes'] },
]

interface Outcome {
  step: Step
  code: number
  ms: number
  note?: string
}

let interrupted: NodeJS.Signals | undefined
let running: ChildProcess | undefined

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv)
  if (typeof opts === 'string') return usageError(opts)
  if (opts.help) {
    say(usage)
    return 0
  }
  const problem = platformProblem('npm run demo', process.platform, process.arch)
  if (problem) {
    say(c.red(`✗ ${problem}`))
    say('Here, without a cluster: `npm run --silent all -- --dry-run > install.sh` prints every step as bash.')
    return 2
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-monitoring-demo-'))
  // every temporary folder kube-sim makes (the world, its kubeconfig and homes) lands in ours
  process.env.TMPDIR = tmp
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(tmp, { recursive: true, force: true })]
  try {
    say(banner(opts.layer))
    const bin = await extractLayer(opts.layer, path.join(root, '.tools'))
    const log = (line: string) => say(c.dim(line))
    const charts = await ensureCharts(pins, path.join(bin, 'helm'), { cache: chartsCache, hint: chartsHint, log })
    const repo = await startChartRepo({ dir: charts })
    cleanups.push(() => repo.stop())
    const profile = opts.fast ? fastProfile : realisticProfile
    const cluster = await startWorld({ bin, helmMajor: layers[opts.layer].helmMajor, profile, prefix: 'demo-' })
    cleanups.push(() => cluster.stop())
    if (interrupted) return interruptedCode()
    const env = userEnv(cluster, repo, charts, opts.profile, tmp)
    await describeSetup(cluster, repo.url)
    const outcomes = await runSteps(env, cluster)
    if (interrupted) return interruptedCode()
    say(summary(outcomes))
    return outcomes.find((o) => o.code !== 0)?.code ?? 0
  } catch (error) {
    if (interrupted) return interruptedCode()
    say(c.red(`✗ The demo stopped: ${error instanceof Error ? error.message : String(error)}`))
    return 1
  } finally {
    // every clean-up runs, newest first, whatever the one before it did
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch((error) => say(c.red(`✗ clean-up: ${error}`)))
    say(c.dim(`Stopped the simulated cluster and the chart repository; removed ${tmp}.`))
    if (interrupted) say('The simulated cluster is gone with it: `npm run demo` starts afresh.')
  }
}

function parseArgs(argv: string[]): { layer: LayerName; fast: boolean; help: boolean; profile: ProfileName } | string {
  const opts = { layer: 'v35' as LayerName, fast: false, help: false, profile: 'seed' as ProfileName }
  for (const arg of argv) {
    const layer = /^--layer=(.*)$/.exec(arg)?.[1]
    const profile = /^--profile=(.*)$/.exec(arg)?.[1]
    if (profile !== undefined) {
      if (!profileNames.includes(profile as ProfileName))
        return `--profile must be one of ${profileNames.join(', ')}, not "${profile}"`
      opts.profile = profile as ProfileName
    } else if (layer !== undefined) {
      if (!(layer in layers)) return `--layer must be one of ${Object.keys(layers).join(', ')}, not "${layer}"`
      opts.layer = layer as LayerName
    } else if (arg === '--fast') opts.fast = true
    else if (arg === '--help' || arg === '-h') opts.help = true
    else return `unknown argument "${arg}"`
  }
  return opts
}

function banner(layer: LayerName): string {
  return [
    c.bold.yellow(`━━ Demo on a SIMULATED cluster (kube-sim) — not a real Kubernetes cluster ━━`),
    `The real scripts run with the real kubectl and helm ${layers[layer].helmMajor} (${layers[layer].pkg})` +
      ' against kube-sim, a',
    'Kubernetes API simulator started on 127.0.0.1 for this demo only, with the real charts at the pinned versions',
    'served from a loopback chart repository. Your kubeconfig and current context are not used or changed.',
    `${c.bold('What it proves:')} the commands the scripts send and their order, what runs side by side, the waits`,
    '  and what they print, the checkpoint report, a re-run that changes nothing, and the teardown.',
    `${c.bold('What it does not prove:')} that images pull, containers start or the charts' software works on`,
    "  your cluster — no container runs here (pods are simulated), and your cluster's capacity, network,",
    '  storage and permissions are not exercised. Run `npm run all` on a real cluster for that.',
    '',
  ].join('\n')
}

/**
 * The environment a user's shell would give the scripts, pointed at the simulated cluster only:
 * its kubeconfig, homes and tools, and the chart repository and cert-manager manifest as a user
 * with a mirror sets them. The user's terminal (CI, NO_COLOR) stays; the scripts' timeouts are
 * the defaults.
 */
function userEnv(
  cluster: World,
  repo: ChartRepoServer,
  charts: string,
  profile: ProfileName,
  tmp: string,
): NodeJS.ProcessEnv {
  // the user's own settings for the scripts, kube and helm must not leak in
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(STACK_|HELM_|KUBECONFIG$)/.test(k)),
  )
  return {
    ...inherited,
    ...cluster.env,
    // every chart repository at <mirror>/<repo>, as --chart-mirror serves a user's mirror
    STACK_CHART_MIRROR: repo.url,
    STACK_CERT_MANAGER_MANIFEST: certManagerManifest(charts, certManagerPins[profile]),
    STACK_PROFILE: profile,
    NODE_OPTIONS: '--import=tsx',
    TMPDIR: tmp,
  }
}

async function describeSetup(cluster: World, repoUrl: string): Promise<void> {
  const versions = await $({ env: cluster.env, quiet: true })`kubectl version --client -o json`.json()
  const helm = (await $({ env: cluster.env, quiet: true })`helm version --short`).stdout.trim()
  say(
    c.dim(
      `kube-sim at ${cluster.sim.url} (context kube-sim, KUBECONFIG=${cluster.sim.kubeconfig}); charts at ${repoUrl}`,
    ),
  )
  say(c.dim(`kubectl ${versions.clientVersion.gitVersion}, helm ${helm}, from ${path.relative(root, cluster.bin)}`))
  // section 04's app: its namespace is all that section 05 looks for
  await kubectl(cluster, 'create', 'namespace', 'ticketing')
  say(c.dim('namespace ticketing created, standing in for the app of section 04'))
}

async function runSteps(env: NodeJS.ProcessEnv, cluster: World): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  for (const step of steps) {
    if (interrupted) break
    say(`\n${c.bold.cyan(`━━ ${step.title} ━━`)}  ${c.dim('(simulated cluster)')}`)
    const before = step === steps[2] ? await revisions(cluster) : undefined
    const started = Date.now()
    const code = await runScript(step, env)
    if (interrupted) break
    const outcome: Outcome = { step, code, ms: Date.now() - started }
    if (before) outcome.note = compareRevisions(before, await revisions(cluster))
    outcomes.push(outcome)
    if (code !== 0) break
  }
  return outcomes
}

/** One script as `npx zx scripts/<name>` runs it, with the terminal's stdout and stderr. */
function runScript(step: Step, env: NodeJS.ProcessEnv): Promise<number> {
  // its own process group: a Ctrl-C reaches it once, from us, and the script stops its own children
  const child = spawn(process.execPath, [zxCli, path.join('scripts', step.script), ...step.args], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  })
  running = child
  return new Promise((resolve) => {
    child.on('error', () => resolve(1))
    child.on('exit', (code, signal) => {
      running = undefined
      resolve(code ?? (signal === 'SIGINT' ? 130 : 143))
    })
  })
}

async function revisions(cluster: World): Promise<Map<string, string>> {
  return new Map((await releases(cluster)).map((r) => [r.name, r.revision]))
}

function compareRevisions(before: Map<string, string>, after: Map<string, string>): string {
  const changed = [...after].filter(([name, revision]) => before.get(name) !== revision).map(([name]) => name)
  return changed.length ? `new helm revisions: ${changed.join(', ')}` : `0 new helm revisions (${after.size} releases)`
}

function summary(outcomes: Outcome[]): string {
  const lines = ['', c.bold('Demo summary (simulated cluster)')]
  for (const step of steps) {
    const o = outcomes.find((x) => x.step === step)
    const mark = !o ? c.dim('–') : o.code === 0 ? c.green('✓') : c.red('✗')
    const detail = !o
      ? 'not run'
      : `${o.code === 0 ? '' : `exit code ${o.code}, `}${(o.ms / 1000).toFixed(1)}s${o.note ? `; ${o.note}` : ''}`
    lines.push(`  ${mark} ${step.title.padEnd(38)} ${c.dim(detail)}`)
  }
  lines.push(
    '',
    c.yellow('This ran on kube-sim, a simulated cluster: it shows that the scripts drive the real kubectl and helm'),
    c.yellow('correctly, in order, idempotently, with a truthful report and a clean teardown. It does not show that'),
    c.yellow('images pull or containers start: the real charts were installed, but no container ran.'),
    c.yellow(
      'Your kubeconfig and current context were not touched. For the real thing: `npm run all` (see README.md).',
    ),
  )
  return lines.join('\n')
}

/**
 * Ctrl-C: the running script gets the signal once (it stops its kubectl and helm and says what to
 * re-run); we wait for it — its whole process group is killed if it takes over 15 s — and then
 * stop the simulated cluster and the chart repository and remove the temporary folder.
 */
function onSignal(signal: NodeJS.Signals): void {
  interrupted = signal
  say(c.yellow(`\nInterrupted (${signal}): stopping the running script, then the simulated cluster…`))
  // a second Ctrl-C while we clean up changes nothing
  process.on(signal, () => {})
  const child = running
  if (!child?.pid) return
  child.kill(signal)
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }, 15_000)
  child.once('exit', () => clearTimeout(timer))
}

function interruptedCode(): number {
  return interrupted === 'SIGTERM' ? 143 : 130
}

function usageError(message: string): number {
  say(c.red(`✗ ${message}`))
  say(usage)
  return 2
}

function say(text: string): void {
  process.stderr.write(`${text}\n`)
}

process.exit(await main(process.argv.slice(2)))
