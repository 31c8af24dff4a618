// Data in, data out: the checkpoint proves the stack works, through the API server's service proxy
// (no port-forward, nothing exposed). Prometheus answers for its targets; Loki and Tempo take a log
// line and a span and give them back; the log shipper delivers the pods' lines; Grafana signs in and
// finds every datasource healthy; the OpenTelemetry Operator admits what section 06 creates. Each
// check is bounded in time and says why when it fails; nothing is left behind but the line and the span.
import { randomBytes } from 'node:crypto'
import { YAML, sleep } from 'zx'
import type { Config } from '../core/config.ts'
import { InterruptedError } from '../core/errors.ts'
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
/** How often it is asked for meanwhile. */
const PACE_MS = 1000
/** How far back the log shipper's lines are looked for. */
const SHIPPED = { ms: 3_600_000, text: 'hour' }
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
      title: "API server's service proxy",
      ok: false,
      detail: (error as Error).message,
      hint: 'the data-path checks go through `kubectl proxy`: see --verbose, or skip them with --skip-data-checks',
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
  return [
    check('data/prometheus-ready', 'Prometheus ready', ready, logsHint(config, 'Prometheus')),
    ...expectedScrapeJobs.map((job) =>
      check(`data/up/${job}`, `${job} targets up`, up[job], `see each target's last error: ${targets}`),
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
  return [
    check('data/loki-ready', 'Loki ready', ready, logsHint(config, 'Loki')),
    check('data/loki-roundtrip', 'Loki: a log line in and out', roundTrip, logsHint(config, 'Loki')),
    ...(shipper && shipped
      ? [
          check(
            'data/log-shipper',
            `${shipper.title} ships the pods' logs`,
            shipped,
            `see its log: kubectl logs -n ${config.namespace} daemonset/${shipper.name}`,
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
    judgeWritten(await send(loki, lokiPush(labels, line, sentAt)), 'the push') ??
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
  const roundTrip =
    judgeWritten(sent, `the span (OTLP/HTTP, port ${otlp.port})`) ??
    (await pollVerdict(async () => judgeTrace(await send(tempo, traceById(traceId)), span)))
  return [
    check('data/tempo-ready', 'Tempo ready', ready, logsHint(config, 'Tempo')),
    check('data/tempo-roundtrip', `Tempo: a span in (${otlp.port}) and out`, roundTrip, logsHint(config, 'Tempo')),
  ]
}

/** Grafana's health; then, signed in with the chart's admin credentials, every datasource's own health check. */
async function grafanaChecks(
  send: Send,
  at: At,
  config: Config,
  credentials: Promise<Credentials | string>,
): Promise<Check[]> {
  const grafana = at(stackServices.grafana)
  const secret = `Secret ${config.namespace}/${grafanaAdminSecret}`
  const health = judgeHealth(await send(grafana, { path: '/api/health' }))
  const checks = [check('grafana/health', 'Grafana healthy', health, logsHint(config, 'Grafana'))]
  const creds = await credentials
  if (typeof creds === 'string')
    return [...checks, check('grafana/sign-in', 'Grafana admin sign-in', { ok: false, detail: creds })]
  const refusedHint =
    `the admin password in Grafana no longer matches ${secret} (changed in Grafana?):` +
    ' set it back, or reset it with grafana cli admin reset-admin-password'
  const signedIn = await send(grafana, grafanaLogin(creds))
  const cookie = sessionCookie(signedIn)
  // what Grafana says is shown; the password and the session never are, even if it echoes them
  const shown = (v: Verdict): Verdict => ({ ...v, detail: withoutSecrets(v.detail, [creds.password, cookie ?? '']) })
  const signInHint = signedIn.status === 401 ? refusedHint : logsHint(config, 'Grafana')
  const signIn = check('grafana/sign-in', 'Grafana admin sign-in', shown(judgeSignIn(signedIn, secret)), signInHint)
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
    const failed = { ok: false, detail: `GET /api/datasources: ${httpReason(listed)}` }
    return [check('grafana/datasources', 'Grafana datasources listed', shown(failed))]
  }
  return Promise.all(
    datasources.map(async (d) => {
      const res = await ask({ path: `/api/datasources/uid/${encodeURIComponent(d.uid)}/health` })
      const hint = `its URL must name a Service that serves it; try it in Grafana: Data sources → ${d.name} → Test`
      return check(
        `grafana/datasource/${d.name.toLowerCase()}`,
        `${d.name} datasource healthy`,
        shown(judgeDatasource(res)),
        hint,
      )
    }),
  )
}

/** Grafana's admin user and password from the chart's Secret (the checks and `npm run grafana`), or what is wrong. */
export async function readAdminCredentials(ctx: Context): Promise<Credentials | string> {
  const { config, runner, target } = ctx
  const name = `${config.namespace}/${grafanaAdminSecret}`
  try {
    return adminCredentials(await getObject(runner, target, 'secret', config.namespace, grafanaAdminSecret), name)
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    return `Secret ${name} could not be read: ${(error as Error).message}`
  }
}

/** seed §4 for section 06: the operator admits a collector and an Instrumentation in the app's namespace. */
async function operatorCheck(ctx: Context): Promise<Check> {
  const { config, runner, target } = ctx
  const title = 'operator admits section 06 objects'
  const hint = `run ${sections['otel-operator'].script} (it waits until the operator's webhook answers)`
  try {
    const app = await getObject(runner, target, 'namespace', undefined, config.appNamespace)
    if (!app && config.requireApp)
      return check('operator/section-06', title, { ok: false, detail: `namespace ${config.appNamespace} not found` })
    const namespace = app ? config.appNamespace : config.namespace
    const out = await runner.probe(section06DryRunCmd(config, target, namespace))
    const verdict = judgeAdmitted(out.exitCode, out.stderr, namespace)
    const note = app ? '' : `; namespace ${config.appNamespace} does not exist yet, so in ${namespace}`
    return check(
      'operator/section-06',
      title,
      verdict.ok ? { ...verdict, detail: verdict.detail + note } : verdict,
      hint,
    )
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    return check('operator/section-06', title, { ok: false, detail: (error as Error).message }, hint)
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

/** The dry run's answer: admitted, or why not (kubectl's last line; the CRDs missing said as such). */
export function judgeAdmitted(exitCode: number | null, stderr: string, namespace: string): Verdict {
  if (exitCode === 0)
    return { ok: true, detail: `an OpenTelemetryCollector and an Instrumentation admitted in ${namespace} (dry run)` }
  if (/no matches for kind|resource mapping not found/.test(stderr))
    return { ok: false, detail: 'not installed (its CRDs are missing)' }
  return { ok: false, detail: lastLine(stderr) || `exit code ${exitCode}` }
}

/** The DaemonSet that ships the pods' logs in this profile (promtail, or Alloy), from the stack table. */
export function logShipper(config: Pick<Config, 'releases'>): { name: string; title: string } | undefined {
  const daemonSet = config.releases.flatMap((r) => r.workloads).find((w) => w.kind === 'DaemonSet')
  // the table's title may say what it is for: "Alloy (pod logs)"
  return daemonSet && { name: daemonSet.name, title: daemonSet.title.replace(/ \(.*\)$/, '') }
}

/** A verdict asked for again while it may still change. */
function pollVerdict(ask: () => Promise<Verdict>): Promise<Verdict> {
  return poll(ask, (v) => Boolean(v.retry))
}

/** Asks again every PACE_MS while `pending` says the answer may still change, for at most READ_BACK_MS. */
async function poll<T>(ask: () => Promise<T>, pending: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + READ_BACK_MS
  for (;;) {
    const answer = await ask()
    if (!pending(answer) || Date.now() + PACE_MS >= deadline) return answer
    await sleep(PACE_MS)
  }
}

/** A check of the group its id names; an answer still pending when the time was up says how long it waited. */
function check(id: string, title: string, verdict: Verdict, hint?: string): Check {
  const group = id.startsWith('grafana/') ? 'grafana' : id.startsWith('operator/') ? 'section-06' : 'data'
  const detail = verdict.retry ? `${verdict.detail} after ${READ_BACK_MS / 1000}s` : verdict.detail
  return { id, group, title, ok: verdict.ok, detail, hint: verdict.ok ? undefined : hint }
}

/** `kubectl logs` of the workload the stack table gives this title (Loki → statefulset/loki). */
function logsHint(config: Config, title: string): string | undefined {
  const w = config.releases.flatMap((r) => r.workloads).find((x) => x.title === title)
  return w && `see its log: kubectl logs -n ${config.namespace} ${w.kind.toLowerCase()}/${w.name}`
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
