// Seed §5: read the cluster once (in parallel), then judge it with pure functions.
import { releaseNamed, type Config, type Release } from '../core/config.ts'
import { InterruptedError } from '../core/errors.ts'
import { stackSteps } from '../core/plan.ts'
import { grafanaDatasourceLabel, section06, sections, stackDatasources, type WebhookId } from '../core/stack.ts'
import type { Command } from '../tools/exec.ts'
import type { ReleaseState } from '../tools/helm.ts'
import { listObjects, type KubeObject } from '../tools/kubectl.ts'
import { podProblem, selects, workloadStatus } from '../tools/readiness.ts'
import { makeReport, renderReport, type Check, type Report } from '../ui/report.ts'
import { notOurWebhook, WEBHOOK_CONFIGURATIONS, webhookOf } from './certmanager.ts'
import type { Context } from './context.ts'
import { checkDataPath, dryRunRefusal } from './datapath.ts'
import {
  checkDatasourceSet,
  collectDatasources,
  datasourceChecks,
  namespacesOf,
  type NamespaceServices,
  type ProvisionedDatasource,
} from './datasources.ts'
import { listReleases } from './release.ts'
import { asIs, inBoth, say, type Text } from '../core/text.ts'

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
  webhooks: Partial<Record<WebhookId, Text | true>>
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

async function answers(ctx: Context, probe: Command): Promise<Text | true> {
  const out = await ctx.runner.once(probe)
  return out.exitCode === 0 || dryRunRefusal(out.exitCode, out.stderr)
}

/** Whose webhook, as the Korean rows name it (the English keeps the id, as `--json` always had it). */
const webhookNames: Record<WebhookId, string> = { 'cert-manager': 'cert-manager', operator: 'OpenTelemetry Operator' }

/** The seed's checkpoint list, judged: the lines each step of the plan owns, then the datasources. */
export function buildReport(config: Config, snap: Snapshot): Report {
  const steps = stackSteps(config)
  const actions = steps.flatMap((step) => step.actions)
  const installed = actions.flatMap((a) => (a.do === 'install' ? [releaseNamed(config, a.release)] : []))
  const checks: Check[] = []
  for (const release of installed) {
    const group = release.step === 'otel-operator' ? 'operator' : 'monitoring'
    for (const w of release.workloads) {
      const ns = snap.namespaces[release.namespace]
      checks.push(workloadCheck(group, asIs(w.title), w.kind, w.name, ns, sections[release.step].script))
    }
  }
  const cm = config.certManager
  const script03 = sections['cert-manager'].script
  if (actions.some((a) => a.do === 'wait-cert-manager')) {
    for (const name of cm.deployments) {
      checks.push(
        workloadCheck('cert-manager', asIs(name), 'Deployment', name, snap.namespaces[cm.namespace], script03),
      )
    }
  }
  for (const a of actions) {
    if (a.do !== 'webhook') continue
    const script = a.webhook === 'cert-manager' ? script03 : sections['otel-operator'].script
    const title = { en: `${a.webhook} webhook answers`, ko: `${webhookNames[a.webhook]} 웹훅 응답` }
    const notProbed = { en: 'not probed', ko: '확인하지 않음' }
    checks.push(webhookCheck(a.webhook, title, snap.webhooks[a.webhook] ?? notProbed, script))
  }
  for (const release of installed) checks.push(releaseCheck(release, snap.releases))

  const { datasources, problems } = collectDatasources(snap.datasourceObjects)
  checks.push(
    ...datasourceChecks(datasources, snap.services, {
      grafanaNamespace: config.namespace,
      stackNamespace: config.namespace,
      backends: stackDatasources,
    }),
  )
  const result = checkDatasourceSet(datasources)
  const sidecarOff = 'grafana.sidecar.datasources.enabled=false'
  checks.push({
    id: 'datasource/unique-names',
    group: 'datasources',
    title: { en: 'datasource names unique', ko: '데이터소스 이름이 겹치지 않음' },
    ok: result.unique.ok,
    detail: result.unique.detail,
    hint: result.unique.ok
      ? undefined
      : {
          en: `remove the duplicate: another release provisions its own (loki-stack does unless ${sidecarOff}, see \
values/loki-stack-values.yaml)`,
          ko: `중복을 없애세요: 다른 릴리스가 자기 데이터소스를 프로비저닝합니다 \
(loki-stack은 ${sidecarOff}가 아니면 그렇게 합니다. values/loki-stack-values.yaml 참고)`,
        },
  })
  checks.push({
    id: 'datasource/one-default',
    group: 'datasources',
    title: { en: 'exactly one default datasource', ko: '기본 데이터소스가 정확히 하나' },
    ok: result.oneDefault.ok,
    detail: result.oneDefault.detail,
    hint: result.oneDefault.ok
      ? undefined
      : datasources.some((d) => d.isDefault)
        ? {
            en: 'set isDefault: false on all but Prometheus (values/*.yaml), then run scripts/02-lgtm.mts',
            ko: `Prometheus 말고는 모두 isDefault: false로 하고(values/*.yaml) \
scripts/02-lgtm.mts를 실행하세요`,
          }
        : {
            en: 'kube-prometheus-stack provisions Prometheus as the default: run scripts/02-lgtm.mts',
            ko: `kube-prometheus-stack이 Prometheus를 기본으로 프로비저닝합니다: \
scripts/02-lgtm.mts를 실행하세요`,
          },
  })
  for (const p of problems)
    checks.push({
      id: 'datasource/parse',
      group: 'datasources',
      title: { en: 'datasource files readable', ko: '데이터소스 파일을 읽을 수 있음' },
      ok: false,
      detail: p.message,
    })
  checks.push(...(snap.dataPath ?? []))
  return makeReport(checks, { namespace: config.namespace, next: section06(config.namespace, config.appNamespace) })
}

