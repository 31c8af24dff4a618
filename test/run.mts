// The slow suites side by side. A suite waits much of its time on the simulated pods' delays, so one
// job more than the machine has cores keeps it busy: on 2 cores npm test's jobs took 708 s two at a
// time and 596 s three at a time (the machine 80–95% busy). Splitting e2e by file and tool set lets
// the longest jobs start first and the rest fill in. Each job is
// its own uvu process, its output printed whole when it ends (suites never interleave), then a
// table of every job with its time and test count.
//   tsx test/run.mts [--jobs N] [--job-timeout 15m] <group>...
//     groups: unit, sim, e2e, e2e:quick, e2e:rest, faults, faults:quick (npm test: unit sim e2e:quick faults:quick)
//   TEST_JOBS=1 npm test                         one job at a time (default: cores + 1)
//   TEST_JOB_TIMEOUT=30m npm test                a job still running then is ended and shown as it stands
//   E2E_LAYERS=v35 npm run test:e2e              one tool set (as the suites themselves read it)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import chalk from 'chalk'
import { $, type ProcessPromise } from 'zx'
import { parseDuration } from '../lib/core/settings.ts'
import { extractLayer, layers, root, suiteLayers, toolsDir, type LayerName } from './tools/extract.mts'
import { ensureCharts } from './fixtures/charts.ts'
import { failureExcerpt, uvuCounts } from './tools/uvu-output.ts'

interface Job {
  name: string
  /** the test folder, and one file of it (without `.test.ts`) or all of them */
  dir: string
  file?: string
  env?: Record<string, string>
}

const uvu = path.join(root, 'node_modules', '.bin', 'uvu')

/** Test files run once per tool set (they read E2E_LAYERS); every other e2e file runs once. */
const e2eLayered = [
  'report-catches',
  'lifecycle',
  'datapath',
  'dry-run-and-refusals',
  'teardown-status',
  'profile-switch',
  'grafana',
  'namespace',
  'flavours',
  'upgrade',
  'chart-traps',
  'repo-search',
]
const e2eOnce = ['demo', 'screen', 'korean']
/** Test files run once per tool set by `npm run test:rest` only: their minutes would push npm test past 10. */
const e2eRestOnly = ['flavours-install']

if (suiteLayers.length === 0)
  fail(
    `E2E_LAYERS="${process.env.E2E_LAYERS}" names no tool set: ` +
      `use ${Object.keys(layers).join(', ')} or a comma-separated list`,
  )

/** The fault matrix's files, the longest first (as last measured) so the queue starts them first. */
const faultsLongestFirst = ['signals', 'interruption', 'failures', 'ownership', 'concurrency', 'api-gone', 'input']
const rank = (file: string) => faultsLongestFirst.indexOf(file) + 1 || faultsLongestFirst.length + 1
const faultFiles = fs
  .readdirSync(path.join(root, 'test', 'faults'))
  .flatMap((f) => (f.endsWith('.test.ts') ? [f.slice(0, -'.test.ts'.length)] : []))
  .sort((a, b) => rank(a) - rank(b))

/** npm test's subset of the fault matrix runs under one tool set: the newest (helm 4) unless E2E_LAYERS excludes it. */
const quickLayer = suiteLayers.at(-1)!

/**
 * npm test's share of the e2e runs: each file under one tool set, the next file under the other (so
 * every file and both helm majors run); `e2e:rest` is the other tool sets' runs.
 */
function splitE2e(): { quick: Job[]; rest: Job[] } {
  const job = (file: string, layer: LayerName): Job => ({
    name: `e2e ${file} ${layer}`,
    dir: 'test/e2e',
    file,
    env: { E2E_LAYERS: layer },
  })
  const quick: Job[] = []
  const rest: Job[] = []
  e2eLayered.forEach((file, i) => {
    const turn = suiteLayers[i % suiteLayers.length]
    for (const layer of suiteLayers) (layer === turn ? quick : rest).push(job(file, layer))
  })
  quick.push(...e2eOnce.map((file) => ({ name: `e2e ${file}`, dir: 'test/e2e', file })))
  for (const file of e2eRestOnly) for (const layer of suiteLayers) rest.push(job(file, layer))
  return { quick, rest }
}
const e2eJobs = splitE2e()

/** Each group's jobs, longest first (measured): the queue is filled in this order, whatever the order asked. */
const groups: Record<string, Job[]> = {
  // a job per fault file: the queue balances them over the cores
  'faults:quick': faultFiles.map((file) => ({
    name: `faults ${file} ${quickLayer} (quick)`,
    dir: 'test/faults',
    file,
    env: { E2E_LAYERS: quickLayer, FAULTS: 'quick' },
  })),
  faults: faultFiles.flatMap((file) =>
    suiteLayers.map((layer) => ({
      name: `faults ${file} ${layer}`,
      dir: 'test/faults',
      file,
      env: { E2E_LAYERS: layer },
    })),
  ),
  unit: [{ name: 'unit', dir: 'test/unit' }],
  // kube-sim's own tests (a workspace package): both tool sets, from where we extracted them
  sim: [{ name: 'sim', dir: 'test/kube-sim/test', env: { KUBE_SIM_TOOLS: toolsDir } }],
  e2e: [...e2eJobs.quick, ...e2eJobs.rest],
  'e2e:quick': e2eJobs.quick,
  'e2e:rest': e2eJobs.rest,
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jobs: { type: 'string', default: process.env.TEST_JOBS ?? String(os.availableParallelism() + 1) },
    'job-timeout': { type: 'string', default: process.env.TEST_JOB_TIMEOUT ?? '15m' },
  },
})
const concurrency = Number(values.jobs)
// a job's output is printed when it ends: without a bound, a hung one would show nothing at all
const jobTimeoutMs = parseDuration(values['job-timeout'])
const unknown = positionals.filter((g) => !(g in groups))
if (!Number.isInteger(concurrency) || concurrency < 1)
  fail(`--jobs (or TEST_JOBS) must be a whole number ≥ 1, not "${values.jobs}"`)
