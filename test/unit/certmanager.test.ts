import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import {
  applyCertManager,
  MANIFEST_ANNOTATION,
  manifestFingerprint,
  requireCertManager,
  webhookOf,
} from '../../lib/steps/certmanager.ts'
import type { Context } from '../../lib/steps/context.ts'

const certManagerWebhook = (ctx: Context) => webhookOf('cert-manager', ctx.config, ctx.target)
const operatorWebhook = (ctx: Context) => webhookOf('operator', ctx.config, ctx.target)
import { StepError } from '../../lib/core/errors.ts'
import { createContext } from '../../lib/steps/context.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

const seedUrl = 'https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml'

/** A reader over an in-memory folder, recording what was read. */
function files(contents: Record<string, string>) {
  const read: string[] = []
  const reader = (p: string) => {
    read.push(p)
    if (!(p in contents)) throw new Error(`ENOENT: ${p}`)
    return Buffer.from(contents[p])
  }
  return { reader, read }
}

// manifestFingerprint

const manifestFingerprintTest = suite('manifestFingerprint')

manifestFingerprintTest('works: a release URL is its own fingerprint, nothing is read', () => {
  const { reader, read } = files({})
  assert.is(manifestFingerprint(seedUrl, reader), seedUrl)
  assert.equal(read, [])
})

manifestFingerprintTest('an http mirror URL is its own fingerprint too', () => {
  assert.is(
    manifestFingerprint('http://mirror.local/cert-manager.yaml', files({}).reader),
    'http://mirror.local/cert-manager.yaml',
  )
})

manifestFingerprintTest('a file: sha256 of its content, through the injected reader', () => {
  const content = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n'
  const { reader, read } = files({ './cert-manager.yaml': content })
  const expected = `sha256:${createHash('sha256').update(content).digest('hex').slice(0, 32)}`
  assert.is(manifestFingerprint('./cert-manager.yaml', reader), expected)
  assert.equal(read, ['./cert-manager.yaml'])
})

manifestFingerprintTest('different content, different fingerprint', () => {
  const { reader } = files({ a: 'kind: Namespace\n', b: 'kind: Namespace \n' })
  assert.is.not(manifestFingerprint('a', reader), manifestFingerprint('b', reader))
})

manifestFingerprintTest('the same content elsewhere: the same fingerprint (a copy is the same manifest)', () => {
  const { reader } = files({ '/tmp/a/cert-manager.yaml': 'x', '/srv/b/cert-manager.yaml': 'x' })
  assert.is(
    manifestFingerprint('/tmp/a/cert-manager.yaml', reader),
    manifestFingerprint('/srv/b/cert-manager.yaml', reader),
  )
})

manifestFingerprintTest('a fingerprint fits in an annotation value and does not look like a URL', () => {
  const fingerprint = manifestFingerprint('f', files({ f: 'x' }).reader)
  assert.match(fingerprint, /^sha256:[0-9a-f]{32}$/)
  assert.is(MANIFEST_ANNOTATION, 'monitoring-stack.workshop/cert-manager-manifest')
})

manifestFingerprintTest.run()

// certManagerWebhook

const certManagerWebhookTest = suite('certManagerWebhook')

const ctxWith = (overrides: Parameters<typeof aConfig>[0] = {}) => createContext(aConfig(overrides), captureLog().log)

certManagerWebhookTest("works: a server-side dry-run of an Issuer in cert-manager's namespace", () => {
  const { title, probe } = certManagerWebhook(ctxWith({ context: 'kind-kind' }))
  assert.is(title.en, 'cert-manager webhook to answer')
  assert.equal(probe.argv, ['kubectl', '--context', 'kind-kind', 'create', '--dry-run=server', '-f', '-'])
  assert.equal(parse(probe.input ?? ''), {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: 'webhook-probe', namespace: 'cert-manager' },
    spec: { selfSigned: {} },
  })
})

certManagerWebhookTest('on timeout: a StepError with the last error and where to look', () => {
  const error = certManagerWebhook(ctxWith()).onTimeout('connection refused')
  assert.instance(error, StepError)
  assert.is(error.message, 'cert-manager webhook did not answer in time: connection refused')
  assert.match(error.details.hint ?? '', /kubectl logs -n cert-manager deploy\/cert-manager-webhook/)
})

