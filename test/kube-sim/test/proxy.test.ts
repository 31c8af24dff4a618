// The API server's service proxy as the real kubectl reaches it (get --raw, create --raw, a local
// `kubectl proxy`): routed Service -> port -> ready endpoint -> what listens on the pod, failing
// as a cluster does, and never handing the caller's Authorization header to the backend.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, sleep, type ProcessPromise } from 'zx'
import { kubectl, kubectlIn, startWorld, type World } from '../world.ts'
import { LAYERS, eventually, toolBin, yaml } from './api-harness.ts'

const web = yaml(
  `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: main
          image: "echo:1"
          ports: [{name: http, containerPort: 8080}, {name: stream, containerPort: 8081}]`,
  `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {name: admin, port: 81, targetPort: 9999}
    - {name: stream, port: 83, targetPort: stream}`,
)

/** What the echo backend saw of a request. */
interface Seen {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

/** A backend that answers with what it was sent, and sets a cookie. */
async function echoServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/login?next=%2F' })
        return void res.end()
      }
      const seen: Seen = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=abc; Path=/; HttpOnly' })
      res.end(JSON.stringify(seen))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

for (const layer of LAYERS) {
  const test = suite<{ world: World; echo: http.Server; stream: http.Server }>(`service proxy (${layer})`)

  test.before(async (ctx) => {
    ctx.world = await startWorld({ bin: await toolBin(layer), helmMajor: layer === 'v32' ? 3 : 4 })
    ctx.echo = await echoServer()
    // a backend that answers each chunk of the body as it comes
    ctx.stream = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      req.pipe(res)
    })
    await new Promise<void>((resolve) => ctx.stream.listen(0, '127.0.0.1', resolve))
    const at = (server: http.Server) => ({ host: '127.0.0.1', port: (server.address() as AddressInfo).port })
    // the web pod's container listens on 8080 and 8081; nothing on 9999
    ctx.world.sim.network.attach((pod, p) => {
      if (pod.metadata.labels?.app !== 'web') return undefined
      return p === 8080 ? at(ctx.echo) : p === 8081 ? at(ctx.stream) : undefined
    })
    const applied = await kubectlIn(ctx.world, web, 'apply', '-f', '-')
    assert.is(applied.exitCode, 0, applied.stderr)
    await endpointReady(ctx.world, true)
  })

  test.after(async (ctx) => {
    ctx.echo?.close()
    ctx.stream?.close()
    await ctx.world?.stop()
  })

  test('get --raw reaches the pod by port number and by name, with path and query', async ({ world }) => {
    for (const id of ['web:80', 'web:http', 'http:web:80']) {
      const out = await kubectl(world, 'get', '--raw', `/api/v1/namespaces/default/services/${id}/proxy/a/b?q=1`)
      assert.is(out.exitCode, 0, out.stderr)
      const seen: Seen = JSON.parse(out.stdout)
      assert.is(seen.method, 'GET')
      assert.is(seen.path, '/a/b?q=1')
    }
  })

  test('the Authorization header a client authenticated with never reaches the backend', async ({ world }) => {
    // kubectl sends its token over TLS only; a client of the plain-HTTP sim sends it as it would
    const res = await fetch(`${world.sim.url}/api/v1/namespaces/default/services/web:80/proxy/`, {
      headers: { authorization: `Bearer ${world.token}` },
    })
    assert.is(res.status, 200)
    const seen: Seen = await res.json()
    assert.is(seen.headers.authorization, undefined)
    assert.not.match(JSON.stringify(seen), world.token)
  })

  test('create --raw posts the body to the backend', async ({ world }) => {
    const body = JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [['1', 'line']] }] })
    const out = await kubectlIn(
      world,
      body,
      'create',
      '--raw',
      '/api/v1/namespaces/default/services/web:80/proxy/push',
      '-f',
      '-',
    )
    assert.is(out.exitCode, 0, out.stderr)
    const seen: Seen = JSON.parse(out.stdout)
    assert.is(seen.method, 'POST')
    assert.is(seen.body, body)
  })

  test('through kubectl proxy: headers and Set-Cookie pass, Authorization does not', async ({ world }) => {
    const { child, url } = await kubectlProxy(world)
    try {
      const res = await fetch(`${url}/api/v1/namespaces/default/services/web:80/proxy/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: 'grafana_session=xyz', authorization: 'Basic c2VjcmV0' },
        body: '{"user":"admin"}',
      })
      assert.is(res.status, 200)
      assert.is(res.headers.get('set-cookie'), 'session=abc; Path=/; HttpOnly')
      const seen: Seen = await res.json()
      assert.is(seen.headers['content-type'], 'application/json')
      assert.is(seen.headers.cookie, 'grafana_session=xyz')
      assert.is(seen.headers.authorization, undefined)
      assert.is(seen.body, '{"user":"admin"}')
    } finally {
      child.kill('SIGTERM')
      await child.nothrow()
    }
  })

  test("redirects stay under the proxy: the root gets its slash, a backend's absolute Location its prefix", async ({
    world,
  }) => {
    const base = `${world.sim.url}/api/v1/namespaces/default/services/web:80/proxy`
    const root = await fetch(`${base}?a=1`, { redirect: 'manual' })
    assert.is(root.status, 301)
    assert.is(root.headers.get('location'), '/api/v1/namespaces/default/services/web:80/proxy/?a=1')
    const moved = await fetch(`${base}/redirect`, { redirect: 'manual' })
    assert.is(moved.status, 302)
    assert.is(moved.headers.get('location'), '/api/v1/namespaces/default/services/web:80/proxy/login?next=%2F')
  })

  test('bodies stream both ways: a chunk comes back before the request has ended', async ({ world }) => {
    const url = new URL(`${world.sim.url}/api/v1/namespaces/default/services/web:83/proxy/`)
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'text/plain' } })
    // the first chunk is answered while the request is still open: a proxy waiting for its end
    // would answer nothing (the deadline only bounds that failure)
    const first = new Promise<{ res: http.IncomingMessage; chunk: string }>((resolve) => {
      req.on('response', (res) => {
        res.setEncoding('utf8')
        res.once('data', (chunk: string) => resolve({ res, chunk }))
      })
      req.write('first ')
    })
    const answered = await Promise.race([first, sleep(10_000).then(() => undefined)])
    assert.ok(answered, 'no chunk came back while the request was open')
    const { res } = answered
    const chunks = [answered.chunk]
    assert.equal(chunks, ['first '])
    req.end('second')
    for await (const c of res) chunks.push(c)
    assert.is(chunks.join(''), 'first second')
  })

  test('through kubectl proxy on a Unix socket, as the project runs it', async ({ world }) => {
    const socket = `${world.dir}/proxy.sock`
    const child = $({ env: world.env, quiet: true, nothrow: true })`kubectl proxy --unix-socket=${socket}`
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => String(chunk).includes('Starting to serve') && resolve())
        void child.then((out) => reject(new Error(`kubectl proxy ended: ${out.stderr}`)))
      })
      const body = await new Promise<string>((resolve, reject) => {
        const path = '/api/v1/namespaces/default/services/web:80/proxy/over-socket'
        http
          .get({ socketPath: socket, path, headers: { host: 'localhost' } }, (res) => {
            res.setEncoding('utf8')
            let text = ''
            res.on('data', (c: string) => (text += c))
            res.on('end', () => resolve(text))
          })
          .on('error', reject)
      })
      assert.is((JSON.parse(body) as Seen).path, '/over-socket')
    } finally {
      child.kill('SIGTERM')
      await child.nothrow()
    }
  })

  test('a missing Service is 404, an undeclared port 503, a port nothing listens on 503', async ({ world }) => {
    const cases = [
      ['nope:80', /NotFound.*services "nope" not found/],
      ['web:82', /ServiceUnavailable.*no service port 82 found for service "web"/],
      [
        'web:admin',
        /ServiceUnavailable.*error trying to reach service: dial tcp [\d.]+:9999: connect: connection refused/,
      ],
      ['https:web:80', /ServiceUnavailable.*server gave HTTP response to HTTPS client/],
    ] as const
    for (const [id, message] of cases) {
      const out = await kubectl(world, 'get', '--raw', `/api/v1/namespaces/default/services/${id}/proxy/`)
      assert.is.not(out.exitCode, 0, id)
      assert.match(out.stderr, message, `${id}: ${out.stderr}`)
    }
  })

  test('no ready pod: 503 no endpoints available', async ({ world }) => {
    world.sim.faults.pods.set('^web-', { kind: 'neverReady' })
    try {
      // the kubelet takes the pod's readiness away; the slice follows
      await endpointReady(world, false)
      const out = await kubectl(world, 'get', '--raw', '/api/v1/namespaces/default/services/web:80/proxy/')
      assert.is(out.exitCode, 1)
      // the pod is still an endpoint, not a ready one: the API server names the request's service and port
      assert.match(out.stderr, /ServiceUnavailable.*no endpoints available for service "web:80"/)
    } finally {
      world.sim.faults.pods.clear('^web-')
      await endpointReady(world, true)
    }
  })

  test.run()
}

/** Waits until the web Service's slice has its endpoint ready (or not). */
async function endpointReady(world: World, ready: boolean): Promise<void> {
  await eventually(
    `the web endpoint ${ready ? 'ready' : 'not ready'}`,
    () =>
      world.sim.store
        .list({ group: 'discovery.k8s.io', resource: 'endpointslices' }, 'default')
        .items.some(
          (s) =>
            s.metadata.labels?.['kubernetes.io/service-name'] === 'web' &&
            s.endpoints?.[0]?.conditions?.ready === ready,
        ),
    30_000,
  )
}

/** `kubectl proxy --port=0` and the address it says it serves on. */
async function kubectlProxy(world: World): Promise<{ child: ProcessPromise; url: string }> {
  const child = $({ env: world.env, quiet: true, nothrow: true })`kubectl proxy --port=0`
  const url = await new Promise<string>((resolve, reject) => {
    let said = ''
    child.stdout.on('data', (chunk: Buffer) => {
      said += chunk
      const m = /Starting to serve on ([\d.]+:\d+)/.exec(said)
      if (m) resolve(`http://${m[1]}`)
    })
    void child.then((out) => reject(new Error(`kubectl proxy ended: ${out.stderr}`)))
  })
  return { child, url }
}