if (!jobTimeoutMs)
  fail(`--job-timeout (or TEST_JOB_TIMEOUT) must be a duration such as 15m or 900s, not "${values['job-timeout']}"`)
if (positionals.length === 0 || unknown.length > 0)
  fail(
    `name the groups to run (${Object.keys(groups).join(', ')})` +
      `${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
  )
// a new e2e file must be placed in one of the two lists above, or it would silently never run
const e2eFiles = fs
  .readdirSync(path.join(root, 'test/e2e'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.replace(/\.test\.ts$/, ''))
const unlisted = e2eFiles.filter((f) => ![...e2eLayered, ...e2eOnce, ...e2eRestOnly].includes(f))
if (unlisted.length > 0) fail(`test/run.mts: add ${unlisted.join(', ')} to e2eLayered, e2eOnce or e2eRestOnly`)

// once, before the jobs: concurrent extractions of the same layer would race (the sim's tests use both);
// the unit tests need neither the binaries nor the charts
if (positionals.some((group) => group !== 'unit')) {
  const wantedLayers: LayerName[] = positionals.includes('sim') ? (Object.keys(layers) as LayerName[]) : suiteLayers
  for (const layer of wantedLayers) await extractLayer(layer)
  // the real charts every job installs: found (CHARTS_DIR, .cache/charts) or fetched once, here, not by each job
  try {
    const helmBin = path.join(await extractLayer(suiteLayers.at(-1)!), 'helm')
    process.env.CHARTS_DIR = await ensureCharts(helmBin, console.log)
  } catch (error) {
    fail((error as Error).message)
  }
}

const queue = Object.entries(groups).flatMap(([group, jobs]) => (positionals.includes(group) ? jobs : []))
const results: { job: Job; ok: boolean; seconds: number; tests: string; output: string }[] = []
const running = new Set<ProcessPromise>()
const started = Date.now()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    // zx finds each job's process tree first (async): exit only once the signals are sent
    await Promise.all([...running].map((child) => child.kill(signal).catch(() => {})))
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
}

console.log(`${queue.length} test jobs, ${concurrency} at a time`)
await Promise.all(
  Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results.push(await runJob(job))
  }),
)

const seconds = (s: number) => `${s.toFixed(0).padStart(4)} s`
console.log(
  `\n${chalk.bold('test jobs')} (${seconds((Date.now() - started) / 1000).trim()} in all, ${concurrency} at a time)`,
)
for (const r of results)
  console.log(
    `  ${r.ok ? chalk.green('✓') : chalk.red('✗')} ${r.job.name.padEnd(36)} ${seconds(r.seconds)}  ${r.tests}`,
  )
const failed = results.filter((r) => !r.ok)
if (failed.length > 0) {
  console.log(
    chalk.red(
      `\n${failed.length} of ${results.length} jobs failed: ` +
        `${failed.map((r) => r.job.name).join(', ')} (their output is above; their failures follow)`,
    ),
  )
  // a CI log is often read from its end: each failure's own lines again, under the table
  for (const r of failed) {
    const excerpt = failureExcerpt(r.output)
    if (excerpt.length) console.log(`\n${chalk.bold(r.job.name)}:\n${excerpt.join('\n')}`)
  }
  process.exitCode = 1
}

async function runJob(job: Job) {
  const pattern = job.file ? `^${job.file}\\.test\\.ts$` : '\\.test\\.ts$'
  const t0 = Date.now()
  console.log(`▶ ${job.name}`)
  const child = $({
    cwd: root,
    env: { ...process.env, ...job.env },
    quiet: true,
    nothrow: true,
  })`${uvu} -r tsx ${job.dir} ${pattern}`.timeout(jobTimeoutMs!)
  running.add(child)
  const out = await child
  running.delete(child)
  const seconds = (Date.now() - t0) / 1000
  const counts = uvuCounts(out.stdall)
  // uvu exits 0 when its error formatter throws on a thrown error's non-string `details` (our StepError's):
  // the suite stops there unreported, and only its counts show it
  const ok = out.exitCode === 0 && counts.complete
  const tests = counts.text
  const why = ok
    ? ''
    : out.signal
      ? `, ended by ${out.signal}` +
        `${seconds * 1000 >= jobTimeoutMs! ? ` after --job-timeout ${values['job-timeout']}` : ''}`
      : out.exitCode === 0
        ? `, ${tests}: a suite stopped short`
        : `, exit ${out.exitCode}`
  console.log(`\n${ok ? chalk.green('✓') : chalk.red('✗')} ${chalk.bold(job.name)} (${seconds.toFixed(0)} s${why})`)
  process.stdout.write(out.stdall)
  return { job, ok, seconds, tests, output: ok ? '' : out.stdall }
}

function fail(message: string): never {
  console.error(chalk.red(message))
  process.exit(2)
}
