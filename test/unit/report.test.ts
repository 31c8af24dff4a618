import { stripVTControlCharacters } from 'node:util'
import { Chalk } from 'chalk'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { section06 } from '../../lib/core/stack.ts'
import { asIs } from '../../lib/core/text.ts'
import { messages } from '../../lib/ui/i18n.ts'
import { groupTitles, makeReport, renderJson, renderReport, renderTable, REPORT_VERSION } from '../../lib/ui/report.ts'
import { aCheck, noColor } from './builders.ts'

const tempo = aCheck({
  id: 'workload/tempo',
  group: 'monitoring',
  title: asIs('Tempo'),
  detail: { en: 'statefulset/tempo 1/1 ready', ko: 'statefulset/tempo 1/1 준비됨' },
})
const loki = aCheck({
  id: 'workload/loki',
  group: 'monitoring',
  title: asIs('Loki'),
  detail: { en: 'statefulset/loki 1/1 ready', ko: 'statefulset/loki 1/1 준비됨' },
})
const webhook = aCheck({
  id: 'webhook/cert-manager',
  group: 'cert-manager',
  title: { en: 'cert-manager webhook answers', ko: 'cert-manager 웹훅 응답' },
  detail: { en: 'a server-side dry-run passed', ko: '서버 측 드라이 런 통과' },
})
const pulling = 'opentelemetry-operator-5d8f-x: ImagePullBackOff'
const operatorDown = aCheck({
  id: 'workload/opentelemetry-operator',
  group: 'operator',
  title: asIs('OpenTelemetry Operator'),
  ok: false,
  detail: {
    en: `deployment/opentelemetry-operator 0/1 available — ${pulling}`,
    ko: `deployment/opentelemetry-operator 0/1 사용 가능 — ${pulling}`,
  },
  hint: { en: 'check the image name and tag', ko: '이미지 이름과 태그를 확인하세요' },
})

// makeReport

const makeReportTest = suite('makeReport')

makeReportTest('works: ok when every check is ok', () => {
  assert.equal(makeReport([tempo, loki]), {
    version: REPORT_VERSION,
    ok: true,
    namespace: 'monitoring',
    checks: [tempo, loki],
  })
})

makeReportTest('one failed check: not ok', () => {
  assert.is(makeReport([tempo, operatorDown, loki]).ok, false)
})

makeReportTest('no checks (a dry run): ok', () => {
  assert.is(makeReport([]).ok, true)
})

makeReportTest.run()

// renderJson

const renderJsonTest = suite('renderJson')

renderJsonTest('works: version 1, ok and every check, parseable', () => {
  const parsed = JSON.parse(renderJson(makeReport([tempo, operatorDown])))
  assert.is(parsed.version, 1)
  assert.is(parsed.ok, false)
  assert.equal(
    parsed.checks.map((c: { id: string; ok: boolean }) => [c.id, c.ok]),
    [
      ['workload/tempo', true],
      ['workload/opentelemetry-operator', false],
    ],
  )
  assert.is(parsed.checks[1].hint, 'check the image name and tag')
})

renderJsonTest('the namespace, and after a green run the next step as a field', () => {
  const parsed = JSON.parse(
    renderJson(makeReport([tempo], { namespace: 'observability', next: section06('observability', 'shop') })),
  )
  assert.is(parsed.namespace, 'observability')
  assert.equal(parsed.next, {
    section: '06',
    namespace: 'shop',
    collector: {
      kind: 'OpenTelemetryCollector',
      name: 'otel-collector',
      traces: 'tempo.observability.svc.cluster.local:4317',
      logs: 'http://loki.observability.svc.cluster.local:3100/loki/api/v1/push',
    },
    instrumentation: {
      kind: 'Instrumentation',
      name: 'my-instrumentation',
      endpoint: 'http://otel-collector-collector.shop.svc.cluster.local:4317',
    },
  })
})

