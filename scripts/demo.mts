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
import { say } from '../lib/core/text.ts'
import { padColumns } from '../lib/ui/i18n.ts'
import { platformProblem } from '../lib/tools/bundled.ts'

const usage = say({
  en: `Usage: npm run demo [-- --layer=v32|v35] [--fast] [--profile=seed|current]
  --layer=v35  kubectl 1.35 + helm 4 (default); --layer=v32: kubectl 1.32 + helm 3
  --fast       pods get ready in ~0.1 s instead of a few seconds
  --profile=seed (default) or current: the stack on the workshop page's charts, or on maintained ones`,
  ko: `사용법: npm run demo [-- --layer=v32|v35] [--fast] [--profile=seed|current]
  --layer=v35  kubectl 1.35 + helm 4 (기본값), --layer=v32: kubectl 1.32 + helm 3
  --fast       파드가 몇 초가 아니라 0.1초 만에 준비됩니다
  --profile=seed (기본값) 또는 current: 워크숍 페이지의 차트로,
               또는 지금 관리되는 차트로 스택을 설치합니다`,
})

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
const chartsHint = say({
  en:
    'point CHARTS_DIR at a folder holding them, ' +
    'or fetch them once into .cache/charts with `npm run charts:pull` (needs internet)',
  ko:
    'CHARTS_DIR에 차트가 있는 폴더를 지정하거나, ' +
    '`npm run charts:pull`로 .cache/charts에 한 번 받아 두세요 (인터넷 필요)',
})

interface Step {
  title: string
  script: string
  args: string[]
}

/** The user's story: install, check, re-run (nothing to do), remove. */
const steps: Step[] = [
  { title: 'npm run all', script: 'all.mts', args: [] },
  { title: 'npm run verify', script: '05-verify.mts', args: [] },
  {
    title: say({ en: 'npm run all (again: nothing to do)', ko: 'npm run all (다시: 할 일 없음)' }),
    script: 'all.mts',
    args: [],
  },
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
    print(usage)
    return 0
  }
  const problem = platformProblem('npm run demo', process.platform, process.arch)
  if (problem) {
    print(c.red(`✗ ${problem}`))
    print(
      say({
        en: 'Here, without a cluster: `npm run --silent all -- --dry-run > install.sh` prints every step as bash.',
        ko:
          '클러스터 없이 여기서는 `npm run --silent all -- --dry-run > install.sh`로 ' +
          '모든 단계를 bash로 받을 수 있습니다.',
      }),
    )
    return 2
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-monitoring-demo-'))
  // every temporary folder kube-sim makes (the world, its kubeconfig and homes) lands in ours
  process.env.TMPDIR = tmp
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(tmp, { recursive: true, force: true })]
  try {
    print(banner(opts.layer))
    const bin = await extractLayer(opts.layer, path.join(root, '.tools'))
    const log = (line: string) => print(c.dim(line))
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
    print(summary(outcomes))
    return outcomes.find((o) => o.code !== 0)?.code ?? 0
  } catch (error) {
    if (interrupted) return interruptedCode()
    const reason = error instanceof Error ? error.message : String(error)
    print(c.red(`✗ ${say({ en: 'The demo stopped', ko: '데모가 멈췄습니다' })}: ${reason}`))
    return 1
  } finally {
    // every clean-up runs, newest first, whatever the one before it did
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch((error) => print(c.red(`✗ ${say({ en: 'clean-up', ko: '정리' })}: ${error}`)))
    print(
      c.dim(
        say({
          en: `Stopped the simulated cluster and the chart repository; removed ${tmp}.`,
          ko: `시뮬레이션 클러스터와 차트 리포지토리를 멈추고 ${tmp}를 지웠습니다.`,
        }),
      ),
    )
    if (interrupted)
      print(
        say({
          en: 'The simulated cluster is gone with it: `npm run demo` starts afresh.',
          ko: '시뮬레이션 클러스터도 함께 사라졌습니다. `npm run demo`로 새로 시작하세요.',
        }),
      )
  }
}

