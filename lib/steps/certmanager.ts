// Seed §3: cert-manager from its release manifest, and "ready" made precise: the three
// deployments available AND the webhook answering a server-side dry-run. Seed §4's warning
// (the operator install fails while cert-manager is not ready) becomes a check.
import { YAML } from '../core/zx.ts'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import type { Config } from '../core/config.ts'
import { StepError } from '../core/errors.ts'
import { redactCredentials } from '../core/redact.ts'
import { say, type Text } from '../core/text.ts'
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
    ctx.log.ok(
      say({
        en: `cert-manager ${version}: this manifest is applied already`,
        ko: `cert-manager ${version}: 이 매니페스트는 이미 적용되어 있습니다`,
      }),
    )
    ctx.outcomes.push({ name: 'cert-manager', action: 'unchanged', detail: version })
    return
  }
  const [apply, mark] = applyCertManagerCmds(ctx.config, ctx.target)
  await ctx.log.status(`kubectl apply -f ${manifest}`, () => ctx.runner.change(apply))
  await ctx.runner.change(mark)
  ctx.outcomes.push({
    name: 'cert-manager',
    action: 'applied',
    detail: say({ en: `${version} from ${manifest}`, ko: `${version}, ${manifest}` }),
  })
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
  // one list first: on a converged cluster it shows them ready, and no watch is started
  const listed = await listObjects(ctx.runner, ctx.target, 'deployments', { namespace })
  await waitForWorkloads(
    ctx,
    'cert-manager',
    deployments.map((name) => ({
      kind: 'Deployment' as const,
      name,
      namespace,
      seen: listed.find((d) => d.metadata.name === name),
    })),
    { timeoutMs: ctx.config.timeoutMs, stuckAfterMs: ctx.config.stuckAfterMs },
  )
}

/** seed §4's warning as a check: cert-manager installed, and its webhook answering. */
export async function requireCertManager(ctx: Context): Promise<void> {
  const run03 = (when: Text) =>
    say({
      en:
        `run scripts/03-cert-manager.mts ${when.en} (npx zx scripts/03-cert-manager.mts):` +
        ' the operator needs cert-manager for its webhook certificate',
      ko:
        `scripts/03-cert-manager.mts를 ${when.ko} 실행하세요 (npx zx scripts/03-cert-manager.mts).` +
        ' 오퍼레이터의 웹훅 인증서에 cert-manager가 필요합니다',
    })
  const crd = await getObject(ctx.runner, ctx.target, 'customresourcedefinition', undefined, 'issuers.cert-manager.io')
  if (!crd || !(await deploymentsPresent(ctx)))
    throw new StepError(
      say({
        en: 'cert-manager is not installed (nothing was changed)',
        ko: 'cert-manager가 설치되어 있지 않습니다 (바꾼 것 없음)',
      }),
      { hint: run03({ en: 'first', ko: '먼저' }) },
    )
  const webhook = webhookOf('cert-manager', ctx.config, ctx.target)
  await waitUntilAnswers(
    ctx,
    {
      ...webhook,
      onTimeout: (error) =>
        new StepError(
          say({
            en: `cert-manager is installed but its webhook does not answer: ${error}`,
            ko: `cert-manager는 설치되어 있지만 웹훅이 응답하지 않습니다: ${error}`,
          }),
          {
            hint: run03({
              en: 'again (it waits until the webhook answers)',
              ko: '다시(웹훅이 응답할 때까지 기다립니다)',
            }),
          },
        ),
    },
    Math.min(ctx.config.timeoutMs, 60_000),
  )
}

/** A webhook's probe (a server-side dry run of an object it admits), and what to say when it does not answer. */
export interface Webhook {
  /** what is waited for (`cert-manager webhook to answer`); the dry-run script says it in English */
  title: Text
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
export function notOurWebhook(webhook: Webhook, configurations: KubeObject[]): Text | undefined {
  const ours = `${webhook.service.namespace}/${webhook.service.name}`
  if (webhookServices(configurations).includes(ours)) return undefined
  return {
    en: `answered, but no webhook configuration points at service ${ours}: another stack's webhook, not this one's`,
    ko: `응답했지만 ${ours} 서비스를 가리키는 웹훅 설정이 없습니다: \
이 스택이 아닌 다른 스택의 웹훅입니다`,
  }
}

export function webhookOf(id: WebhookId, config: Pick<Config, 'namespace' | 'certManager'>, target: Target): Webhook {
  return id === 'cert-manager' ? certManagerWebhook(config, target) : operatorWebhook(config, target)
}

function certManagerWebhook(config: Pick<Config, 'certManager'>, target: Target): Webhook {
  const { namespace } = config.certManager
  const pods = `kubectl get pods,svc,endpoints -n ${namespace} -l app.kubernetes.io/component=webhook`
  return {
    title: { en: 'cert-manager webhook to answer', ko: 'cert-manager 웹훅 응답' },
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
      new StepError(
        say({
          en: `cert-manager webhook did not answer in time: ${error}`,
          ko: `cert-manager 웹훅이 제때 응답하지 않았습니다: ${error}`,
        }),
        {
          hint: say({
            en:
              `check the webhook: ${pods};` +
              ` kubectl logs -n ${namespace} deploy/cert-manager-webhook;` +
              ` and the CA injector: kubectl logs -n ${namespace} deploy/cert-manager-cainjector. Then run again.`,
            ko:
              `웹훅을 확인하세요: ${pods};` +
              ` kubectl logs -n ${namespace} deploy/cert-manager-webhook;` +
              ` CA 인젝터도: kubectl logs -n ${namespace} deploy/cert-manager-cainjector.` +
              ' 그다음 다시 실행하세요.',
          }),
        },
      ),
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
    const see = `kubectl get ${WEBHOOK_CONFIGURATIONS} -o yaml | grep -A2 'service:'`
    throw new StepError(
      say({
        en: `the ${webhook.title.en.replace(/ to answer$/, '')} ${wrong.en}`,
        ko: `${webhook.title.ko.replace(/ 응답$/, '')}이 ${wrong.ko}`,
      }),
      {
        hint: say({
          en: `see which Services the webhooks call: ${see}`,
          ko: `웹훅이 부르는 Service를 확인하세요: ${see}`,
        }),
      },
    )
  }
}

/** seed §4: the operator is ready when its own webhook answers (an Instrumentation, dry-run). */
function operatorWebhook(config: Pick<Config, 'namespace'>, target: Target): Webhook {
  const namespace = config.namespace
  return {
    title: { en: 'OpenTelemetry Operator webhook to answer', ko: 'OpenTelemetry Operator 웹훅 응답' },
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
      new StepError(
        say({
          en: `OpenTelemetry Operator webhook did not answer in time: ${error}`,
          ko: `OpenTelemetry Operator 웹훅이 제때 응답하지 않았습니다: ${error}`,
        }),
        {
          hint: say({
            en:
              `check its certificate and pod: kubectl get certificate,issuer -n ${namespace};` +
              ` kubectl logs -n ${namespace} deploy/opentelemetry-operator. Then run again.`,
            ko:
              `인증서와 파드를 확인하세요: kubectl get certificate,issuer -n ${namespace};` +
              ` kubectl logs -n ${namespace} deploy/opentelemetry-operator. 그다음 다시 실행하세요.`,
          }),
        },
      ),
  }
}
