// Data in, data out: the checkpoint proves the stack works, through the API server's service proxy
// (no port-forward, nothing exposed). Prometheus answers for its targets; Loki and Tempo take a log
// line and a span and give them back; the log shipper delivers the pods' lines; Grafana signs in and
// finds every datasource healthy; the OpenTelemetry Operator admits what section 06 creates. Each
// check is bounded in time and says why when it fails; nothing is left behind but the line and the span.
import { randomBytes } from 'node:crypto'
import { YAML, sleep } from '../core/zx.ts'
import type { Config } from '../core/config.ts'
import { InterruptedError } from '../core/errors.ts'
import { asIs, inBoth, type Text } from '../core/text.ts'
import { expectedScrapeJobs, grafanaAdminSecret, sections, stackServices, type ServicePort } from '../core/stack.ts'
import {
  adminCredentials,
  datasourcesOf,
  grafanaLogin,
  httpReason,
  judgeDatasource,
  judgeHealth,
  judgeReadBack,
  judgeReady,
  judgeShipper,
  judgeSignIn,
  judgeTrace,
  judgeUp,
  judgeWritten,
  lokiPush,
  lokiQuery,
  otlpSpan,
  prometheusUp,
  sessionCookie,
  traceById,
  withoutSecrets,
  type Credentials,
  type Verdict,
} from '../tools/backends.ts'
import { lastLine, type Command } from '../tools/exec.ts'
import { getObject, kubectl, type Target } from '../tools/kubectl.ts'
import {
  ProxyError,
  servicePath,
  withServiceProxy,
  type HttpRequest,
  type HttpResponse,
  type Send,
  type ServiceRef,
} from '../tools/proxy.ts'
import type { Check } from '../ui/report.ts'
import type { Context } from './context.ts'

/** How long a line, a span or a first scrape may take to show once sent. */
export const READ_BACK_MS = 30_000
/**
 * How often it is asked for meanwhile: soon at first (what was just sent usually shows within a
 * fraction of a second), then less often, up to once a second: a check that never passes asks 33 times.
 */
const PACE = { firstMs: 200, factor: 1.5, maxMs: 1000 }
/** How far back the log shipper's lines are looked for. */
const SHIPPED = { ms: 3_600_000, text: { en: 'hour', ko: '1시간' } }
/** What the line and the span we leave behind are labelled with. */
const PROBE_SOURCE = 'monitoring-stack-verify'

/** Every data-path check: the backends side by side through one service proxy, and the operator's dry run. */
export async function checkDataPath(ctx: Context): Promise<Check[]> {
  const { config, runner, target } = ctx
  // read alongside the rest; only Grafana's checks wait for it
  const credentials = readAdminCredentials(ctx)
  const [proxied, operator] = await Promise.all([
    withServiceProxy(runner, target, async (send) => {
      const at = (port: ServicePort): ServiceRef => ({ namespace: config.namespace, ...port })
      const checks = await Promise.all([
        prometheusChecks(send, at, config),
        lokiChecks(send, at, config),
        tempoChecks(send, at, config),
        grafanaChecks(send, at, config, credentials),
      ])
      return checks.flat()
    }).catch(proxyFailed),
    operatorCheck(ctx),
    credentials,
  ])
  return [...proxied, operator]
}

type At = (port: ServicePort) => ServiceRef

function proxyFailed(error: unknown): Check[] {
  if (error instanceof InterruptedError) throw error
  return [
    {
      id: 'data/service-proxy',
      group: 'data',
      title: { en: "API server's service proxy", ko: 'API 서버의 서비스 프록시' },
      ok: false,
      detail: error instanceof ProxyError ? error.text : asIs((error as Error).message),
      hint: {
        en: 'the data-path checks go through `kubectl proxy`: see --verbose, or skip them with --skip-data-checks',
        ko: `데이터 경로 점검은 \`kubectl proxy\`를 거칩니다: --verbose로 보거나, \
--skip-data-checks로 건너뛰세요`,
      },
    },
  ]
}