certManagerWebhookTest.run()

// operatorWebhook

const operatorWebhookTest = suite('operatorWebhook')

operatorWebhookTest("works: a server-side dry-run of an Instrumentation in the stack's namespace", () => {
  const { probe } = operatorWebhook(ctxWith({ namespace: 'observability' }))
  assert.equal(probe.argv, ['kubectl', 'create', '--dry-run=server', '-f', '-'])
  const object = parse(probe.input ?? '')
  assert.equal(
    [object.apiVersion, object.kind, object.metadata],
    ['opentelemetry.io/v1alpha1', 'Instrumentation', { name: 'webhook-probe', namespace: 'observability' }],
  )
})

operatorWebhookTest("on timeout: the hint names the operator's namespace", () => {
  const error = operatorWebhook(ctxWith()).onTimeout('x509: certificate signed by unknown authority')
  assert.is(
    error.message,
    'OpenTelemetry Operator webhook did not answer in time: x509: certificate signed by unknown authority',
  )
  assert.match(error.details.hint ?? '', /kubectl logs -n monitoring deploy\/opentelemetry-operator/)
})

operatorWebhookTest.run()

// requireCertManager

const requireCertManagerTest = suite('requireCertManager')

requireCertManagerTest('it asks the cluster (and here, with no cluster, fails)', async () => {
  const ctx = ctxWith()
  const asked: string[] = []
  ctx.runner.probe = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    throw new Error('no cluster here')
  }
  const failed = await requireCertManager(ctx).then(
    () => false,
    () => true,
  )
  assert.ok(failed, 'it resolved without a cluster')
  assert.ok(asked.length > 0)
})

requireCertManagerTest.run()

// applyCertManager

const applyCertManagerTest = suite('applyCertManager')

/** cert-manager's namespace already annotated with the seed manifest's URL, and these deployments in it. */
function appliedBefore(deployments: string[]) {
  const ctx = ctxWith()
  const asked: string[] = []
  ctx.runner.probe = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    return anOutput(0, { metadata: { name: 'cert-manager', annotations: { [MANIFEST_ANNOTATION]: seedUrl } } })
  }
  ctx.runner.query = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    return anOutput(0, { items: deployments.map((name) => ({ metadata: { name, namespace: 'cert-manager' } })) })
  }
  ctx.runner.change = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    return anOutput(0)
  }
  return { ctx, asked }
}

applyCertManagerTest(
  'works: the same manifest, its three deployments there: nothing applied, after one get and one list',
  async () => {
    const { ctx, asked } = appliedBefore(['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'])
    await applyCertManager(ctx)
    assert.equal(asked, [
      'kubectl get namespace cert-manager -o json',
      'kubectl get deployments -n cert-manager -o json',
    ])
    assert.equal(ctx.outcomes, [{ name: 'cert-manager', action: 'unchanged', detail: 'v1.14.5' }])
  },
)

applyCertManagerTest('a deployment deleted since: the manifest is applied again', async () => {
  const { ctx, asked } = appliedBefore(['cert-manager', 'cert-manager-cainjector'])
  await applyCertManager(ctx)
  assert.ok(asked.includes(`kubectl apply -f ${seedUrl}`), asked.join('\n'))
  assert.is(ctx.outcomes[0]?.action, 'applied')
})

applyCertManagerTest(
  'another manifest than the one applied (a new version, an edited file): applied again',
  async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cm-')), 'cert-manager.yaml')
    fs.writeFileSync(file, 'kind: Namespace\n')
    for (const manifest of [seedUrl.replace('v1.14.5', 'v1.21.1'), file]) {
      const { ctx, asked } = appliedBefore(['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'])
      ctx.config.certManager = { ...ctx.config.certManager, manifest }
      await applyCertManager(ctx)
      assert.ok(asked.includes(`kubectl apply -f ${manifest}`), `${manifest} not applied: ${asked.join(', ')}`)
    }
    fs.rmSync(path.dirname(file), { recursive: true })
  },
)

applyCertManagerTest.run()
