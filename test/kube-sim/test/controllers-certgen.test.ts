// kube-webhook-certgen hook Jobs, as the kubelet runs their container: `create` writes the Secret
// the chart's webhook pod mounts, `patch` puts its CA into the webhook configurations; then the real
// kube-prometheus-stack chart installs with --wait (its operator pod mounts that Secret) and its
// PrometheusRule webhook admits a server-side dry run (its configuration has a caBundle).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { aJob, R, startCluster, waitFor, type TestCluster } from '../controllers/testing.ts'
import type { KObject } from '../store.ts'
import { chartsDir, helm, kubectl, ok, startEnv, stopEnv, type Env } from './api-harness.ts'
import path from 'node:path'

/** the real charts and manifests (CHARTS_DIR: api-harness.ts) */
const charts = chartsDir()

const VALIDATING = { group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' }
const MUTATING = { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' }

function certgenJob(name: string, args: string[]): KObject {
  const job = aJob({ name, image: 'ghcr.io/jkroepke/kube-webhook-certgen:1.8.7', restartPolicy: 'OnFailure' })
  job.spec.template.spec.containers[0].args = args
  return job
}

const config = (kind: string): KObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name: 'guard' },
  webhooks: [{ name: 'a.guard.io', clientConfig: { service: { name: 'guard', namespace: 'default' } } }],
})

const unit = suite<{ c: TestCluster }>('kube-webhook-certgen Jobs')
unit.after.each((ctx) => ctx.c.stop())

unit('create writes the Secret once; patch copies its CA into both configurations', async (ctx) => {
  const c = (ctx.c = startCluster())
  c.store.create(VALIDATING, config('ValidatingWebhookConfiguration'))
  c.store.create(MUTATING, config('MutatingWebhookConfiguration'))
  const create = ['create', '--host=guard,guard.default.svc', '--namespace=default', '--secret-name=guard-tls']
  c.create(R.jobs, certgenJob('create', create))
  const secret = await waitFor(c.store, 'the Secret', () => c.get(R.secrets, 'guard-tls'))
  assert.equal(Object.keys(secret.data).sort(), ['ca', 'cert', 'key'])
  assert.match(Buffer.from(secret.data.ca, 'base64').toString(), /^-----BEGIN CERTIFICATE-----\n/)
  const done = await waitFor(c.store, 'the create Job complete', () => c.get(R.jobs, 'create')?.status?.succeeded)
  assert.is(done, 1)
  assert.not.ok(c.get(VALIDATING, 'guard')?.webhooks[0].clientConfig.caBundle, 'create alone patches nothing')

  const patch = [
    'patch',
    '--webhook-name=guard',
    '--namespace=default',
    '--secret-name=guard-tls',
    '--patch-failure-policy=Fail',
  ]
  c.create(R.jobs, certgenJob('patch', patch))
  await waitFor(c.store, 'the patch Job complete', () => c.get(R.jobs, 'patch')?.status?.succeeded)
  for (const res of [VALIDATING, MUTATING]) {
    const hook = c.get(res, 'guard')!.webhooks[0]
    assert.is(hook.clientConfig.caBundle, secret.data.ca)
    assert.is(hook.failurePolicy, 'Fail')
  }
  assert.is(c.get(R.secrets, 'guard-tls')!.metadata.resourceVersion, secret.metadata.resourceVersion, 'not rewritten')
})

unit.run()

const chart = suite<{ e: Env }>('kube-prometheus-stack 88.5.3 (helm 4): its admission certgen hooks')
chart.before(async (ctx) => {
  ctx.e = await startEnv('v35')
})
chart.after((ctx) => stopEnv(ctx.e))

chart('install --wait succeeds (operator mounts the certgen Secret), a PrometheusRule is admitted', async ({ e }) => {
  await ok(e, ['create', 'namespace', 'monitoring'])
  const chartFile = path.join(charts, 'prometheus-community/kube-prometheus-stack-88.5.3.tgz')
  const out = await helm(e, ['install', 'kps', chartFile, '-n', 'monitoring', '--wait', '--timeout', '25s'])
  assert.is(out.exitCode, 0, out.stderr)
  assert.ok(e.sim.store.get(R.secrets, 'monitoring', 'kps-kube-prometheus-stack-admission'))
  const rule =
    'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n' +
    'metadata: {name: r, namespace: monitoring}\nspec: {groups: []}\n'
  const dryRun = await kubectl(e, ['apply', '--dry-run=server', '-f', '-'], rule)
  assert.is(dryRun.exitCode, 0, dryRun.stderr)
})

chart.run()
