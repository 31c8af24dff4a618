// The HTTP front: reads a request, counts it, applies the HTTP faults a test switched on, routes
// it (health, version, discovery, OpenAPI, resources) and answers JSON, with every failure as a
// Kubernetes Status. Watches stream until the client leaves, their timeout, or stop(). It can go
// down and come back up at the same address, as a crashed and restarted API server does.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ApiError } from '../store.ts'
import type { PodNetwork } from '../network.ts'
import type { ApiContext, Call, Reply } from './context.ts'
import { discovery } from './discovery.ts'
import type { HttpFaultBook } from './faults.ts'
import { openapi, openapiV2 } from './openapi.ts'
import { proxyPath, serveServiceProxy } from './proxy.ts'
import { getObject, listObjects } from './read.ts'
import { deleteCollection, deleteObject } from './remove.ts'
import { parseRequest, type ResourceRequest } from './request.ts'
import type { Stats } from './stats.ts'
import { methodNotSupported, pathNotFound, statusOf, tooManyRequests } from './status.ts'
import { serveWatch } from './watch.ts'
import { createObject, patchObject, updateObject } from './write.ts'

export interface ApiServerDeps extends ApiContext {
  stats: Stats
  faults: HttpFaultBook
  /** where the service proxy's requests land */
  network: PodNetwork
}

export interface ApiServer {
  url: string
  /**
   * Goes away as a crashed API server does: every connection is cut (a request in flight gets no
   * answer, a watch ends mid-stream) and new ones are refused, until up().
   */
  down(): Promise<void>
  /** Listens again at the same address, as a restarted API server does. */
  up(): Promise<void>
  close(): Promise<void>
}

const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.3-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-03-11T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
}

export async function startApiServer(deps: ApiServerDeps): Promise<ApiServer> {
  const watches = new Set<() => void>()
  const sockets = new Set<Socket>()
  const hub = {
    opened: (close: () => void) => {
      watches.add(close)
      deps.stats.watchOpened()
      return () => {
        watches.delete(close)
        deps.stats.watchClosed()
      }
    },
  }
  let listening = false
  /** Stops listening and cuts every connection (a watch's cut socket closes the watch). */
  const stopListening = async () => {
    if (!listening) return
    listening = false
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await closed
  }
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        listening = true
        resolve()
      })
    })
  const server = http.createServer((req, res) => {
    handle(deps, { ...hub, down: stopListening }, req, res).catch((e) => respondError(res, e))
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await listen(0)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    down: stopListening,
    up: async () => {
      if (!listening) await listen(port)
    },
    close: async () => {
      for (const close of [...watches]) close()
      await stopListening()
    },
  }
}

async function handle(
  deps: ApiServerDeps,
  hub: { opened(close: () => void): () => void; down(): Promise<void> },
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  const url = new URL(req.url ?? '/', 'http://localhost')
  // a proxied request's body streams to the backend: it is not read here
  const proxied = proxyPath(url.pathname) !== undefined
  const body = proxied ? Buffer.alloc(0) : await readBody(req)
  const parsed = proxied ? undefined : parseRequest(req.method ?? 'GET', url, deps.registry)
  const verb = parsed?.kind === 'resource' ? parsed.req.verb : (req.method ?? 'GET').toLowerCase()
  deps.stats.count(
    verb,
    parsed?.kind === 'resource' ? resourceLabel(parsed.req) : proxied ? 'services/proxy' : url.pathname,
  )
  if (process.env.KUBE_SIM_LOG)
    process.stderr.write(
      `[kube-sim] ${req.method} ${req.url} ${req.headers['content-type'] ?? ''} | ${req.headers.accept ?? ''}\n`,
    )

  const facts = { pathAndQuery: `${url.pathname}${url.search}`, verb }
  const delay = deps.faults.delayFor(facts)
  if (delay > 0) await new Promise((r) => setTimeout(r, delay).unref())
  const failure = deps.faults.failureFor(facts)
  if (failure?.failure === 'reset') return void req.socket.destroy()
  // the server dies with this request in flight: it gets no answer, like every other connection
  if (failure?.failure === 'down') return void hub.down()
  if (failure?.failure === 429) {
    const seconds = failure.retryAfterSeconds ?? 1
    return respond(res, {
      status: 429,
      body: statusOf(tooManyRequests(seconds)),
      headers: { 'Retry-After': String(seconds) },
    })
  }
  if (failure?.failure === 500)
    return respond(res, {
      status: 500,
      body: statusOf(new ApiError(500, 'InternalError', 'Internal error occurred: injected fault (kube-sim)')),
    })

  if (!parsed) return serveServiceProxy(deps, url, req, res)
  if (parsed.kind === 'nonresource') return respond(res, nonResource(deps, url.pathname, req.headers.accept ?? ''))
  if (parsed.kind === 'unknown') throw pathNotFound()
  const call: Call = {
    req: parsed.req,
    body,
    contentType: req.headers['content-type'] ?? 'application/json',
    accept: req.headers.accept ?? 'application/json',
    userAgent: req.headers['user-agent'] ?? '',
  }
  if (!parsed.req.def.verbs.includes(parsed.req.verb) && !parsed.req.subresource)
    throw methodNotSupported(parsed.req.def, parsed.req.verb)
  if (parsed.req.verb === 'watch') return serveWatch(deps, call, res, hub)
  respond(res, route(deps, call))
}

function route(ctx: ApiContext, call: Call): Reply {
  switch (call.req.verb) {
    case 'get':
      return getObject(ctx, call)
    case 'list':
      return listObjects(ctx, call)
    case 'create':
      return createObject(ctx, call)
    case 'update':
      return updateObject(ctx, call)
    case 'patch':
      return patchObject(ctx, call)
    case 'delete':
      return deleteObject(ctx, call)
    case 'deletecollection':
      return deleteCollection(ctx, call)
    default:
      throw pathNotFound()
  }
}

function nonResource(deps: ApiServerDeps, path: string, accept: string): Reply {
  if (path === '/version' || path === '/version/') return { status: 200, body: VERSION }
  if (/^\/(healthz|readyz|livez)(\/.*)?$/.test(path))
    return { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' }
  if (path === '/openapi/v2') return openapiV2(accept)
  const reply = discovery(path, accept, deps.registry) ?? openapi(path, deps.registry)
  if (reply) return reply
  throw pathNotFound()
}

/** `deployments.apps`, `pods/status`: the resource part of a stats key. */
function resourceLabel(req: ResourceRequest): string {
  const res = req.def.group ? `${req.def.resource}.${req.def.group}` : req.def.resource
  return req.subresource ? `${res}/${req.subresource}` : res
}

function respond(res: http.ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body)
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...reply.headers,
  })
  res.end(text)
}

function respondError(res: http.ServerResponse, e: unknown): void {
  if (res.headersSent) return void res.destroy()
  const err =
    e instanceof ApiError
      ? e
      : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error)?.stack ?? String(e)}`)
  respond(res, { status: err.code, body: statusOf(err) })
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