renderJsonTest('pinned: English words, the same keys in the same order, whatever the locale', () => {
  const green = makeReport([tempo, webhook], { namespace: 'observability', next: section06('observability', 'shop') })
  assert.fixture(
    renderJson(green),
    [
      '{',
      '  "version": 1,',
      '  "ok": true,',
      '  "namespace": "observability",',
      '  "checks": [',
      '    {',
      '      "id": "workload/tempo",',
      '      "group": "monitoring",',
      '      "title": "Tempo",',
      '      "ok": true,',
      '      "detail": "statefulset/tempo 1/1 ready"',
      '    },',
      '    {',
      '      "id": "webhook/cert-manager",',
      '      "group": "cert-manager",',
      '      "title": "cert-manager webhook answers",',
      '      "ok": true,',
      '      "detail": "a server-side dry-run passed"',
      '    }',
      '  ],',
      '  "next": {',
      '    "section": "06",',
      '    "namespace": "shop",',
      '    "collector": {',
      '      "kind": "OpenTelemetryCollector",',
      '      "name": "otel-collector",',
      '      "traces": "tempo.observability.svc.cluster.local:4317",',
      '      "logs": "http://loki.observability.svc.cluster.local:3100/loki/api/v1/push"',
      '    },',
      '    "instrumentation": {',
      '      "kind": "Instrumentation",',
      '      "name": "my-instrumentation",',
      '      "endpoint": "http://otel-collector-collector.shop.svc.cluster.local:4317"',
      '    }',
      '  }',
      '}',
    ].join('\n'),
  )
})

renderJsonTest('indented for people reading it too', () => {
  assert.ok(renderJson(makeReport([])).startsWith('{\n  "version": 1,\n  "ok": true,'))
})

renderJsonTest.run()

// renderTable

const renderTableTest = suite('renderTable')

renderTableTest("works: checks grouped under the checkpoint titles, in the seed's order", () => {
  const table = renderTable(makeReport([webhook, tempo, loki]), noColor)
  assert.is(
    table,
    [
      `✅ ${groupTitles('monitoring').monitoring}`,
      '   ✅ Tempo                         statefulset/tempo 1/1 ready',
      '   ✅ Loki                          statefulset/loki 1/1 ready',
      `✅ ${groupTitles('monitoring')['cert-manager']}`,
      '   ✅ cert-manager webhook answers  a server-side dry-run passed',
      '',
      'All 3 checks passed.',
    ].join('\n'),
  )
})

renderTableTest('a failed check: ❌ on it and its group, its hint below, and the count', () => {
  const lines = renderTable(makeReport([tempo, operatorDown, webhook]), noColor).split('\n')
  assert.ok(lines.includes(`❌ ${groupTitles('monitoring').operator}`), lines.join('\n'))
  assert.ok(lines.includes(`✅ ${groupTitles('monitoring').monitoring}`), lines.join('\n'))
  const failed = lines.findIndex((l) => l.startsWith('   ❌ OpenTelemetry Operator'))
  assert.ok(failed > 0, lines.join('\n'))
  assert.ok(
    lines[failed].endsWith(
      'deployment/opentelemetry-operator 0/1 available — opentelemetry-operator-5d8f-x: ImagePullBackOff',
    ),
  )
  assert.match(lines[failed + 1], /^ {6} +→ check the image name and tag$/)
  assert.is(lines.at(-1), '1 of 3 checks failed.')
})

renderTableTest('a hint is printed only for a failed check', () => {
  const table = renderTable(makeReport([aCheck({ hint: asIs('never shown') })]), noColor)
  assert.not.ok(table.includes('never shown'))
})

renderTableTest('a group with a failure is ❌ even when its other checks pass', () => {
  const table = renderTable(
    makeReport([
      tempo,
      aCheck({ id: 'workload/loki', title: asIs('Loki'), ok: false, detail: asIs('statefulset/loki not found') }),
    ]),
    noColor,
  )
  assert.ok(table.startsWith(`❌ ${groupTitles('monitoring').monitoring}\n   ✅ Tempo`), table)
})

renderTableTest('groups without checks are left out', () => {
  const table = renderTable(makeReport([tempo]), noColor)
  for (const group of ['cert-manager', 'operator', 'releases', 'datasources'] as const)
    assert.not.ok(table.includes(groupTitles('monitoring')[group]), group)
})

renderTableTest('with colour, the text is the same once the escapes are removed', () => {
  const report = makeReport([tempo, operatorDown])
  const coloured = renderTable(report, new Chalk({ level: 1 }))
  assert.ok(coloured.includes('\x1b['), 'has colour')
  assert.is(stripVTControlCharacters(coloured), renderTable(report, noColor))
})