function workloadCheck(
  group: Check['group'],
  title: Text,
  kind: string,
  name: string,
  ns: NamespaceSnapshot | undefined,
  script: string,
): Check {
  const obj = ns?.workloads.find((w) => w.kind === kind && w.metadata.name === name)
  const status = workloadStatus(obj)
  const ref = `${kind.toLowerCase()}/${name}`
  if (!obj) {
    const hint = { en: `run ${script}`, ko: `${script}를 실행하세요` }
    return {
      id: `workload/${name}`,
      group,
      title,
      ok: false,
      detail: { en: `${ref} not found`, ko: `${ref} 없음` },
      hint,
    }
  }
  const pods = (ns?.pods ?? []).filter((p) => selects(obj.spec?.selector, p.metadata.labels))
  const problem = pods.map((p) => podProblem(p)).find(Boolean)
  // the pod's reason and message are Kubernetes' own words, after ` — ` in both languages
  const cause =
    !status.ready && problem
      ? ` — ${problem.pod}: ${problem.reason}${problem.message ? ` (${problem.message})` : ''}`
      : ''
  const describe = `kubectl describe ${ref} -n ${obj.metadata.namespace}`
  return {
    id: `workload/${name}`,
    group,
    title,
    ok: status.ready,
    detail: inBoth((l) => `${ref} ${status.detail[l]}${cause}`),
    hint: status.ready
      ? undefined
      : (problem?.hint ?? {
          en: `wait a minute and run the verify again, or see: ${describe}`,
          ko: `잠시 기다렸다가 다시 점검하거나, 살펴보세요: ${describe}`,
        }),
  }
}

function webhookCheck(group: WebhookId, title: Text, answer: Text | true, script: string): Check {
  return {
    id: `webhook/${group}`,
    group,
    title,
    ok: answer === true,
    detail: answer === true ? { en: 'a server-side dry-run passed', ko: '서버 측 드라이 런 통과' } : answer,
    hint:
      answer === true
        ? undefined
        : {
            en: `run ${script}: it waits until the webhook answers`,
            ko: `${script}를 실행하세요: 웹훅이 응답할 때까지 기다립니다`,
          },
  }
}

/** Deployed at the pinned chart and version, or what to run. */
function releaseCheck(release: Release, states: ReleaseState[]): Check {
  const state = states.find((r) => r.name === release.name)
  const ok = state?.status === 'deployed' && state.chart === release.chart && state.version === release.version
  const script = sections[release.step].script
  const pinned = `${release.chart} ${release.version}`
  const found = state && `${state.chart} ${state.version}`
  const wanted = ok
    ? { en: '', ko: '' }
    : { en: `; want deployed ${pinned}`, ko: `; 필요한 것: 상태 deployed, ${pinned}` }
  // helm's word for the state (deployed, failed, pending-upgrade) stays as `helm list` shows it
  return {
    id: `release/${release.name}`,
    group: 'releases',
    title: { en: `helm release ${release.name}`, ko: `helm 릴리스 ${release.name}` },
    ok,
    detail: state
      ? {
          en: `${state.status}, ${found} (revision ${state.revision})${wanted.en}`,
          ko: `상태 ${state.status}, ${found} (리비전 ${state.revision})${wanted.ko}`,
        }
      : { en: 'not installed', ko: '설치되지 않음' },
    hint: ok
      ? undefined
      : {
          en: `run ${script} (it installs, upgrades or heals the release)`,
          ko: `${script}를 실행하세요 (릴리스를 설치, 업그레이드하거나 복구합니다)`,
        },
  }
}

/** seed §5 `kubectl get pods -n monitoring` and the checkpoint: the report, printed; returned. */
export async function verifyStack(ctx: Context): Promise<Report> {
  const reading = say({
    en: 'Reading the cluster for the checkpoint report',
    ko: '체크포인트 리포트를 위해 클러스터를 읽는 중',
  })
  const read = say({
    en: 'Cluster read for the checkpoint report',
    ko: '체크포인트 리포트용 클러스터 읽음',
  })
  const readAndJudge = async () => buildReport(ctx.config, await readSnapshot(ctx))
  const report = await ctx.log.status(reading, readAndJudge, { done: read })
  ctx.log.print(renderReport(report, { json: ctx.config.json, c: ctx.log.c, lang: ctx.log.lang }))
  return report
}
