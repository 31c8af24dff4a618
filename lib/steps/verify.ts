// Seed §5: read the cluster once (in parallel), then judge it with pure functions.
import { releaseNamed, type Config } from '../core/config.ts'
import { InterruptedError } from '../core/errors.ts'
import { stackSteps } from '../core/plan.ts'
import { grafanaDatasourceLabel, section06, sections, stackDatasources, type WebhookId } from '../core/stack.ts'
import { lastLine, type Command } from '../tools/exec.ts'
import type { ReleaseState } from '../tools/helm.ts'
import { listObjects, type KubeObject } from '../tools/kubectl.ts'
import { podProblem, selects, workloadStatus } from '../tools/readiness.ts'
import { makeReport, renderReport, type Check, type Report } from '../ui/report.ts'
import { notOurWebhook, WEBHOOK_CONFIGURATIONS, webhookOf } from './certmanager.ts'
import type { Context } from './context.ts'
import { checkDataPath } from './datapath.ts'
import {
  checkDatasourceSet,
  collectDatasources,
  datasourceChecks,
  namespacesOf,
  type NamespaceServices,
  type ProvisionedDatasource,
} from './datasources.ts'
import { listReleases } from './release.ts'
import { say } from '../core/text.ts'

export interface NamespaceSnapshot {
  workloads: KubeObject[]
  pods: KubeObject[]
}

export interface Snapshot {
  namespaces: Record<string, NamespaceSnapshot>
  releases: ReleaseState[]
  datasourceObjects: KubeObject[]
  /** the Services and EndpointSlices of each namespace a datasource names */
  services: Record<string, NamespaceServices>
  /** each webhook of the plan: true when it answered, else why not */
  webhooks: Partial<Record<WebhookId, string | true>>
  /** data sent through the stack and read back (lib/steps/datapath.ts); none with --skip-data-checks */
  dataPath?: Check[]
}

/** Everything the checks look at, read in one parallel round of queries. */
export async function readSnapshot(ctx: Context): Promise<Snapshot> {
  const { config, runner, target } = ctx
  const namespaces = [config.namespace, config.certManager.namespace]
  const selector = `${grafanaDatasourceLabel.key}=${grafanaDatasourceLabel.value}`
  const webhookIds = [
    ...new Set(stackSteps(config).flatMap((s) => s.actions.flatMap((a) => (a.do === 'webhook' ? [a.webhook] : [])))),
  ]
  const datasourceObjects = Promise.all([
    listObjects(runner, target, 'configmaps', { namespace: config.namespace, selector }),
    listObjects(runner, target, 'secrets', { namespace: config.namespace, selector }),
  ]).then(([configMaps, secrets]) => [...configMaps, ...secrets.map((s) => ({ ...s, kind: 'Secret' }))])
  const [perNamespace, releases, datasources, services, webhookAnswers, configurations, dataPath] = await Promise.all([
    Promise.all(
      namespaces.map(async (namespace) => {
        const [workloads, pods] = await Promise.all([
          listObjects(runner, target, 'deployments,statefulsets,daemonsets', { namespace }),
          listObjects(runner, target, 'pods', { namespace }),
        ])
        return [namespace, { workloads, pods }] as const
      }),
    ),
    // the run's own list when no helm change happened since: a converged re-run asks helm once
    listReleases(ctx, config.namespace),
    datasourceObjects,
    // as soon as the datasources are known: one list per namespace their URLs name
    datasourceObjects.then((objects) => readServices(ctx, collectDatasources(objects).datasources)),
    Promise.all(webhookIds.map((id) => answers(ctx, webhookOf(id, config, target).probe))),
    listObjects(runner, target, WEBHOOK_CONFIGURATIONS),
    config.skipDataChecks ? [] : checkDataPath(ctx),
  ])
  return {
    namespaces: Object.fromEntries(perNamespace),
    releases,
    datasourceObjects: datasources,
    services,
    webhooks: Object.fromEntries(
      webhookIds.map((id, i) => {
        const answer = webhookAnswers[i]
        return [id, answer === true ? (notOurWebhook(webhookOf(id, config, target), configurations) ?? true) : answer]
      }),
    ),
    dataPath,
  }
}

async function readServices(
  ctx: Context,
  datasources: ProvisionedDatasource[],
): Promise<Record<string, NamespaceServices>> {
  const namespaces = namespacesOf(datasources, ctx.config.namespace)
  const read = async (namespace: string): Promise<NamespaceServices> => {
    try {
      const list = await listObjects(ctx.runner, ctx.target, 'services,endpointslices.discovery.k8s.io', { namespace })
      return {
        services: list.filter((o) => o.kind === 'Service'),
        endpointSlices: list.filter((o) => o.kind === 'EndpointSlice'),
      }
    } catch (error) {
      // a namespace only a datasource names may be one we may not read: its datasources say so
      if (error instanceof InterruptedError) throw error
      return { services: [], endpointSlices: [], unreadable: (error as Error).message }
    }
  }
  const lists = await Promise.all(namespaces.map(read))
  return Object.fromEntries(namespaces.map((namespace, i) => [namespace, lists[i]]))
}

async function answers(ctx: Context, probe: Command): Promise<string | true> {
  const out = await ctx.runner.once(probe)
  if (out.exitCode === 0) return true
  // kubectl's last line for an unknown kind is only "ensure CRDs are installed first"
  if (/no matches for kind|resource mapping not found/.test(out.stderr)) return 'not installed (its CRDs are missing)'
  return lastLine(out.stderr) || `exit code ${out.exitCode}`
}