async function prometheusChecks(send: Send, at: At, config: Config): Promise<Check[]> {
  const prometheus = at(stackServices.prometheus)
  const ready = judgeReady(await send(prometheus, { path: '/-/ready' }))
  const up = await poll(
    async () => judgeUp(await send(prometheus, prometheusUp), expectedScrapeJobs),
    (verdicts) => Object.values(verdicts).some((v) => v.retry),
  )
  const targets = `kubectl get --raw '${servicePath(prometheus, '/api/v1/targets?state=active')}'`
  const hint = {
    en: `see each target's last error: ${targets}`,
    ko: `타깃마다 마지막 오류를 보세요: ${targets}`,
  }
  return [
    check(
      'data/prometheus-ready',
      { en: 'Prometheus ready', ko: 'Prometheus 준비' },
      ready,
      logsHint(config, 'Prometheus'),
    ),
    ...expectedScrapeJobs.map((job) =>
      check(`data/up/${job}`, { en: `${job} targets up`, ko: `${job} 타깃 정상` }, up[job], hint),
    ),
  ]
}

async function lokiChecks(send: Send, at: At, config: Config): Promise<Check[]> {
  const loki = at(stackServices.loki)
  const shipper = logShipper(config)
  const [ready, roundTrip, shipped] = await Promise.all([
    send(loki, { path: '/ready' }).then(judgeReady),
    lokiRoundTrip(send, loki),
    shipper &&
      pollVerdict(async () => {
        const now = Date.now()
        return judgeShipper(await send(loki, lokiQuery('{namespace=~".+"}', now - SHIPPED.ms, now, 10)), SHIPPED.text)
      }),
  ])
  const hint = logsHint(config, 'Loki')
  return [
    check('data/loki-ready', { en: 'Loki ready', ko: 'Loki 준비' }, ready, hint),
    check(
      'data/loki-roundtrip',
      { en: 'Loki: a log line in and out', ko: 'Loki: 로그 한 줄 넣고 읽기' },
      roundTrip,
      hint,
    ),
    ...(shipper && shipped
      ? [
          check(
            'data/log-shipper',
            { en: `${shipper.title} ships the pods' logs`, ko: `${shipper.title}: 파드 로그 전송` },
            shipped,
            seeLog(`kubectl logs -n ${config.namespace} daemonset/${shipper.name}`),
          ),
        ]
      : []),
  ]
}

/** One uniquely labelled line pushed, then asked for by its labels until it is there. */
async function lokiRoundTrip(send: Send, loki: ServiceRef): Promise<Verdict> {
  const id = randomBytes(8).toString('hex')
  const labels = { source: PROBE_SOURCE, check_id: id }
  const query = `{source="${PROBE_SOURCE}", check_id="${id}"}`
  const line = `data-path check ${id}`
  const sentAt = Date.now()
  return (
    judgeWritten(await send(loki, lokiPush(labels, line, sentAt)), { en: 'the push', ko: '푸시' }) ??
    pollVerdict(async () => {
      const res = await send(loki, lokiQuery(query, sentAt - 60_000, Date.now() + 1000, 10))
      return judgeReadBack(res, line, query)
    })
  )
}

async function tempoChecks(send: Send, at: At, config: Config): Promise<Check[]> {
  const tempo = at(stackServices.tempo)
  const otlp = at(stackServices.tempoOtlpHttp)
  const traceId = randomBytes(16).toString('hex')
  const span = { traceId, spanId: randomBytes(8).toString('hex'), name: `data-path check ${traceId}` }
  const ready = judgeReady(await send(tempo, { path: '/ready' }))
  const sent = await send(otlp, otlpSpan({ ...span, service: PROBE_SOURCE, nowMs: Date.now() }))
  const port = otlp.port
  const roundTrip =
    judgeWritten(sent, { en: `the span (OTLP/HTTP, port ${port})`, ko: `스팬(OTLP/HTTP, 포트 ${port})` }) ??
    (await pollVerdict(async () => judgeTrace(await send(tempo, traceById(traceId)), span)))
  const hint = logsHint(config, 'Tempo')
  return [
    check('data/tempo-ready', { en: 'Tempo ready', ko: 'Tempo 준비' }, ready, hint),
    check(
      'data/tempo-roundtrip',
      { en: `Tempo: a span in (${port}) and out`, ko: `Tempo: 스팬 넣고(${port}) 읽기` },
      roundTrip,
      hint,
    ),
  ]
}

