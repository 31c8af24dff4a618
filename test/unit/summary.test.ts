import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EnvironmentError, ExitError, StepError, UsageError } from '../../lib/core/errors.ts'
import type { Outcome } from '../../lib/core/plan.ts'
import type { StepResult } from '../../lib/core/plan.ts'
import { nextSteps, planExitCode, renderSummary } from '../../lib/ui/summary.ts'
import { aConfig, noColor } from './builders.ts'

type Row = { result: StepResult; title: string }
const ok = (id: string, ms: number, title = id): Row => ({ result: { id, status: 'ok', ms }, title })
const failed = (id: string, ms: number, title = id): Row => ({
  result: { id, status: 'failed', ms, error: new StepError('boom') },
  title,
})
const skipped = (id: string, title = id): Row => ({ result: { id, status: 'skipped', ms: 0 }, title })

const allOk = [
  ok('namespace', 400, '§1 namespaces'),
  ok('lgtm', 93_450, '§2 LGTM stack'),
  ok('verify', 2_000, '§5 checkpoint report'),
]
const unchanged: Outcome[] = [
  { name: 'namespace/monitoring', action: 'exists', detail: 'left as it is' },
  { name: 'release/tempo', action: 'unchanged', detail: 'tempo 1.24.4' },
  { name: 'cert-manager', action: 'unchanged', detail: 'v1.14.5' },
]

const summary = (opts: { dryRun?: boolean; namespace?: string; outcomes?: Outcome[]; results?: Row[] } = {}) =>
  renderSummary(
    {
      config: aConfig({ dryRun: opts.dryRun ?? false, namespace: opts.namespace ?? 'monitoring' }),
      outcomes: opts.outcomes ?? unchanged,
    },
    opts.results ?? allOk,
    Date.now() - 95_000,
    noColor,
  )

// renderSummary

const renderSummaryTest = suite('renderSummary')

renderSummaryTest('works: each step with its status and time, then the total', () => {
  const lines = summary()
  assert.equal(lines.slice(0, 6), [
    '',
    'Summary',
    `  ✓ ${'§1 namespaces'.padEnd(34)} 0.4s`,
    `  ✓ ${'§2 LGTM stack'.padEnd(34)} 93.5s`,
    `  ✓ ${'§5 checkpoint report'.padEnd(34)} 2.0s`,
    '  total 1m35s',
  ])
})

renderSummaryTest('a total just under two minutes reads 2m00s, not 1m60s', () => {
  const lines = renderSummary({ config: aConfig(), outcomes: unchanged }, allOk, Date.now() - 119_700, noColor)
  assert.ok(lines.includes('  total 2m00s'), lines.join('\n'))
})

renderSummaryTest('failed and skipped steps: ✗ with the time, – not run', () => {
  const lines = summary({ results: [ok('namespace', 400), failed('lgtm', 12_300), skipped('verify')] })
  assert.ok(lines.includes(`  ✗ ${'lgtm'.padEnd(34)} 12.3s`), lines.join('\n'))
  assert.ok(lines.includes(`  – ${'verify'.padEnd(34)} not run`), lines.join('\n'))
})

renderSummaryTest('no outcome changed: nothing to do', () => {
  assert.ok(summary().includes('  nothing to do: everything was already in place'), summary().join('\n'))
})

renderSummaryTest('a run that failed and changed nothing says so, not "nothing to do" (a flaky API)', () => {
  const lines = summary({ results: [failed('namespace', 3500), ok('repos', 400), skipped('lgtm')] })
  assert.ok(lines.includes('  nothing was changed'), lines.join('\n'))
  assert.not.ok(lines.join('\n').includes('nothing to do'))
})

renderSummaryTest('outcomes that changed are listed, one a line, each said once; those that did not are not', () => {
  const lines = summary({
    outcomes: [
      ...unchanged,
      { name: 'release/loki', action: 'installed', detail: 'loki-stack 2.10.3' },
      { name: 'release/kube-prometheus-stack', action: 'upgraded', detail: 'kube-prometheus-stack 88.5.3 → 88.6.0' },
      { name: 'namespace/cert-manager', action: 'created', detail: '' },
    ],
  })
  const at = lines.indexOf('  changed:')
  assert.equal(lines.slice(at, at + 4), [
    '  changed:',
    '    release/loki installed (loki-stack 2.10.3)',
    '    release/kube-prometheus-stack upgraded (kube-prometheus-stack 88.5.3 → 88.6.0)',
    '    namespace/cert-manager created',
  ])
  assert.not.ok(lines.join('\n').includes('nothing to do'))
  assert.not.ok(lines.join('\n').includes('release/tempo'))
})