/** The seed's checkpoint list, judged: the lines each step of the plan owns, then the datasources. */
export function buildReport(config: Config, snap: Snapshot): Report {
  const steps = stackSteps(config)
  const actions = steps.flatMap((step) => step.actions)
  const installed = actions.flatMap((a) => (a.do === 'install' ? [releaseNamed(config, a.release)] : []))
  const checks: Check[] = []
  for (const release of installed) {
    const group = release.step === 'otel-operator' ? 'operator' : 'monitoring'
    for (const w of release.workloads) {
      checks.push(
        workloadCheck(
          group,
          w.title,
          w.kind,
          w.name,
          snap.namespaces[release.namespace],
          sections[release.step].script,
        ),
      )
    }
  }
  const cm = config.certManager
  const script03 = sections['cert-manager'].script
  if (actions.some((a) => a.do === 'wait-cert-manager')) {
    for (const name of cm.deployments) {
      checks.push(workloadCheck('cert-manager', name, 'Deployment', name, snap.namespaces[cm.namespace], script03))
    }
  }
  for (const a of actions) {
    if (a.do !== 'webhook') continue
    const script = a.webhook === 'cert-manager' ? script03 : sections['otel-operator'].script
    checks.push(
      webhookCheck(a.webhook, `${a.webhook} webhook answers`, snap.webhooks[a.webhook] ?? 'not probed', script),
    )
  }

  for (const release of installed) {
    const state = snap.releases.find((r) => r.name === release.name)
    const ok = state?.status === 'deployed' && state.chart === release.chart && state.version === release.version
    checks.push({
      id: `release/${release.name}`,
      group: 'releases',
      title: `helm release ${release.name}`,
      ok,
      detail: state
        ? `${state.status}, ${state.chart} ${state.version} (revision ${state.revision})` +
          (ok ? '' : `; want deployed ${release.chart} ${release.version}`)
        : 'not installed',
      hint: ok ? undefined : `run ${sections[release.step].script} (it installs, upgrades or heals the release)`,
    })
  }

  const { datasources, problems } = collectDatasources(snap.datasourceObjects)
  checks.push(
    ...datasourceChecks(datasources, snap.services, {
      grafanaNamespace: config.namespace,
      stackNamespace: config.namespace,
      backends: stackDatasources,
    }),
  )
  const result = checkDatasourceSet(datasources)
  checks.push({
    id: 'datasource/unique-names',
    group: 'datasources',
    title: 'datasource names unique',
    ok: result.unique.ok,
    detail: result.unique.detail,
    hint: result.unique.ok
      ? undefined
      : 'remove the duplicate: another release provisions its own' +
        ' (loki-stack does unless grafana.sidecar.datasources.enabled=false, see values/loki-stack-values.yaml)',
  })
  checks.push({
    id: 'datasource/one-default',
    group: 'datasources',
    title: 'exactly one default datasource',
    ok: result.oneDefault.ok,
    detail: result.oneDefault.detail,
    hint: result.oneDefault.ok
      ? undefined
      : datasources.some((d) => d.isDefault)
        ? 'set isDefault: false on all but Prometheus (values/*.yaml), then run scripts/02-lgtm.mts'
        : 'kube-prometheus-stack provisions Prometheus as the default: run scripts/02-lgtm.mts',
  })
  for (const p of problems)
    checks.push({
      id: 'datasource/parse',
      group: 'datasources',
      title: 'datasource files readable',
      ok: false,
      detail: p.message,
    })
  checks.push(...(snap.dataPath ?? []))
  return makeReport(checks, { namespace: config.namespace, next: section06(config.namespace, config.appNamespace) })
}

function workloadCheck(
  group: Check['group'],
  title: string,
  kind: string,
  name: string,
  ns: NamespaceSnapshot | undefined,
  script: string,
): Check {
  const obj = ns?.workloads.find((w) => w.kind === kind && w.metadata.name === name)
  const status = workloadStatus(obj)
  const ref = `${kind.toLowerCase()}/${name}`
  if (!obj)
    return { id: `workload/${name}`, group, title, ok: false, detail: `${ref} not found`, hint: `run ${script}` }
  const pods = (ns?.pods ?? []).filter((p) => selects(obj.spec?.selector, p.metadata.labels))
  const problem = pods.map(podProblem).find(Boolean)
  const cause =
    !status.ready && problem
      ? ` — ${problem.pod}: ${problem.reason}${problem.message ? ` (${problem.message})` : ''}`
      : ''
  return {
    id: `workload/${name}`,
    group,
    title,
    ok: status.ready,
    detail: `${ref} ${status.detail}${cause}`,
    hint: status.ready
      ? undefined
      : (problem?.hint.en ??
        `wait a minute and run the verify again, or see: kubectl describe ${ref} -n ${obj.metadata.namespace}`),
  }
}

function webhookCheck(group: WebhookId, title: string, answer: string | true, script: string): Check {
  return {
    id: `webhook/${group}`,
    group,
    title,
    ok: answer === true,
    detail: answer === true ? 'a server-side dry-run passed' : answer,
    hint: answer === true ? undefined : `run ${script}: it waits until the webhook answers`,
  }
}

/** seed §5 `kubectl get pods -n monitoring` and the checkpoint: the report, printed; returned. */
export async function verifyStack(ctx: Context): Promise<Report> {
  const reading = say({
    en: 'Reading the cluster for the checkpoint report',
    ko: '체크포인트 리포트를 위해 클러스터를 읽는 중',
  })
  const report = await ctx.log.status(reading, async () => buildReport(ctx.config, await readSnapshot(ctx)))
  ctx.log.print(renderReport(report, { json: ctx.config.json, c: ctx.log.c, lang: ctx.log.lang }))
  return report
}