/** Grafana's health; then, signed in with the chart's admin credentials, every datasource's own health check. */
async function grafanaChecks(
  send: Send,
  at: At,
  config: Config,
  credentials: Promise<Credentials | Text>,
): Promise<Check[]> {
  const grafana = at(stackServices.grafana)
  const secret = `Secret ${config.namespace}/${grafanaAdminSecret}`
  const health = judgeHealth(await send(grafana, { path: '/api/health' }))
  const checks = [
    check('grafana/health', { en: 'Grafana healthy', ko: 'Grafana 정상' }, health, logsHint(config, 'Grafana')),
  ]
  const creds = await credentials
  const signInTitle = { en: 'Grafana admin sign-in', ko: 'Grafana admin 로그인' }
  if ('en' in creds) return [...checks, check('grafana/sign-in', signInTitle, { ok: false, detail: creds })]
  const reset = 'grafana cli admin reset-admin-password'
  const refusedHint = {
    en:
      `the admin password in Grafana no longer matches ${secret} (changed in Grafana?):` +
      ` set it back, or reset it with ${reset}`,
    ko: `Grafana의 admin 비밀번호가 ${secret}의 것과 달라졌습니다 (Grafana에서 바꿨나요?): \
되돌리거나 ${reset}로 재설정하세요`,
  }
  const signedIn = await send(grafana, grafanaLogin(creds))
  const cookie = sessionCookie(signedIn)
  // what Grafana says is shown; the password and the session never are, even if it echoes them
  const shown = (v: Verdict): Verdict => ({ ...v, detail: withoutSecrets(v.detail, [creds.password, cookie ?? '']) })
  const signInHint = signedIn.status === 401 ? refusedHint : logsHint(config, 'Grafana')
  const signIn = check('grafana/sign-in', signInTitle, shown(judgeSignIn(signedIn, secret)), signInHint)
  checks.push(signIn)
  if (!cookie || !signIn.ok) return checks
  const session: Send = (service, request) => send(service, { ...request, headers: { ...request.headers, cookie } })
  try {
    return [...checks, ...(await datasourceChecks((request) => session(grafana, request), shown))]
  } finally {
    // the session is ended, not left to expire: nothing of ours stays in Grafana's database
    await session(grafana, { path: '/logout' })
  }
}

/** Each datasource Grafana lists, by its health check (Grafana asks the backend itself). */
async function datasourceChecks(
  ask: (request: HttpRequest) => Promise<HttpResponse>,
  shown: (v: Verdict) => Verdict,
): Promise<Check[]> {
  const listed = await ask({ path: '/api/datasources' })
  const datasources = datasourcesOf(listed)
  if (!datasources) {
    const failed = { ok: false, detail: inBoth((l) => `GET /api/datasources: ${httpReason(listed)[l]}`) }
    return [
      check(
        'grafana/datasources',
        {
          en: 'Grafana datasources listed',
          ko: 'Grafana 데이터소스 목록',
        },
        shown(failed),
      ),
    ]
  }
  return Promise.all(
    datasources.map(async (d) => {
      const res = await ask({ path: `/api/datasources/uid/${encodeURIComponent(d.uid)}/health` })
      // Grafana's own menu, as it reads in English
      const test = `Data sources → ${d.name} → Test`
      const hint = {
        en: `its URL must name a Service that serves it; try it in Grafana: ${test}`,
        ko: `URL이 응답하는 Service를 가리켜야 합니다. Grafana에서 시험해 보세요: ${test}`,
      }
      return check(
        `grafana/datasource/${d.name.toLowerCase()}`,
        { en: `${d.name} datasource healthy`, ko: `${d.name} 데이터소스 정상` },
        shown(judgeDatasource(res)),
        hint,
      )
    }),
  )
}