function parseArgs(argv: string[]): { layer: LayerName; fast: boolean; help: boolean; profile: ProfileName } | string {
  const opts = { layer: 'v35' as LayerName, fast: false, help: false, profile: 'seed' as ProfileName }
  for (const arg of argv) {
    const layer = /^--layer=(.*)$/.exec(arg)?.[1]
    const profile = /^--profile=(.*)$/.exec(arg)?.[1]
    if (profile !== undefined) {
      if (!profileNames.includes(profile as ProfileName))
        return say({
          en: `--profile must be one of ${profileNames.join(', ')}, not "${profile}"`,
          ko: `--profile은 ${profileNames.join(', ')} 중 하나여야 합니다 ("${profile}"는 안 됩니다)`,
        })
      opts.profile = profile as ProfileName
    } else if (layer !== undefined) {
      if (!(layer in layers))
        return say({
          en: `--layer must be one of ${Object.keys(layers).join(', ')}, not "${layer}"`,
          ko: `--layer는 ${Object.keys(layers).join(', ')} 중 하나여야 합니다 ("${layer}"는 안 됩니다)`,
        })
      opts.layer = layer as LayerName
    } else if (arg === '--fast') opts.fast = true
    else if (arg === '--help' || arg === '-h') opts.help = true
    else return say({ en: `unknown argument "${arg}"`, ko: `알 수 없는 인자 "${arg}"` })
  }
  return opts
}

function banner(layer: LayerName): string {
  const { helmMajor, pkg } = layers[layer]
  const en = [
    c.bold.yellow(`━━ Demo on a SIMULATED cluster (kube-sim) — not a real Kubernetes cluster ━━`),
    `The real scripts run with the real kubectl and helm ${helmMajor} (${pkg}) against kube-sim, a`,
    'Kubernetes API simulator started on 127.0.0.1 for this demo only, with the real charts at the pinned versions',
    'served from a loopback chart repository. Your kubeconfig and current context are not used or changed.',
    `${c.bold('What it proves:')} the commands the scripts send and their order, what runs side by side, the waits`,
    '  and what they print, the checkpoint report, a re-run that changes nothing, and the teardown.',
    `${c.bold('What it does not prove:')} that images pull, containers start or the charts' software works on`,
    "  your cluster — no container runs here (pods are simulated), and your cluster's capacity, network,",
    '  storage and permissions are not exercised. Run `npm run all` on a real cluster for that.',
  ]
  const ko = [
    c.bold.yellow(`━━ 시뮬레이션 클러스터(kube-sim) 데모: 실제 클러스터가 아닙니다 ━━`),
    `실제 스크립트가 실제 kubectl과 helm ${helmMajor}(${pkg})로 kube-sim에 붙어 실행됩니다.`,
    'kube-sim은 이 데모를 위해서만 127.0.0.1에 띄운 Kubernetes API 시뮬레이터이고,',
    '고정된 버전의 실제 차트는 루프백 차트 리포지토리에서 받습니다.',
    '여러분의 kubeconfig와 현재 컨텍스트는 읽지도 바꾸지도 않습니다.',
    `${c.bold('확인되는 것:')} 스크립트가 보내는 명령과 그 순서, 동시에 도는 단계,`,
    '  대기와 그 출력, 체크포인트 리포트, 아무것도 바꾸지 않는 재실행, 정리(teardown).',
    `${c.bold('확인되지 않는 것:')} 이미지 pull, 컨테이너 기동, 차트의 소프트웨어가`,
    '  여러분의 클러스터에서 동작하는지. 여기서는 컨테이너가 돌지 않고',
    '  (파드는 시뮬레이션), 클러스터의 용량, 네트워크, 스토리지, 권한도',
    '  쓰이지 않습니다.',
    '  그것은 실제 클러스터에서 `npm run all`로 확인하세요.',
  ]
  return [...say({ en: en.join('\n'), ko: ko.join('\n') }).split('\n'), ''].join('\n')
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
  const { url, kubeconfig } = cluster.sim
  print(
    c.dim(
      say({
        en: `kube-sim at ${url} (context kube-sim, KUBECONFIG=${kubeconfig}); charts at ${repoUrl}`,
        ko: `kube-sim: ${url} (컨텍스트 kube-sim, KUBECONFIG=${kubeconfig}), 차트: ${repoUrl}`,
      }),
    ),
  )
  const tools = `kubectl ${versions.clientVersion.gitVersion}, helm ${helm}`
  const bin = path.relative(root, cluster.bin)
  print(c.dim(say({ en: `${tools}, from ${bin}`, ko: `${tools} (${bin})` })))
  // section 04's app: its namespace is all that section 05 looks for
  await kubectl(cluster, 'create', 'namespace', 'ticketing')
  print(
    c.dim(
      say({
        en: 'namespace ticketing created, standing in for the app of section 04',
        ko: '04장 앱 대신 네임스페이스 ticketing을 만들었습니다',
      }),
    ),
  )
}

