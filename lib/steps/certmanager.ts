// Seed §3: cert-manager from its release manifest, and "ready" made precise: the three
// deployments available AND the webhook answering a server-side dry-run. Seed §4's warning
// (the operator install fails while cert-manager is not ready) becomes a check.
import { YAML } from 'zx'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import type { Config } from '../core/config.ts'
import { StepError } from '../core/errors.ts'
import { redactCredentials } from '../core/redact.ts'
import type { WebhookId } from '../core/stack.ts'
import type { Command } from '../tools/exec.ts'
import {
  annotateCmd,
  applyFileCmd,
  getObject,
  type KubeObject,
  listObjects,
  serverDryRunCmd,
  type Target,
} from '../tools/kubectl.ts'
import type { Context } from '../steps/context.ts'
import { waitForWorkloads, waitUntilAnswers } from './wait.ts'

/** Where we note which manifest was applied, so a re-run with the same one applies nothing. */
export const MANIFEST_ANNOTATION = 'monitoring-stack.workshop/cert-manager-manifest'

/** seed §3 `kubectl apply -f …/cert-manager.yaml`, skipped when this very manifest was applied. */
export async function applyCertManager(ctx: Context): Promise<void> {
  const { manifest, namespace, version } = ctx.config.certManager
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, namespace)
  if (
    ns?.metadata.annotations?.[MANIFEST_ANNOTATION] === manifestFingerprint(manifest) &&
    (await deploymentsPresent(ctx))
  ) {
    ctx.log.ok(`cert-manager ${version}: this manifest is applied already`)
    ctx.outcomes.push({ name: 'cert-manager', action: 'unchanged', detail: version })
    return
  }
  const [apply, mark] = applyCertManagerCmds(ctx.config, ctx.target)
  await ctx.log.status(`kubectl apply -f ${manifest}`, () => ctx.runner.change(apply))
  await ctx.runner.change(mark)
  ctx.outcomes.push({ name: 'cert-manager', action: 'applied', detail: `${version} from ${manifest}` })
}

/** `kubectl apply` of the manifest, then our mark on its namespace: what we apply, teardown may remove. */
export function applyCertManagerCmds(config: Pick<Config, 'certManager'>, target: Target): Command[] {
  const { manifest, namespace } = config.certManager
  return [
    applyFileCmd(target, manifest),
    annotateCmd(target, 'namespace', namespace, { [MANIFEST_ANNOTATION]: manifestFingerprint(manifest) }),
  ]
}

/**
 * A URL names a published release, which does not change: the URL is its fingerprint. A local
 * file (a mirror copy, an edited manifest) is fingerprinted by its content.
 */