/** Grafana's admin user and password from the chart's Secret (the checks and `npm run grafana`), or what is wrong. */
export async function readAdminCredentials(ctx: Context): Promise<Credentials | Text> {
  const { config, runner, target } = ctx
  const name = `${config.namespace}/${grafanaAdminSecret}`
  try {
    return adminCredentials(await getObject(runner, target, 'secret', config.namespace, grafanaAdminSecret), name)
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    const why = (error as Error).message
    return { en: `Secret ${name} could not be read: ${why}`, ko: `Secret ${name} 읽기 실패 — ${why}` }
  }
}

/** seed §4 for section 06: the operator admits a collector and an Instrumentation in the app's namespace. */
async function operatorCheck(ctx: Context): Promise<Check> {
  const { config, runner, target } = ctx
  const title = { en: 'operator admits section 06 objects', ko: '오퍼레이터가 06장 객체를 받아들임' }
  const script = sections['otel-operator'].script
  const hint = {
    en: `run ${script} (it waits until the operator's webhook answers)`,
    ko: `${script}를 실행하세요 (오퍼레이터의 웹훅이 응답할 때까지 기다립니다)`,
  }
  const appNamespace = config.appNamespace
  try {
    const app = await getObject(runner, target, 'namespace', undefined, appNamespace)
    if (!app && config.requireApp) {
      const missing = {
        en: `namespace ${appNamespace} not found`,
        ko: `네임스페이스가 없습니다: ${appNamespace}`,
      }
      return check('operator/section-06', title, { ok: false, detail: missing })
    }
    const namespace = app ? appNamespace : config.namespace
    const out = await runner.probe(section06DryRunCmd(config, target, namespace))
    const verdict = judgeAdmitted(out.exitCode, out.stderr, namespace)
    const note = app
      ? { en: '', ko: '' }
      : {
          en: `; namespace ${appNamespace} does not exist yet, so in ${namespace}`,
          ko: `; 아직 없는 네임스페이스 ${appNamespace} 대신 ${namespace}에서 확인`,
        }
    const noted = verdict.ok ? { ...verdict, detail: inBoth((l) => verdict.detail[l] + note[l]) } : verdict
    return check('operator/section-06', title, noted, hint)
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    return check('operator/section-06', title, { ok: false, detail: asIs((error as Error).message) }, hint)
  }
}

/**
 * What section 06 creates, as a server-side dry run (`kubectl apply`: they may be there already):
 * a collector sending traces to Tempo, and an Instrumentation sending to that collector.
 */
export function section06DryRunCmd(config: Pick<Config, 'namespace'>, target: Target, namespace: string): Command {
  const name = PROBE_SOURCE
  const tempo = stackServices.tempoOtlpGrpc
  const collector = {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: { name, namespace },
    spec: {
      mode: 'deployment',
      config: {
        receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } },
        exporters: {
          'otlp/tempo': {
            endpoint: `${tempo.name}.${config.namespace}.svc.cluster.local:${tempo.port}`,
            tls: { insecure: true },
          },
        },
        service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp/tempo'] } } },
      },
    },
  }
  const instrumentation = {
    apiVersion: 'opentelemetry.io/v1alpha1',
    kind: 'Instrumentation',
    metadata: { name, namespace },
    // the operator names the collector's Service <name>-collector
    spec: { exporter: { endpoint: `http://${name}-collector.${namespace}.svc.cluster.local:4318` } },
  }
  return {
    ...kubectl(target, 'apply', '--dry-run=server', '--request-timeout=20s', '-f', '-'),
    input: [collector, instrumentation].map((o) => YAML.stringify(o)).join('---\n'),
  }
}

/** The dry run's answer: admitted, or why not. */
export function judgeAdmitted(exitCode: number | null, stderr: string, namespace: string): Verdict {
  if (exitCode !== 0) return { ok: false, detail: dryRunRefusal(exitCode, stderr) }
  const objects = 'OpenTelemetryCollector'
  return {
    ok: true,
    detail: {
      en: `an ${objects} and an Instrumentation admitted in ${namespace} (dry run)`,
      ko: `${namespace}에서 ${objects}와 Instrumentation이 받아들여졌습니다 (드라이 런)`,
    },
  }
}