renderTableTest("in Korean: the checkpoint lines are the workshop's sentences, each check's words Korean", () => {
  const ko = renderTable(makeReport([tempo, operatorDown, webhook]), noColor, 'ko').split('\n')
  assert.ok(
    ko.includes('✅ monitoring 네임스페이스에 Prometheus, Grafana, Loki, Tempo 파드가 실행 중이다.'),
    ko.join('\n'),
  )
  assert.ok(ko.includes('❌ monitoring 네임스페이스에 opentelemetry-operator 파드가 실행 중이다.'), ko.join('\n'))
  assert.ok(ko.includes('✅ cert-manager 네임스페이스에 cert-manager 파드가 실행 중이다.'), ko.join('\n'))
  assert.is(ko.at(-1), '점검 3개 중 1개가 실패했습니다.')
  // the columns line up on screen: a Hangul syllable takes two (`cert-manager 웹훅 응답` is 22 wide)
  assert.equal(
    ko.filter((l) => l.startsWith('   ')),
    [
      `   ✅ Tempo${' '.repeat(17)}  statefulset/tempo 1/1 준비됨`,
      '   ✅ cert-manager 웹훅 응답  서버 측 드라이 런 통과',
      `   ❌ OpenTelemetry Operator  deployment/opentelemetry-operator 0/1 사용 가능 — ${pulling}`,
      `      ${' '.repeat(22)}  → 이미지 이름과 태그를 확인하세요`,
    ],
  )
})

renderTableTest('in Korean, all passed', () => {
  assert.is(
    renderTable(makeReport([tempo]), noColor, 'ko')
      .split('\n')
      .at(-1),
    messages.ko.allPassed(1),
  )
})

renderTableTest('the headings name the namespace the stack is in', () => {
  const report = makeReport([tempo, operatorDown], { namespace: 'observability' })
  for (const lang of ['en', 'ko'] as const) {
    const table = renderTable(report, noColor, lang)
    assert.not.match(table, /monitoring/, lang)
    assert.is(table.match(/observability/g)?.length, 2, `${lang}: both headings of the stack's namespace`)
  }
  assert.ok(renderTable(report, noColor).startsWith(`✅ ${groupTitles('observability').monitoring}\n`))
  assert.match(groupTitles('observability').monitoring, / in namespace observability$/)
})

const next = section06('observability', 'shop')

renderTableTest('green: the report ends with what section 06 creates and the endpoints it is to use', () => {
  const lines = renderTable(makeReport([tempo], { namespace: 'observability', next }), noColor).split('\n')
  assert.equal(lines.slice(-5), [
    '',
    'Next: section 06 creates, in namespace shop:',
    '  OpenTelemetryCollector otel-collector  traces to tempo.observability.svc.cluster.local:4317 (OTLP gRPC)',
    `${' '.repeat(41)}logs to http://loki.observability.svc.cluster.local:3100/loki/api/v1/push`,
    "  Instrumentation my-instrumentation     the apps' OTLP endpoint " +
      'http://otel-collector-collector.shop.svc.cluster.local:4317',
  ])
})

renderTableTest('in Korean too; and a red report has no next step', () => {
  const ko = renderTable(makeReport([tempo], { namespace: 'observability', next }), noColor, 'ko')
  const lines = ko.split('\n')
  const heading = lines.indexOf('다음 단계: 06장에서 shop 네임스페이스에 만드는 것:')
  assert.ok(heading > 0, ko)
  assert.ok(lines[heading + 1].startsWith('  OpenTelemetryCollector otel-collector  트레이스 전송 '), ko)
  const red = makeReport([tempo, operatorDown], { namespace: 'observability', next })
  assert.is(red.next, undefined)
  assert.not.match(renderTable(red, noColor), /section 06 creates/)
})

renderTableTest.run()

// renderReport

const renderReportTest = suite('renderReport')

renderReportTest('works: the table after a blank line', () => {
  const report = makeReport([tempo, operatorDown])
  assert.is(renderReport(report, { json: false, c: noColor }), `\n${renderTable(report, noColor)}`)
})

renderReportTest('--json is the same in every language', () => {
  const report = makeReport([tempo, operatorDown, webhook])
  const en = renderReport(report, { json: true, c: noColor, lang: 'en' })
  assert.is(renderReport(report, { json: true, c: noColor, lang: 'ko' }), en)
  assert.is(en, renderJson(report))
  assert.not.match(en, /[\uac00-\ud7a3]/, 'no Hangul in the JSON')
})

renderReportTest('the table follows the language', () => {
  const report = makeReport([tempo])
  assert.match(
    renderReport(report, { json: false, c: noColor, lang: 'ko' }),
    messages.ko.groups('monitoring').monitoring,
  )
  assert.not.match(
    renderReport(report, { json: false, c: noColor, lang: 'en' }),
    messages.ko.groups('monitoring').monitoring,
  )
})

renderReportTest.run()
