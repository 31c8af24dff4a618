// `npm run demo` as a person sees it: on a terminal 80 columns wide (Debian's tmux, a pane read
// with capture-pane while the demo runs and once it has ended). The live area's rows are cut at
// the terminal's width, so each must start with its elapsed time; steps run side by side, so each
// progress line must name its step, and the step that owns what it speaks of.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, quote, which } from 'zx'
import { root } from './harness.ts'
import { chartsDir } from '../fixtures/charts.ts'

const COLUMNS = 80
/** how long the whole demo may take on a loaded machine */
const DEMO_MS = 15 * 60_000
/** how often the pane is read: slow enough to cost nothing, and no assertion depends on its timing */
const POLL_MS = 500

const spinner = '[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]'
const time = String.raw`(?:\d+\.\ds|\d+m\d\ds)`
/** a row of the live area: the spinner, then the elapsed time, then what runs */
const liveRow = new RegExp(`^${spinner} `)
const liveRowTimeFirst = new RegExp(`^${spinner} ${time} \\S`)
/** a progress line: a mark first, after its step's tag if it has one */
const progress = /^(?:(§[\d.]+ [^│]+?) │ )?([✓✗!…] .*)$/

/** The steps of `npm run all` that own a component, and the words that name it in a line. */
const owners: [RegExp, string][] = [
  [/\bkube-prometheus-stack\b/, '§2.2 kube-prometheus-stack'],
  [/\bloki\b/, '§2.3 loki'],
  [/\btempo\b/, '§2.4 tempo'],
  [/\bcert-manager\b/, '§3 cert-manager'],
  [/\bopentelemetry-operator\b|OpenTelemetry Operator/, '§4 opentelemetry-operator'],
]

/** What is wrong with the live rows on a screen: any row whose elapsed time is not right after its spinner. */
function liveRowProblems(screen: string): string[] {
  return screen
    .split('\n')
    .filter((l) => liveRow.test(l) && !liveRowTimeFirst.test(l))
    .map((l) => `a live row without its elapsed time first: "${l}"`)
}

/**
 * What is wrong with the lines of the `npm run all` runs on the final screen: a progress line that
 * names no step (it would read as part of whatever came before), or one tagged with a step other
 * than the one owning what it speaks of.
 */
function tagProblems(screen: string): string[] {
  const problems: string[] = []
  for (const block of screen.split(/^━━ /m).filter((b) => b.startsWith('npm run all'))) {
    // from the first step's line (the preflight's lines before it, target, cluster and adaptations, belong
    // to no step) to the report (stdout, never tagged)
    const lines = block.split('\n')
    const start = lines.findIndex((l) => / │ /.test(l))
    const end = lines.findIndex((l) => /^(✅|❌)/.test(l))
    assert.ok(start >= 0 && end > start, `no step's line before the report in:\n${block}`)
    for (const line of lines.slice(start, end)) {
      const [, tag, text] = progress.exec(line) ?? []
      if (!text) continue
      if (!tag) problems.push(`a progress line without its step: "${line}"`)
      const named = owners.filter(([words]) => words.test(text)).map(([, step]) => step)
      if (tag && named.length === 1 && named[0] !== tag) problems.push(`"${line}" is not under ${named[0]}`)
    }
  }
  return problems
}

const test = suite('npm run demo on an 80-column terminal (tmux)')

let dir: string
let tmux: (...args: string[]) => Promise<string>

test.before(async () => {
  assert.ok(await which('tmux', { nothrow: true }), 'tmux is not installed (Debian: apt-get install tmux)')
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'screen-'))
  // a server of its own (its socket in our folder), a long scrollback, and the pane kept once the demo ends
  const conf = path.join(dir, 'tmux.conf')
  fs.writeFileSync(conf, 'set -g history-limit 100000\nset -g remain-on-exit on\n')
  const socket = path.join(dir, 'tmux.sock')
  tmux = async (...args) => (await $({ quiet: true })`tmux -S ${socket} -f ${conf} ${args}`).stdout
})

test.after(async () => {
  await tmux?.('kill-server').catch(() => {})
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

test('no live row loses its elapsed time at the edge; every line of a step names that step', async () => {
  // a terminal, not CI: the live area is on (the suite itself may run with CI set)
  const env = ['-u', 'CI', '-u', 'NO_COLOR', '-u', 'FORCE_COLOR', `CHARTS_DIR=${path.resolve(chartsDir())}`]
  // tmux runs its command through a shell: every word quoted
  const command = ['env', ...env, 'npm', 'run', 'demo'].map(quote).join(' ')
  await tmux('new-session', '-d', '-s', 'demo', '-x', String(COLUMNS), '-y', '40', '-c', root, command)
  const problems = new Set<string>()
  let liveRowsSeen = 0
  const deadline = Date.now() + DEMO_MS
  for (;;) {
    const screen = await tmux('capture-pane', '-p', '-t', 'demo')
    for (const p of liveRowProblems(screen)) problems.add(p)
    liveRowsSeen += screen.split('\n').filter((l) => liveRow.test(l)).length
    if ((await tmux('display-message', '-p', '-t', 'demo', '#{pane_dead}')).trim() === '1') break
    assert.ok(Date.now() < deadline, `the demo did not end within ${DEMO_MS / 60_000} min`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  // the whole scrollback, each wrapped line joined again: a line as the program wrote it
  const final = await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'demo')
  // the demo ran to its end with every part ✓ (its exit code is the demo test's; this tmux does not always
  // record a dead pane's status)
  assert.match(final, /^Demo summary/m, final)
  assert.not.match(final, /^\s*✗ npm run /m, final)
  assert.match(final, /Stopped the simulated cluster/, final)
  for (const p of [...liveRowProblems(final), ...tagProblems(final)]) problems.add(p)
  assert.equal([...problems], [], final)
  assert.ok(liveRowsSeen > 0, 'no live row was ever on the screen: was it a terminal?')
  assert.match(final, /§2\.3 loki │ ✓ installed loki-stack \S+ \(\d/, 'the words for what happened')
  assert.match(final, /§2\.3 loki │ ✓ unchanged loki-stack \S+ \(revision 1\)/)
  assert.not.match(final, /not installed\)/, 'no "installed (… — not installed)"')
  assert.match(final, /^ {2}npm run grafana {3}/m, 'the next step')
})

test.run()