renderSummaryTest('all ok: the next step is `npm run grafana`, with the namespace when not the default', () => {
  assert.ok(
    summary().some((l) => l.startsWith('  npm run grafana   opens Grafana')),
    summary().join('\n'),
  )
  const other = summary({ namespace: 'observability' })
  assert.ok(
    other.some((l) => l.startsWith('  npm run grafana -- --namespace observability   ')),
    other.join('\n'),
  )
})

renderSummaryTest('no password, nor a command that prints one', () => {
  const text = summary().join('\n')
  assert.not.ok(text.includes('prom-operator'), "the chart's default password")
  assert.not.ok(text.includes('admin-password'), text)
  assert.not.match(text, /password:\s*\S/)
})

renderSummaryTest('a failed step: no Grafana access lines', () => {
  const text = summary({ results: [ok('namespace', 400), failed('lgtm', 1000)] }).join('\n')
  assert.not.ok(text.includes('npm run grafana'))
  assert.not.ok(text.includes('Grafana'))
})

const koreanTitles = [
  ok('namespace', 400, '§1 네임스페이스'),
  ok('lgtm', 93_450, '§2 LGTM 스택'),
  ok('verify', 2_000, '§5 설치 확인'),
]

renderSummaryTest("in Korean: headings, the steps' Korean titles, times and what changed", () => {
  const lines = renderSummary(
    {
      config: aConfig(),
      outcomes: [...unchanged, { name: 'release/loki', action: 'installed', detail: 'loki-stack 2.10.3' }],
    },
    koreanTitles,
    Date.now() - 95_000,
    noColor,
    'ko',
  )
  assert.equal(lines.slice(0, 6), [
    '',
    '요약',
    `  ✓ §1 네임스페이스${' '.repeat(34 - 15)} 0.4s`,
    `  ✓ §2 LGTM 스택${' '.repeat(34 - 12)} 93.5s`,
    `  ✓ §5 설치 확인${' '.repeat(34 - 12)} 2.0s`,
    '  전체 1m35s',
  ])
  assert.ok(lines.includes('    release/loki 설치됨 (loki-stack 2.10.3)'), lines.join('\n'))
  assert.ok(lines.includes('  변경됨:'), lines.join('\n'))
  assert.ok(
    lines.some((l) => l.startsWith('  npm run grafana   Grafana 열기')),
    lines.join('\n'),
  )
})

renderSummaryTest('in Korean: nothing to do', () => {
  const lines = renderSummary(
    { config: aConfig(), outcomes: unchanged },
    [ok('namespace', 400), ok('verify', 300)],
    Date.now(),
    noColor,
    'ko',
  )
  assert.ok(lines.includes('  할 일 없음: 모두 이미 설치되어 있습니다'), lines.join('\n'))
})

renderSummaryTest('in Korean: a step not run, nothing changed', () => {
  const lines = renderSummary(
    { config: aConfig(), outcomes: unchanged },
    [failed('namespace', 400), skipped('verify')],
    Date.now(),
    noColor,
    'ko',
  )
  assert.ok(
    lines.some((l) => l.endsWith('실행 안 함')),
    lines.join('\n'),
  )
  assert.ok(lines.includes('  변경된 것 없음'), lines.join('\n'))
})

renderSummaryTest.run()

// nextSteps

const nextStepsTest = suite('nextSteps')

nextStepsTest('works: a heading, then the command and what it does', () => {
  assert.equal(nextSteps('monitoring', noColor), [
    '',
    'Next',
    '  npm run grafana   opens Grafana: its URL and user; the password to the clipboard (or --show-password)',
  ])
})

nextStepsTest.run()

// planExitCode

const planExitCodeTest = suite('planExitCode')

const result = (status: StepResult['status'], error?: unknown): StepResult => ({ id: 'x', status, ms: 1, error })

planExitCodeTest('works: every step ok → 0', () => {
  assert.is(planExitCode([result('ok'), result('ok')]), 0)
})

for (const [name, results, code] of [
  ['no steps', [], 0],
  ['a failed step (StepError)', [result('ok'), result('failed', new StepError('x')), result('skipped')], 1],
  ['a UsageError', [result('failed', new UsageError(['x']))], 2],
  ['an EnvironmentError', [result('failed', new EnvironmentError('x'))], 2],
  ['an ExitError keeps its code', [result('failed', new ExitError(3))], 3],
  ['an unexpected error', [result('failed', new TypeError('x'))], 1],
  ['the first failed step decides', [result('failed', new UsageError(['x'])), result('failed', new StepError('y'))], 2],
  ['skipped steps alone are not a failure', [result('ok'), result('skipped')], 0],
] as [string, StepResult[], number][]) {
  planExitCodeTest(`${name} → ${code}`, () => {
    assert.is(planExitCode(results), code)
  })
}

planExitCodeTest.run()