async function runSteps(env: NodeJS.ProcessEnv, cluster: World): Promise<Outcome[]> {
  const simulated = say({ en: '(simulated cluster)', ko: '(시뮬레이션 클러스터)' })
  const outcomes: Outcome[] = []
  for (const step of steps) {
    if (interrupted) break
    print(`\n${c.bold.cyan(`━━ ${step.title} ━━`)}  ${c.dim(simulated)}`)
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
  return changed.length
    ? say({ en: `new helm revisions: ${changed.join(', ')}`, ko: `새 helm 리비전: ${changed.join(', ')}` })
    : say({
        en: `0 new helm revisions (${after.size} releases)`,
        ko: `새 helm 리비전 없음 (릴리스 ${after.size}개)`,
      })
}

function summary(outcomes: Outcome[]): string {
  const heading = say({ en: 'Demo summary (simulated cluster)', ko: '데모 요약 (시뮬레이션 클러스터)' })
  const lines = ['', c.bold(heading)]
  for (const step of steps) {
    const o = outcomes.find((x) => x.step === step)
    const mark = !o ? c.dim('–') : o.code === 0 ? c.green('✓') : c.red('✗')
    const detail = !o
      ? say({ en: 'not run', ko: '실행 안 함' })
      : `${o.code === 0 ? '' : say({ en: `exit code ${o.code}, `, ko: `종료 코드 ${o.code}, ` })}` +
        `${(o.ms / 1000).toFixed(1)}s${o.note ? `; ${o.note}` : ''}`
    lines.push(`  ${mark} ${padColumns(step.title, 38)} ${c.dim(detail)}`)
  }
  const closing = say({
    en: [
      'This ran on kube-sim, a simulated cluster: it shows that the scripts drive the real kubectl and helm',
      'correctly, in order, idempotently, with a truthful report and a clean teardown. It does not show that',
      'images pull or containers start: the real charts were installed, but no container ran.',
      'Your kubeconfig and current context were not touched. For the real thing: `npm run all` (see README.md).',
    ].join('\n'),
    ko: [
      '시뮬레이션 클러스터 kube-sim에서 실행했습니다. 스크립트가 실제 kubectl과 helm을',
      '올바른 순서로, 몇 번을 실행해도 같은 결과로 다루고, 리포트가 사실대로 나오며,',
      '정리가 깨끗하다는 것을 보여 줍니다. 이미지 pull과 컨테이너 기동은 보여 주지',
      '않습니다. 실제 차트를 설치했지만 컨테이너는 하나도 돌지 않았습니다.',
      '여러분의 kubeconfig와 현재 컨텍스트는 건드리지 않았습니다.',
      '실제 설치는 `npm run all`로 하세요 (README.ko.md 참고).',
    ].join('\n'),
  })
  lines.push('', ...closing.split('\n').map((line) => c.yellow(line)))
  return lines.join('\n')
}

/**
 * Ctrl-C: the running script gets the signal once (it stops its kubectl and helm and says what to
 * re-run); we wait for it — its whole process group is killed if it takes over 15 s — and then
 * stop the simulated cluster and the chart repository and remove the temporary folder.
 */
function onSignal(signal: NodeJS.Signals): void {
  interrupted = signal
  const stopping = say({
    en: `Interrupted (${signal}): stopping the running script, then the simulated cluster…`,
    ko: `중단됨 (${signal}): 실행 중인 스크립트와 시뮬레이션 클러스터를 멈춥니다…`,
  })
  print(c.yellow(`\n${stopping}`))
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
  print(c.red(`✗ ${message}`))
  print(usage)
  return 2
}

function print(text: string): void {
  process.stderr.write(`${text}\n`)
}

process.exit(await main(process.argv.slice(2)))
