// Grafana, a protocol fake written from its published HTTP API: /api/health, POST /login (a
// grafana_session cookie), GET /api/datasources and /api/datasources/uid/<uid>/health, signed in
// by the session or by basic auth. What it knows it reads from the cluster as the real pod does:
// the admin credentials from the Secret its env names (GF_SECURITY_ADMIN_USER/PASSWORD), the
// datasources from the ConfigMaps and Secrets its datasource sidecar selects (label and namespace
// from the sidecar's env, grafana_datasource=1 in its own namespace by default). A datasource is
// healthy when its URL, resolved from inside the cluster (Service, port, ready endpoint), answers
// its ready endpoint.
import { createHash, randomBytes } from 'node:crypto'
import type http from 'node:http'
import { YAML } from 'zx'
import type { Sim } from '../index.ts'
import type { KObject } from '../store.ts'
import { clusterFetch, imageName, json, text, type Handler } from './http.ts'

export interface GrafanaFaults {
  /** its database check fails: /api/health answers 503 with database "failing" */
  unhealthy?: boolean
  /** the admin's password was changed in Grafana: the Secret's no longer signs in */
  passwordChanged?: string
}

interface Datasource {
  uid: string
  name: string
  type: string
  url: string
  access?: string
  isDefault?: boolean
}

const unauthorized = { extra: null, message: 'Unauthorized', messageId: 'auth.unauthorized', statusCode: 401 }

export function grafana(sim: Sim, pod: KObject, faults: () => GrafanaFaults): Handler {
  const sessions = new Set<string>()
  const version = /:(\d+\.\d+\.\d+)/.exec(mainContainer(pod)?.image ?? '')?.[1] ?? '12.0.0'
  return async (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://grafana')
    if (url.pathname === '/api/health') {
      const database = faults().unhealthy ? 'failing' : 'ok'
      return json(res, database === 'ok' ? 200 : 503, { commit: 'kube-sim', database, version })
    }
    if (url.pathname === '/login' && req.method === 'POST') return login(body, res)
    if (!signedIn(req)) return json(res, 401, unauthorized)
    if (url.pathname === '/api/datasources') return json(res, 200, datasources().map(listed))
    const health = /^\/api\/datasources\/uid\/([^/]+)\/health$/.exec(url.pathname)
    const ds = health && datasources().find((d) => d.uid === decodeURIComponent(health[1]))
    if (health && !ds) return json(res, 404, { message: 'Data source not found' })
    if (ds) return checkHealth(ds, res)
    text(res, 404, 'Not found\n')
  }

  function login(body: Buffer, res: http.ServerResponse) {
    let form: { user?: string; password?: string } = {}
    try {
      form = JSON.parse(body.toString('utf8'))
    } catch {
      return json(res, 400, { message: 'bad request data' })
    }
    if (!valid(form.user, form.password))
      return json(res, 401, {
        message: 'Invalid username or password',
        messageId: 'password-auth.failed',
        statusCode: 401,
      })
    const session = randomBytes(16).toString('hex')
    sessions.add(session)
    json(
      res,
      200,
      { message: 'Logged in', redirectUrl: '/' },
      {
        'set-cookie': `grafana_session=${session}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax`,
      },
    )
  }

  function signedIn(req: http.IncomingMessage): boolean {
    const cookie = /(?:^|;\s*)grafana_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    if (cookie && sessions.has(cookie)) return true
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!basic) return false
    const [user, ...password] = Buffer.from(basic, 'base64').toString('utf8').split(':')
    return valid(user, password.join(':'))
  }

  function valid(user: string | undefined, password: string | undefined): boolean {
    const admin = adminOf(sim, pod)
    return user === admin.user && password === (faults().passwordChanged ?? admin.password)
  }

  function datasources(): Datasource[] {
    return provisioned(sim, pod)
  }

  async function checkHealth(ds: Datasource, res: http.ServerResponse) {
    const check = HEALTH[ds.type]
    if (!check) return json(res, 200, { status: 'OK', message: 'Data source is working' })
    const target = `${ds.url.replace(/\/$/, '')}${check.path}`
    let reason: string | undefined
    try {
      const answer = await clusterFetch(sim, pod.metadata.namespace!, target)
      if (answer.status !== 200) reason = `${answer.status}: ${answer.body.split('\n')[0].trim()}`
    } catch (e) {
      reason = `Get "${target}": ${(e as Error).message}`
    }
    if (reason) return json(res, 400, { status: 'ERROR', message: check.failed(reason) })
    json(res, 200, { status: 'OK', message: check.ok })
  }
}