export function manifestFingerprint(location: string, read = (p: string) => fs.readFileSync(p)): string {
  // credentials do not name the manifest, and our mark must not keep them in the cluster
  if (/^https?:\/\//.test(location)) return redactCredentials(location)
  return `sha256:${createHash('sha256').update(read(location)).digest('hex').slice(0, 32)}`
}

/** seed §3 "wait until the cert-manager pods are Running" — and until its webhook answers. */
export async function waitForCertManager(ctx: Context): Promise<void> {
  const { namespace, deployments } = ctx.config.certManager
  await waitForWorkloads(
    ctx,
    'cert-manager',
    deployments.map((name) => ({ kind: 'Deployment' as const, name, namespace })),
    { timeoutMs: ctx.config.timeoutMs, stuckAfterMs: ctx.config.stuckAfterMs },
  )
}

/** seed §4's warning as a check: cert-manager installed, and its webhook answering. */
export async function requireCertManager(ctx: Context): Promise<void> {
  const run03 =
    'run scripts/03-cert-manager.mts first (npx zx scripts/03-cert-manager.mts):' +
    ' the operator needs cert-manager for its webhook certificate'
  const crd = await getObject(ctx.runner, ctx.target, 'customresourcedefinition', undefined, 'issuers.cert-manager.io')
  if (!crd || !(await deploymentsPresent(ctx)))
    throw new StepError('cert-manager is not installed (nothing was changed)', { hint: run03 })
  const webhook = webhookOf('cert-manager', ctx.config, ctx.target)
  await waitUntilAnswers(
    ctx,
    {
      ...webhook,
      onTimeout: (error) =>
        new StepError(`cert-manager is installed but its webhook does not answer: ${error}`, {
          hint: run03.replace('first', 'again (it waits until the webhook answers)'),
        }),
    },
    Math.min(ctx.config.timeoutMs, 60_000),
  )
}

/** A webhook's probe (a server-side dry run of an object it admits), and what to say when it does not answer. */
export interface Webhook {
  title: string
  probe: Command
  /** the Service this stack's webhook is served by: another stack's webhook may answer the probe too */
  service: { namespace: string; name: string }
  onTimeout: (error: string) => StepError
}

export const WEBHOOK_CONFIGURATIONS = 'mutatingwebhookconfigurations,validatingwebhookconfigurations'

/** Every webhook configuration's Services, as `namespace/name`. */
export function webhookServices(configurations: KubeObject[]): string[] {
  return configurations.flatMap((c) =>
    ((c.webhooks ?? []) as { clientConfig?: { service?: { namespace?: string; name?: string } } }[]).flatMap((w) =>
      w.clientConfig?.service ? [`${w.clientConfig.service.namespace}/${w.clientConfig.service.name}`] : [],
    ),
  )
}

/** Why the answer was not this stack's webhook, or undefined when a configuration points at its Service. */
export function notOurWebhook(webhook: Webhook, configurations: KubeObject[]): string | undefined {
  const ours = `${webhook.service.namespace}/${webhook.service.name}`
  if (webhookServices(configurations).includes(ours)) return undefined
  return `answered, but no webhook configuration points at service ${ours}: another stack's webhook, not this one's`
}

export function webhookOf(id: WebhookId, config: Pick<Config, 'namespace' | 'certManager'>, target: Target): Webhook {
  return id === 'cert-manager' ? certManagerWebhook(config, target) : operatorWebhook(config, target)
}

function certManagerWebhook(config: Pick<Config, 'certManager'>, target: Target): Webhook {
  const { namespace } = config.certManager
  return {
    title: 'cert-manager webhook to answer',
    service: { namespace, name: 'cert-manager-webhook' },
    probe: serverDryRunCmd(
      target,
      YAML.stringify({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name: 'webhook-probe', namespace },
        spec: { selfSigned: {} },
      }),
    ),
    onTimeout: (error: string) =>
      new StepError(`cert-manager webhook did not answer in time: ${error}`, {
        hint:
          `check the webhook: kubectl get pods,svc,endpoints -n ${namespace} -l app.kubernetes.io/component=webhook;` +
          ` kubectl logs -n ${namespace} deploy/cert-manager-webhook;` +
          ` and the CA injector: kubectl logs -n ${namespace} deploy/cert-manager-cainjector. Then run again.`,
      }),
  }
}

/** One list rather than a get per deployment: each kubectl costs a process and a round trip. */
async function deploymentsPresent(ctx: Context): Promise<boolean> {
  const { namespace, deployments } = ctx.config.certManager
  const present = new Set(
    (await listObjects(ctx.runner, ctx.target, 'deployments', { namespace })).map((d) => d.metadata.name),
  )
  return deployments.every((d) => present.has(d))
}

/** seed §3 / §4: ready when its webhook answers (a server-side dry run of an object it admits). */
export async function waitForWebhook(ctx: Context, id: WebhookId): Promise<void> {
  const webhook = webhookOf(id, ctx.config, ctx.target)
  await waitUntilAnswers(ctx, webhook, ctx.config.timeoutMs)
  const configurations = await listObjects(ctx.runner, ctx.target, WEBHOOK_CONFIGURATIONS)
  const wrong = notOurWebhook(webhook, configurations)
  if (wrong) {
    throw new StepError(`the ${webhook.title.replace(/ to answer$/, '')} ${wrong}`, {
      hint: `see which Services the webhooks call: kubectl get ${WEBHOOK_CONFIGURATIONS} -o yaml | grep -A2 'service:'`,
    })
  }
}

/** seed §4: the operator is ready when its own webhook answers (an Instrumentation, dry-run). */
function operatorWebhook(config: Pick<Config, 'namespace'>, target: Target): Webhook {
  const namespace = config.namespace
  return {
    title: 'OpenTelemetry Operator webhook to answer',
    // the chart's `<fullname>-webhook`, and our release name is its fullname
    service: { namespace, name: 'opentelemetry-operator-webhook' },
    probe: serverDryRunCmd(
      target,
      YAML.stringify({
        apiVersion: 'opentelemetry.io/v1alpha1',
        kind: 'Instrumentation',
        metadata: { name: 'webhook-probe', namespace },
        spec: { exporter: { endpoint: `http://localhost:4317` } },
      }),
    ),
    onTimeout: (error: string) =>
      new StepError(`OpenTelemetry Operator webhook did not answer in time: ${error}`, {
        hint:
          `check its certificate and pod: kubectl get certificate,issuer -n ${namespace};` +
          ` kubectl logs -n ${namespace} deploy/opentelemetry-operator. Then run again.`,
      }),
  }
}
