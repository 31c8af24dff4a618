// Seed §3: cert-manager from its release manifest, and "ready" made precise: the three
// deployments available AND the webhook answering a server-side dry-run. Seed §4's warning
// (the operator install fails while cert-manager is not ready) becomes a check.
import { YAML } from 'zx'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { StepError } from '../core/errors.ts'
import { annotateCmd, applyFileCmd, getObject, listObjects, serverDryRunCmd } from '../tools/kubectl.ts'
import type { Context } from '../steps/context.ts'
import { waitForWorkloads, waitUntilAnswers } from './wait.ts'

/** Where we note which manifest was applied, so a re-run with the same one applies nothing. */
export const MANIFEST_ANNOTATION = 'monitoring-stack.workshop/cert-manager-manifest'

/** seed §3 `kubectl apply -f …/cert-manager.yaml`, skipped when this very manifest was applied. */
export async function applyCertManager(ctx: Context): Promise<void> {
  const { manifest, namespace, version } = ctx.config.certManager
  const fingerprint = manifestFingerprint(manifest)
  if (!ctx.config.dryRun) {
    const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, namespace)
    if (ns?.metadata.annotations?.[MANIFEST_ANNOTATION] === fingerprint && (await deploymentsPresent(ctx))) {
      ctx.log.ok(`cert-manager ${version}: this manifest is applied already`)
      ctx.outcomes.push({ name: 'cert-manager', action: 'unchanged', detail: version })
      return
    }
  }
  const apply = applyFileCmd(ctx.target, manifest)
  if (ctx.config.dryRun) await ctx.runner.change(apply)
  else await ctx.log.status(`kubectl apply -f ${manifest}`, () => ctx.runner.change(apply))
  await ctx.runner.change(annotateCmd(ctx.target, 'namespace', namespace, { [MANIFEST_ANNOTATION]: fingerprint }))
  if (!ctx.config.dryRun) ctx.outcomes.push({ name: 'cert-manager', action: 'applied', detail: `${version} from ${manifest}` })
}

/**
 * A URL names a published release, which does not change: the URL is its fingerprint. A local
 * file (a mirror copy, an edited manifest) is fingerprinted by its content.
 */
export function manifestFingerprint(location: string, read = (p: string) => fs.readFileSync(p)): string {
  if (/^https?:\/\//.test(location)) return location
  return `sha256:${createHash('sha256').update(read(location)).digest('hex').slice(0, 32)}`
}

/** seed §3 "wait until the cert-manager pods are Running" — and until its webhook answers. */
export async function waitForCertManager(ctx: Context): Promise<void> {
  const { namespace, deployments } = ctx.config.certManager
  await waitForWorkloads(ctx, 'cert-manager', deployments.map((name) => ({ kind: 'Deployment' as const, name, namespace })), { timeoutMs: ctx.config.timeoutMs, stuckAfterMs: ctx.config.stuckAfterMs })
  await waitUntilAnswers(ctx, certManagerWebhook(ctx), ctx.config.timeoutMs)
  ctx.certManagerReady = true
}

/** seed §4's warning as a check: cert-manager installed, and its webhook answering. */
export async function requireCertManager(ctx: Context): Promise<void> {
  // in all.mts, 03 has just seen it answer: asking again would only cost the critical path
  if (ctx.config.dryRun || ctx.certManagerReady) return
  const run03 = 'run scripts/03-cert-manager.mts first (npx zx scripts/03-cert-manager.mts): the operator needs cert-manager for its webhook certificate'
  const crd = await getObject(ctx.runner, ctx.target, 'customresourcedefinition', undefined, 'issuers.cert-manager.io')
  if (!crd || !(await deploymentsPresent(ctx))) throw new StepError('cert-manager is not installed (nothing was changed)', { hint: run03 })
  const webhook = certManagerWebhook(ctx)
  await waitUntilAnswers(ctx, {
    ...webhook,
    onTimeout: (error) => new StepError(`cert-manager is installed but its webhook does not answer: ${error}`, { hint: run03.replace('first', 'again (it waits until the webhook answers)') }),
  }, Math.min(ctx.config.timeoutMs, 60_000))
}

export function certManagerWebhook(ctx: Context) {
  const { namespace } = ctx.config.certManager
  return {
    title: 'cert-manager webhook to answer',
    probe: serverDryRunCmd(ctx.target, YAML.stringify({
      apiVersion: 'cert-manager.io/v1', kind: 'Issuer',
      metadata: { name: 'webhook-probe', namespace },
      spec: { selfSigned: {} },
    })),
    onTimeout: (error: string) => new StepError(`cert-manager webhook did not answer in time: ${error}`, {
      hint: `check the webhook: kubectl get pods,svc,endpoints -n ${namespace} -l app.kubernetes.io/component=webhook; kubectl logs -n ${namespace} deploy/cert-manager-webhook; and the CA injector: kubectl logs -n ${namespace} deploy/cert-manager-cainjector. Then run again.`,
    }),
  }
}

/** One list rather than a get per deployment: each kubectl costs a process and a round trip. */
async function deploymentsPresent(ctx: Context): Promise<boolean> {
  const { namespace, deployments } = ctx.config.certManager
  const present = new Set((await listObjects(ctx.runner, ctx.target, 'deployments', { namespace })).map((d) => d.metadata.name))
  return deployments.every((d) => present.has(d))
}

/** seed §4: the operator is ready when its own webhook answers (an Instrumentation, dry-run). */
export async function waitForOperatorWebhook(ctx: Context): Promise<void> {
  await waitUntilAnswers(ctx, operatorWebhook(ctx), ctx.config.timeoutMs)
}

export function operatorWebhook(ctx: Context) {
  const namespace = ctx.config.namespace
  return {
    title: 'OpenTelemetry Operator webhook to answer',
    probe: serverDryRunCmd(ctx.target, YAML.stringify({
      apiVersion: 'opentelemetry.io/v1alpha1', kind: 'Instrumentation',
      metadata: { name: 'webhook-probe', namespace },
      spec: { exporter: { endpoint: `http://localhost:4317` } },
    })),
    onTimeout: (error: string) => new StepError(`OpenTelemetry Operator webhook did not answer in time: ${error}`, {
      hint: `check its certificate and pod: kubectl get certificate,issuer -n ${namespace}; kubectl logs -n ${namespace} deploy/opentelemetry-operator. Then run again.`,
    }),
  }
}
