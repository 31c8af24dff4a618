// Credentials in URLs are never printed: the log redacts every line, the printed bash script reads
// them from a variable, and our mark on cert-manager's namespace does not keep them.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildConfig, settingDefs } from '../../lib/core/config.ts'
import { planFor } from '../../lib/core/plan.ts'
import { credentialsOf, redactCredentials, withCredentialsFrom } from '../../lib/core/redact.ts'
import { parseSettings } from '../../lib/core/settings.ts'
import { renderScript } from '../../lib/run/script.ts'
import { manifestFingerprint } from '../../lib/steps/certmanager.ts'
import { captureLog } from './builders.ts'

const test = suite('credentials in URLs')

test('works: user and password of every URL in a line become ***', () => {
  assert.is(
    redactCredentials('helm repo add grafana https://alice:s3cret@mirror.example/grafana and oci://bob@reg.example/c'),
    'helm repo add grafana https://***@mirror.example/grafana and oci://***@reg.example/c',
  )
})

test('a URL without credentials, an e-mail address and a shell variable are left alone', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as the printed script has it
  const text = 'https://mirror.example/grafana ops@example.com "https://${STACK_URL_CREDENTIALS}@mirror.example/x"'
  assert.is(redactCredentials(text), text)
})

test('credentialsOf and withCredentialsFrom', () => {
  assert.is(credentialsOf('https://alice:s3cret@mirror.example/g'), 'alice:s3cret')
  assert.is(credentialsOf('https://mirror.example/g'), undefined)
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as the printed script has it
  assert.is(withCredentialsFrom('https://alice:s3cret@mirror.example/g', 'V'), 'https://${V}@mirror.example/g')
})

test('the log never writes them, on stderr or stdout', () => {
  const { log, err, out } = captureLog('verbose')
  log.info('adding https://alice:s3cret@mirror.example/grafana')
  log.verbose('$ helm repo add grafana https://alice:s3cret@mirror.example/grafana')
  log.print('{"url": "https://alice:s3cret@mirror.example"}')
  assert.not.ok(`${err()}${out()}`.includes('s3cret'), `${err()}${out()}`)
  assert.ok(err().includes('https://***@mirror.example/grafana'))
})

test('the printed script reads them from a variable it asks for, and names no password', () => {
  const argv = ['--chart-mirror=https://alice:s3cret@mirror.example']
  const config = buildConfig(parseSettings(settingDefs, argv, {}).values, () => ({}))
  const text = renderScript(config, {}, planFor(config, ['lgtm']), { printedBy: 'test', cwd: '/' })
  assert.not.ok(text.includes('s3cret') || text.includes('alice'), text)
  assert.match(text, /^: "\$\{STACK_URL_CREDENTIALS:\?set STACK_URL_CREDENTIALS=user:password for mirror\.example/m)
  assert.match(text, /^helm repo add grafana "https:\/\/\$\{STACK_URL_CREDENTIALS\}@mirror\.example\/grafana" /m)
})

test("our mark on cert-manager's namespace names the manifest without its credentials", () => {
  assert.is(manifestFingerprint('https://alice:s3cret@mirror.example/cm.yaml'), 'https://***@mirror.example/cm.yaml')
})

test.run()
