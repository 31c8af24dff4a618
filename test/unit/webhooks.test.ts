// A webhook is this stack's only when a webhook configuration points at this stack's Service:
// another stack's operator answers the same dry run.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { notOurWebhook, webhookOf, webhookServices } from '../../lib/steps/certmanager.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { aConfig } from './builders.ts'

const configuration = (kind: string, ...services: [string, string][]): KubeObject => ({
  kind,
  metadata: { name: `${kind.toLowerCase()}-${services.length}` },
  webhooks: services.map(([namespace, name]) => ({
    name: `w.${name}`,
    clientConfig: { service: { namespace, name } },
  })),
})
const operator = webhookOf('operator', aConfig({ namespace: 'observability' }), {})
const certManager = webhookOf('cert-manager', aConfig(), {})

const test = suite('webhook ownership')

test('works: the Services of every webhook of both kinds, a URL webhook left out', () => {
  const url: KubeObject = {
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'u' },
    webhooks: [{ clientConfig: { url: 'https://x' } }],
  }
  const found = webhookServices([
    configuration('MutatingWebhookConfiguration', ['observability', 'opentelemetry-operator-webhook']),
    configuration('ValidatingWebhookConfiguration', ['cert-manager', 'cert-manager-webhook'], ['other', 'x']),
    url,
  ])
  assert.equal(found, ['observability/opentelemetry-operator-webhook', 'cert-manager/cert-manager-webhook', 'other/x'])
})

test("our operator's webhook: in the stack's namespace, as the chart names it", () => {
  assert.equal(operator.service, { namespace: 'observability', name: 'opentelemetry-operator-webhook' })
  assert.equal(certManager.service, { namespace: 'cert-manager', name: 'cert-manager-webhook' })
})

test("another stack's operator answered: said, naming our Service", () => {
  const theirs = [configuration('MutatingWebhookConfiguration', ['monitoring', 'opentelemetry-operator-webhook'])]
  const said = notOurWebhook(operator, theirs)
  assert.match(
    said?.en ?? '',
    /no webhook configuration points at service observability\/opentelemetry-operator-webhook/,
  )
  assert.match(said?.ko ?? '', /operator-webhook 서비스를 가리키는 웹훅 설정이 없습니다/)
})

test('ours among others: nothing to say', () => {
  const both = [
    configuration('MutatingWebhookConfiguration', ['monitoring', 'opentelemetry-operator-webhook']),
    configuration('ValidatingWebhookConfiguration', ['observability', 'opentelemetry-operator-webhook']),
  ]
  assert.is(notOurWebhook(operator, both), undefined)
})

test.run()