/** Where each datasource type's health check asks, and what Grafana says of the answer. */
const HEALTH: Record<string, { path: string; ok: string; failed: (reason: string) => string }> = {
  prometheus: {
    path: '/-/ready',
    ok: 'Successfully queried the Prometheus API.',
    failed: (r) => `${r} - There was an error returned querying the Prometheus API.`,
  },
  loki: {
    path: '/ready',
    ok: 'Data source successfully connected.',
    failed: (r) => `Unable to connect with Loki (${r}). Please check the server logs for more details.`,
  },
  tempo: { path: '/ready', ok: 'Data source is working', failed: (r) => `failed to connect to Tempo: ${r}` },
  alertmanager: {
    path: '/api/v2/status',
    ok: 'Health check passed.',
    failed: (r) => `Failed to call Alertmanager: ${r}`,
  },
}

function listed(ds: Datasource, i: number) {
  return {
    id: i + 1,
    uid: ds.uid,
    orgId: 1,
    name: ds.name,
    type: ds.type,
    access: ds.access ?? 'proxy',
    url: ds.url,
    isDefault: ds.isDefault === true,
    readOnly: true,
  }
}

type Container = { name: string; image?: string; env?: { name: string; value?: string; valueFrom?: any }[] }

function mainContainer(pod: KObject): Container | undefined {
  return (pod.spec?.containers ?? []).find((c: Container) => imageName(c.image) === 'grafana')
}

/** The admin's credentials as the pod's env gives them (a Secret's keys, or values), admin/admin unset. */
function adminOf(sim: Sim, pod: KObject): { user: string; password: string } {
  const env = mainContainer(pod)?.env ?? []
  const value = (name: string, fallback: string) => {
    const e = env.find((x) => x.name === name)
    if (e?.value !== undefined) return e.value
    const ref = e?.valueFrom?.secretKeyRef
    const data = ref && sim.store.get({ group: '', resource: 'secrets' }, pod.metadata.namespace, ref.name)?.data
    return data?.[ref.key] !== undefined ? Buffer.from(data[ref.key], 'base64').toString('utf8') : fallback
  }
  return { user: value('GF_SECURITY_ADMIN_USER', 'admin'), password: value('GF_SECURITY_ADMIN_PASSWORD', 'admin') }
}

/** The datasources the sidecar provisions: from every selected ConfigMap and Secret, each file's `datasources`. */
function provisioned(sim: Sim, pod: KObject): Datasource[] {
  const sidecar = (pod.spec?.containers ?? []).find((c: Container) =>
    c.env?.some((e) => e.name === 'FOLDER' && /datasources/.test(e.value ?? '')),
  ) as Container | undefined
  const env = (name: string) => sidecar?.env?.find((e) => e.name === name)?.value
  const label = env('LABEL') ?? 'grafana_datasource'
  const labelValue = env('LABEL_VALUE')
  const namespaces = env('NAMESPACE')?.split(',') ?? [pod.metadata.namespace!]
  const selected = (o: KObject) =>
    (namespaces.includes('ALL') || namespaces.includes(o.metadata.namespace!)) &&
    o.metadata.labels?.[label] !== undefined &&
    (labelValue === undefined || o.metadata.labels[label] === labelValue)
  const files = [
    ...sim.store
      .list({ group: '', resource: 'configmaps' })
      .items.filter(selected)
      .flatMap((c) => Object.values(c.data ?? {})),
    ...sim.store
      .list({ group: '', resource: 'secrets' })
      .items.filter(selected)
      .flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(String(v), 'base64').toString('utf8'))),
  ]
  return files.flatMap((file) => {
    try {
      const list = (YAML.parse(String(file)) as { datasources?: Partial<Datasource>[] })?.datasources ?? []
      return list.filter((d) => d.name && d.type).map((d) => ({ ...d, uid: d.uid ?? uidOf(d.name!) }) as Datasource)
    } catch {
      return [] // Grafana logs the file and skips it
    }
  })
}

/** Grafana generates a uid for a datasource provisioned without one; stable here for the same name. */
function uidOf(name: string): string {
  return createHash('sha1').update(name).digest('hex').slice(0, 14)
}
