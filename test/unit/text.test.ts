import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { stackSteps } from '../../lib/core/plan.ts'
import { say, type Text } from '../../lib/core/text.ts'

const hangul = /[\uac00-\ud7a3]/

// say

const sayTest = suite('say')

sayTest('works: the sentence in the language asked for', () => {
  const text: Text = { en: 'namespace monitoring created', ko: '네임스페이스 monitoring 생성됨' }
  assert.is(say(text, 'en'), 'namespace monitoring created')
  assert.is(say(text, 'ko'), '네임스페이스 monitoring 생성됨')
})

sayTest.run()

// the catalogues made in core: each Korean sentence is Korean, not an English one copied over

const catalogueTest = suite('catalogues')

catalogueTest('works: every setting says its --help in Korean too', () => {
  const english = settingDefs.filter((d) => !hangul.test(d.help.ko)).map((d) => `--${d.flag}: ${d.help.ko}`)
  assert.equal(english, [])
})

catalogueTest("every step of the plan has a title in both languages, with the seed's section first", () => {
  for (const profile of ['seed', 'current'] as const) {
    const config = buildConfig(parseSettings(settingDefs, [`--profile=${profile}`], {}).values, () => ({}))
    for (const step of stackSteps(config)) {
      assert.ok(step.title.en && step.title.ko, step.id)
      assert.is(step.title.ko.split(' ')[0], step.title.en.split(' ')[0], step.id)
    }
  }
})

catalogueTest.run()
