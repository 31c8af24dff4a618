// Where a converged re-run's and a start-up's time goes, for whoever picks the levers in lib/:
// `scripts/all.mts --verbose` on the converged cluster with every kubectl and helm call timed
// (a shim first on PATH notes each call's start, end and argv), then the candidate levers alone.
// None of this enters a target: the shims add a bash start to every call.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { root, type Cluster } from './world.ts'
import { emptyScript, median, spawnSeconds, zxSeconds } from './measure.ts'

export interface Call {
  /** seconds from the script's spawn */
  start: number
  /** undefined: still running when the script ended (a watch it stopped) */
  end?: number
  exitCode?: number
  argv: string
}

export interface CallTrace {
  seconds: number
  exitCode: number | null
  calls: Call[]
  output: string
}

/** Runs `node zx/cli.js scripts/<script> …args` (as the harness does) with each kubectl/helm call timed. */
export async function traceCalls(cluster: Cluster, script: string, args: string[]): Promise<CallTrace> {
  const shims = path.join(cluster.dir, 'trace-bin')
  const log = path.join(cluster.dir, `trace-${Date.now()}.log`)
  fs.mkdirSync(shims, { recursive: true })
  for (const tool of ['kubectl', 'helm']) {
    // EPOCHREALTIME: bash's own clock, no `date` process per call; S/E lines, so a killed watch still shows
    fs.writeFileSync(
      path.join(shims, tool),
      [
        '#!/bin/bash',
        `printf 'S %s %s %s\\n' "$$" "$EPOCHREALTIME" "${tool} $*" >> "$BENCH_TRACE_LOG"`,
        `${JSON.stringify(path.join(cluster.suite.bin, tool))} "$@"`,
        'rc=$?',
        `printf 'E %s %s %s\\n' "$$" "$EPOCHREALTIME" "$rc" >> "$BENCH_TRACE_LOG"`,
        'exit $rc',
        '',
      ].join('\n'),
      { mode: 0o755 },
    )
  }
  const env = { ...cluster.env, PATH: `${shims}:${cluster.env.PATH}`, BENCH_TRACE_LOG: log }
  const started = Date.now() / 1000
  const cli = path.join(root, 'node_modules', 'zx', 'build', 'cli.js')
  const argv = [cli, path.join('scripts', script), ...args]
  const child = spawn('node', argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const seconds = Date.now() / 1000 - started
  const byPid = new Map<string, Call>()
  for (const line of fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : []) {
    const m = /^([SE]) (\d+) ([\d.]+) (.*)$/.exec(line)
    if (!m) continue
    const at = Number(m[3]) - started
    if (m[1] === 'S') byPid.set(m[2], { start: at, argv: m[4] })
    else if (byPid.has(m[2])) Object.assign(byPid.get(m[2])!, { end: at, exitCode: Number(m[4]) })
  }
  return { seconds, exitCode, calls: [...byPid.values()].sort((a, b) => a.start - b.start), output }
}

/** The trace as lines: each call (start, duration, argv), then where the wall time went. */
export function renderTrace(trace: CallTrace, width = 120): string[] {
  const short = (argv: string) => argv.replace(/\S*\/(?=[^/\s]+\.ya?ml)/g, '').replace(/ --kube-context \S+/, '')
  const lines = trace.calls.map((c) => {
    const took = isWatch(c) ? '  watch' : `${(c.end! - c.start).toFixed(3)}s`
    const head = `  +${c.start.toFixed(3)}s ${took.padStart(7)}  `
    const text = short(c.argv)
    return `${head}${text.length > width - head.length ? `${text.slice(0, width - head.length - 1)}…` : text}`
  })
  // a watch lasts as long as the wait it feeds (or the run): it is no call to wait for
  const finished = trace.calls.filter((c) => !isWatch(c))
  const first = trace.calls[0]?.start ?? trace.seconds
  const last = Math.max(first, ...finished.map((c) => c.end!))
  const busy = union(finished.map((c) => [c.start, c.end!]))
  const byTool = new Map<string, { n: number; s: number }>()
  for (const c of finished) {
    const words = /^helm (get|repo|search|list|version)|^kubectl (get|apply|version|config)/.test(c.argv) ? 3 : 2
    const key = c.argv.split(' ').slice(0, words).join(' ').replace(/ -.*$/, '')
    const k = byTool.get(key) ?? { n: 0, s: 0 }
    byTool.set(key, { n: k.n + 1, s: k.s + (c.end! - c.start) })
  }
  return [
    ...lines,
    `  wall ${trace.seconds.toFixed(2)}s: spawn → first call ${first.toFixed(2)}s; some kubectl/helm call running ` +
      `${busy.toFixed(2)}s; none running between the first call and the last end ` +
      `${(last - first - busy).toFixed(2)}s; ` +
      `last end → exit ${(trace.seconds - last).toFixed(2)}s`,
    `  by command (count × summed seconds; calls overlap): ${[...byTool]
      .sort((a, b) => b[1].s - a[1].s)
      .map(([k, v]) => `${k} ${v.n}× ${v.s.toFixed(2)}s`)
      .join(', ')}`,
  ]
}

/** A `--watch` (ended by the script, or killed with it) or a call the trace saw no end of. */
function isWatch(c: Call): boolean {
  return c.end === undefined || / --watch\b/.test(c.argv)
}

/** Total length of a union of intervals. */
function union(intervals: [number, number][]): number {
  let total = 0
  let end = -Infinity
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue
    total += b - Math.max(a, end)
    end = b
  }
  return total
}

