// The real opentelemetry-operator 0.122.0 chart on the sim, with the real cert-manager v1.14.5
// manifest, under helm 3 and helm 4. With the simulated cert-manager running, the chart's
// Certificate is issued, the operator pod (which mounts the issued Secret) becomes Ready, its
// webhook configurations get their caBundle, and a server-side dry run of an Instrumentation is
// admitted. Without it, the chart's Issuer is refused by cert-manager's webhook (x509: nothing
// injected its CA), and the operator pod waits in ContainerCreating for its Secret (FailedMount).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCertManager } from '../operators/index.ts'
import { chartsDir, eventually, helm, json, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'
import path from 'node:path'

/** the real charts and manifests (CHARTS_DIR: api-harness.ts) */
const charts = chartsDir()

const CERT_MANAGER = path.join(charts, 'cert-manager/v1.14.5/cert-manager.yaml')
/** the `current` profile's cert-manager */
const CERT_MANAGER_CURRENT = path.join(charts, 'cert-manager/v1.21.1/cert-manager.yaml')
const CHART = path.join(charts, 'open-telemetry/opentelemetry-operator-0.122.0.tgz')
const SECRET = 'otel-opentelemetry-operator-controller-manager-service-cert'
const instrumentation = `apiVersion: opentelemetry.io/v1alpha1
kind: Instrumentation
metadata: {name: demo, namespace: monitoring}
spec: {exporter: {endpoint: "http://collector:4317"}}
`
const VALIDATING = { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' }
const WEBHOOK_X509 =
  'failed calling webhook "webhook.cert-manager.io": failed to call webhook: ' +
  'Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": ' +
  'tls: failed to verify certificate: x509: certificate signed by unknown authority'
const conditionOf = (o: any, type: string) => o?.status?.conditions?.find((c: any) => c.type === type)
const installChart = (e: Env, extra: string[] = []) =>
  helm(e, [
    'install',
    'otel',
    CHART,
    '-n',
    'monitoring',
    '--set',
    'manager.collectorImage.repository=otel/opentelemetry-collector-k8s',
    ...extra,
  ])
const operatorPod = (e: Env) =>
  e.sim.store
    .list({ group: '', resource: 'pods' }, 'monitoring')
    .items.find((p) => p.metadata.name.startsWith('otel-opentelemetry-operator-'))

/** cert-manager applied as its docs say, then waited for as its docs say (its webhook answering). */
async function installCertManager(e: Env, injected: boolean, manifest = CERT_MANAGER): Promise<void> {
  await ok(e, ['apply', '--server-side', '-f', manifest])
  await ok(e, ['wait', '--for=condition=Available', 'deployment', '--all', '-n', 'cert-manager', '--timeout=30s'])
  if (injected) {
    await eventually(
      "cert-manager's webhook CA injected",
      () => e.sim.store.get(VALIDATING, undefined, 'cert-manager-webhook')?.webhooks?.[0]?.clientConfig?.caBundle,
    )
  }
  await ok(e, ['create', 'namespace', 'monitoring'])
}

for (const layer of LAYERS) {
  const test = suite<{ e?: Env; stop?: () => void }>(`opentelemetry-operator chart with cert-manager (${layer})`)
  test.after.each(async (ctx) => {
    ctx.stop?.()
    await stopEnv(ctx.e)
    ctx.stop = ctx.e = undefined
  })

  test('with cert-manager: Certificate issued, operator Ready, webhooks injected, Instrumentation ok', async (ctx) => {
    const e = (ctx.e = await startEnv(layer))
    ctx.stop = startCertManager(e.sim)
    await installCertManager(e, true)
    const out = await installChart(e, ['--wait', '--timeout', '30s'])
    assert.is(out.exitCode, 0, out.stderr)
    const cert = await json(e, ['get', 'certificate', 'otel-opentelemetry-operator-serving-cert', '-n', 'monitoring'])
    assert.is(conditionOf(cert, 'Ready')?.status, 'True')
    const secret = await json(e, ['get', 'secret', SECRET, '-n', 'monitoring'])
    assert.is(secret.type, 'kubernetes.io/tls')
    assert.is(conditionOf(operatorPod(e), 'Ready')?.status, 'True', 'helm --wait returned with the operator Ready')
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const name = `otel-opentelemetry-operator-${kind.startsWith('mutating') ? 'mutation' : 'validation'}`
      const config = await eventually(`${name} injected`, async () => {
        const c = await json(e, ['get', kind, name])
        return c.webhooks.every((w: any) => w.clientConfig.caBundle === secret.data['ca.crt']) && c
      })
      assert.ok(config)
    }
    const crd = await json(e, ['get', 'crd', 'opentelemetrycollectors.opentelemetry.io'])
    assert.is(crd.spec.conversion.webhook.clientConfig.caBundle, secret.data['ca.crt'])
    const dryRun = await eventually('the Instrumentation admitted', async () => {
      const r = await kubectl(e, ['apply', '--dry-run=server', '-f', '-'], instrumentation)
      return r.exitCode === 0 && r
    })
    assert.match(dryRun.stdout, 'instrumentation.opentelemetry.io/demo created (server dry run)')
  })

  if (layer === 'v35') {
    test('with cert-manager v1.21.1: the same chart installs and its pod becomes Ready', async (ctx) => {
      const e = (ctx.e = await startEnv(layer))
      ctx.stop = startCertManager(e.sim)
      await installCertManager(e, true, CERT_MANAGER_CURRENT)
      const out = await installChart(e, ['--wait', '--timeout', '30s'])
      assert.is(out.exitCode, 0, out.stderr)
      assert.is(conditionOf(operatorPod(e), 'Ready')?.status, 'True')
    })
  }

  test('without cert-manager running: Issuer refused (x509), the operator pod waits for its Secret', async (ctx) => {
    const e = (ctx.e = await startEnv(layer))
    await installCertManager(e, false)
    const out = await installChart(e)
    assert.is.not(out.exitCode, 0)
    assert.match(out.stderr, WEBHOOK_X509)
    // helm created the Deployment before it got to the cert-manager resources
    const pod = await eventually('a FailedMount on the operator pod', async () => {
      const p = operatorPod(e)
      if (!p) return undefined
      const selector = `involvedObject.name=${p.metadata.name}`
      const events = await json(e, ['get', 'events', '-n', 'monitoring', '--field-selector', selector])
      return (
        events.items.some(
          (ev: any) =>
            ev.reason === 'FailedMount' &&
            ev.type === 'Warning' &&
            ev.message === `MountVolume.SetUp failed for volume "cert" : secret "${SECRET}" not found`,
        ) && p
      )
    })
    await new Promise((r) => setTimeout(r, 300))
    const now = await json(e, ['get', 'pod', pod.metadata.name, '-n', 'monitoring'])
    assert.is(now.status.phase, 'Pending')
    assert.is(now.status.containerStatuses[0].state.waiting.reason, 'ContainerCreating')
    const refused = await kubectl(e, ['apply', '--dry-run=server', '-f', '-'], instrumentation)
    assert.is(refused.exitCode, 1)
    assert.match(refused.stderr, 'failed calling webhook "minstrumentation.kb.io"')
  })

  test.run()
}
