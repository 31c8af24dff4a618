import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { languageOf, messages, padColumns, type Messages } from '../../lib/ui/i18n.ts'

// languageOf

const languageOfTest = suite('languageOf')

languageOfTest('works: a Korean LANG means Korean', () => {
  assert.is(languageOf({ LANG: 'ko_KR.UTF-8' }), 'ko')
})

for (const [name, env, expected] of [
  ['no locale at all: English', {}, 'en'],
  ['LANG=C: English', { LANG: 'C' }, 'en'],
  ['LANG=en_US.UTF-8: English', { LANG: 'en_US.UTF-8' }, 'en'],
  ['LANG=ko (no territory): Korean', { LANG: 'ko' }, 'ko'],
  ['LANG=ko_KR.eucKR: Korean', { LANG: 'ko_KR.eucKR' }, 'ko'],
  ['LC_ALL wins over LANG (ko over en)', { LC_ALL: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'ko'],
  ['LC_ALL wins over LANG (en over ko)', { LC_ALL: 'C.UTF-8', LANG: 'ko_KR.UTF-8' }, 'en'],
  ['LC_ALL wins over LC_MESSAGES', { LC_ALL: 'en_US.UTF-8', LC_MESSAGES: 'ko_KR.UTF-8' }, 'en'],
  ['LC_MESSAGES wins over LANG', { LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'en_GB.UTF-8' }, 'ko'],
  ['an empty LC_ALL is as if unset', { LC_ALL: '', LANG: 'ko_KR.UTF-8' }, 'ko'],
  ['an empty LC_MESSAGES is as if unset', { LC_MESSAGES: '', LANG: 'ko_KR.UTF-8' }, 'ko'],
  ["LC_CTYPE alone does not choose the messages' language", { LC_CTYPE: 'ko_KR.UTF-8' }, 'en'],
  ['kok_IN (Konkani) is not Korean', { LANG: 'kok_IN' }, 'en'],
] as [string, NodeJS.ProcessEnv, 'en' | 'ko'][]) {
  languageOfTest(name, () => {
    assert.is(languageOf(env), expected)
  })
}

languageOfTest.run()

// messages

const messagesTest = suite('messages')

/** The three checkpoint sentences of seed §5 (✅ 체크포인트), markdown backticks removed. */
const seedCheckpoint = [
  'monitoring 네임스페이스에 Prometheus, Grafana, Loki, Tempo 파드가 실행 중이다.',
  'cert-manager 네임스페이스에 cert-manager 파드가 실행 중이다.',
  'monitoring 네임스페이스에 opentelemetry-operator 파드가 실행 중이다.',
]

messagesTest("works: the Korean checkpoint lines are the workshop's own sentences", () => {
  const groups = messages.ko.groups('monitoring')
  assert.equal([groups.monitoring, groups['cert-manager'], groups.operator], seedCheckpoint)
})

messagesTest('every language says everything English says', () => {
  const keys = (m: Messages) => Object.keys(m).sort()
  assert.equal(keys(messages.ko), keys(messages.en))
  const groups = (m: Messages) => Object.keys(m.groups('monitoring'))
  assert.equal(groups(messages.ko), groups(messages.en), 'same groups, same order')
})

messagesTest('counts are in the sentences', () => {
  assert.is(messages.ko.allPassed(17), '점검 17개 모두 통과했습니다.')
  assert.is(messages.ko.someFailed(2, 17), '점검 17개 중 2개가 실패했습니다.')
  assert.is(messages.en.someFailed(2, 17), '2 of 17 checks failed.')
})

messagesTest.run()

// padColumns

const padColumnsTest = suite('padColumns')

padColumnsTest('works: ASCII is padded like padEnd', () => {
  assert.is(padColumns('§2 LGTM stack', 16), '§2 LGTM stack'.padEnd(16))
})

padColumnsTest('Hangul takes two columns', () => {
  assert.is(padColumns('§1 사전 준비', 16), `§1 사전 준비${' '.repeat(16 - 12)}`)
})

padColumnsTest('longer than the width: left as it is', () => {
  assert.is(padColumns('§4 OpenTelemetry Operator 설치', 10), '§4 OpenTelemetry Operator 설치')
})

padColumnsTest.run()