/**
 * The candidate levers, each timed alone on the converged cluster (median of `runs`): what the
 * lib owner would save or pay by changing it. Lines to print.
 */
export async function measureLevers(
  cluster: Cluster,
  repos: string[],
  pinned: { repo: string; chart: string; version: string }[],
  runs = 3,
): Promise<string[]> {
  const env = cluster.env
  const med = async (bin: string, args: string[]) => {
    const times: number[] = []
    for (let i = 0; i < runs; i++) times.push(await spawnSeconds(bin, args, env))
    return median(times)
  }
  const lines: string[] = []
  const update = await med('helm', ['repo', 'update', ...repos])
  const searches: number[] = []
  for (const p of pinned) {
    searches.push(await med('helm', ['search', 'repo', `${p.repo}/${p.chart}`, '--version', p.version, '-o', 'json']))
  }
  const version = await med('helm', ['version', '--short'])
  lines.push(
    `  helm repo update ${repos.join(' ')}: ${update.toFixed(2)}s ` +
      '(the upstream-size indexes fetched and written again)',
  )
  const each = searches.map((s, i) => `${pinned[i].chart} ${s.toFixed(2)}s`).join(', ')
  lines.push(
    `  helm search repo <pinned> --version: ${each}` +
      ` (each loads every repository's index from the cache); helm version --short, a bare helm start: ` +
      `${version.toFixed(2)}s`,
  )

  // What the scripts load before their first call: each import alone in a fresh `zx` (with tsx).
  const zx = await medianOf(runs, () => zxSeconds(cluster, emptyScript(cluster)))
  // packages by their resolved URL: the import files sit in a temp folder with no node_modules
  const imports: [string, string][] = [
    ['yaml', import.meta.resolve('yaml')],
    ['chalk', import.meta.resolve('chalk')],
    ['lib/core/config.ts', path.join(root, 'lib', 'core', 'config.ts')],
    ['lib/run/main.ts', path.join(root, 'lib', 'run', 'main.ts')],
    ['scripts/all.mts (every lib module)', path.join(root, 'scripts', 'all.mts')],
  ]
  const costs: string[] = []
  for (const [label, spec] of imports) {
    const file = emptyScript(cluster, `import ${JSON.stringify(spec)}\n`, `import-${label.replace(/\W+/g, '-')}`)
    costs.push(`${label} +${((await medianOf(runs, () => zxSeconds(cluster, file))) - zx).toFixed(2)}s`)
  }
  lines.push(`  start-up: an empty .mts via zx ${zx.toFixed(2)}s; importing, over that: ${costs.join(', ')}`)
  const kubectlVersion = await med('kubectl', ['version', '-o', 'json'])
  const clientOnly = await med('kubectl', ['version', '--client', '-o', 'json'])
  lines.push(
    `  kubectl version -o json (the preflight's first API call): ${kubectlVersion.toFixed(2)}s; ` +
      `kubectl version --client: ${clientOnly.toFixed(2)}s`,
  )
  return lines
}

async function medianOf(runs: number, f: () => Promise<number>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push(await f())
  return median(times)
}