/** Why a server-side dry run was refused: kubectl's last line, or the CRDs missing said as such. */
export function dryRunRefusal(exitCode: number | null, stderr: string): Text {
  // kubectl's last line for an unknown kind is only "ensure CRDs are installed first"
  if (/no matches for kind|resource mapping not found/.test(stderr))
    return { en: 'not installed (its CRDs are missing)', ko: '설치되지 않음 (CRD가 없습니다)' }
  const last = lastLine(stderr)
  if (last) return { en: last, ko: `거부됨 — ${last}` }
  return { en: `exit code ${exitCode}`, ko: `종료 코드 ${exitCode}` }
}

/** The DaemonSet that ships the pods' logs in this profile (promtail, or Alloy), from the stack table. */
export function logShipper(config: Pick<Config, 'releases'>): { name: string; title: string } | undefined {
  const daemonSet = config.releases.flatMap((r) => r.workloads).find((w) => w.kind === 'DaemonSet')
  return daemonSet && { name: daemonSet.name, title: daemonSet.title }
}

/** A verdict asked for again while it may still change. */
function pollVerdict(ask: () => Promise<Verdict>): Promise<Verdict> {
  return poll(ask, (v) => Boolean(v.retry))
}

/** Asks again at PACE while `pending` says the answer may still change, for at most READ_BACK_MS. */
async function poll<T>(ask: () => Promise<T>, pending: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + READ_BACK_MS
  for (let pause = PACE.firstMs; ; pause = Math.min(pause * PACE.factor, PACE.maxMs)) {
    const answer = await ask()
    if (!pending(answer) || Date.now() + pause >= deadline) return answer
    await sleep(pause)
  }
}

/** A check of the group its id names; an answer still pending when the time was up says how long it waited. */
function check(id: string, title: Text, verdict: Verdict, hint?: Text): Check {
  const group = id.startsWith('grafana/') ? 'grafana' : id.startsWith('operator/') ? 'section-06' : 'data'
  const waited = { en: ` after ${READ_BACK_MS / 1000}s`, ko: ` (${READ_BACK_MS / 1000}초 기다림)` }
  const detail = verdict.retry ? inBoth((l) => verdict.detail[l] + waited[l]) : verdict.detail
  return { id, group, title, ok: verdict.ok, detail, hint: verdict.ok ? undefined : hint }
}

/** `kubectl logs` of the workload the stack table gives this title (Loki → statefulset/loki). */
function logsHint(config: Config, title: string): Text | undefined {
  const w = config.releases.flatMap((r) => r.workloads).find((x) => x.title === title)
  return w && seeLog(`kubectl logs -n ${config.namespace} ${w.kind.toLowerCase()}/${w.name}`)
}

function seeLog(command: string): Text {
  return { en: `see its log: ${command}`, ko: `로그를 보세요: ${command}` }
}

/**
 * The checks a bash script can make, for the dry run: reads through the service proxy, and the
 * operator's dry run in the app's namespace. Sending a line and a span, and Grafana's datasource
 * health, need a body or a session `kubectl get --raw` cannot carry: the comment says who checks those.
 */
export function dataPathCommands(
  config: Config,
  target: Target,
): { comment: string[]; reads: Command[]; dryRun: Command } {
  const read = (port: ServicePort, rest: string) =>
    kubectl(target, 'get', '--raw', servicePath({ namespace: config.namespace, ...port }, rest))
  return {
    comment: [
      "# data in, data out, through the API server's service proxy (sending a log line and a span, and",
      `# Grafana's datasource health, need a body or a session: npx zx ${sections.verify.script} checks those)`,
    ],
    reads: [
      read(stackServices.prometheus, '/-/ready'),
      read(stackServices.prometheus, prometheusUp.path),
      read(stackServices.loki, '/ready'),
      read(stackServices.tempo, '/ready'),
      read(stackServices.grafana, '/api/health'),
    ],
    dryRun: section06DryRunCmd(config, target, config.appNamespace),
  }
}
