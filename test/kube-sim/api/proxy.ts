// The API server's service proxy: /api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH
// for every method, to a ready endpoint of the Service (network.ts), streamed both ways. What a
// client notices is as on a real cluster: the Authorization header it authenticated with never
// reaches the backend (the authentication filter removes it), hop-by-hop headers are dropped,
// X-Forwarded-For is added, a backend's absolute redirect is rewritten under the proxy path, and
// a backend nothing listens for is a 503 "error trying to reach service".
import http from 'node:http'
import { type Address, proxyTarget, type PodNetwork, type ProxyTarget } from '../network.ts'
import { ApiError, type Store } from '../store.ts'
import { statusOf } from './status.ts'

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/

/** The parts of a service proxy path, or undefined for any other path. */
export function proxyPath(pathname: string): { namespace: string; id: string; rest?: string } | undefined {
  const m = PROXY_PATH.exec(pathname)
  return m ? { namespace: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]), rest: m[3] } : undefined
}

// RFC 9110 7.6.1, and what Go's reverse proxy drops besides
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

/** Serves one proxied request; `url` is the request's URL, its path a service proxy path. */
export async function serveServiceProxy(
  deps: { store: Store; network: PodNetwork },
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const { namespace, id, rest } = proxyPath(url.pathname)!
  // the API server redirects the proxy's root to its form with a slash
  if (rest === undefined) return answer(res, 301, '', { Location: `${url.pathname}/${url.search}` })
  const target = locate(deps.store, namespace, id, res)
  if (!target) return
  let address: Address | undefined
  try {
    address = await deps.network.dial(target.pod, target.port)
  } catch (e) {
    // what stands for the container could not start (a binary missing): say why
    return unreachable(res, (e as Error).message)
  }
  if (!address) return unreachable(res, `dial tcp ${target.ip}:${target.port}: connect: connection refused`)
  // what listens on a pod here speaks plain HTTP
  if (target.scheme === 'https') return unreachable(res, 'http: server gave HTTP response to HTTPS client')
  const headers = forwardHeaders(req.headers, ['authorization'])
  headers.host = `${target.ip}:${target.port}`
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ')
  const upstream = http.request({
    host: address.host,
    port: address.port,
    method: req.method,
    path: rest + url.search,
    headers,
  })
  upstream.on('response', (back) => {
    const out = forwardHeaders(back.headers, [])
    const location = back.headers.location
    // a path on the backend's own host (not `//other-host/…`) stays under the proxy's prefix
    if (location && /^\/(?!\/)/.test(location)) out.location = `${url.pathname.slice(0, -rest.length)}${location}`
    res.writeHead(back.statusCode ?? 502, out)
    back.pipe(res)
    back.on('error', () => res.destroy())
  })
  upstream.on('error', (e) => {
    if (res.headersSent) return void res.destroy()
    unreachable(res, e.message)
  })
  req.pipe(upstream)
}

/** The Service's ready endpoint, or undefined once the API server's error is answered. */
function locate(store: Store, namespace: string, id: string, res: http.ServerResponse): ProxyTarget | undefined {
  try {
    return proxyTarget(store, namespace, id)
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    answer(res, e.code, JSON.stringify(statusOf(e)), { 'Content-Type': 'application/json' })
    return undefined
  }
}

function forwardHeaders(headers: http.IncomingHttpHeaders, drop: string[]): http.OutgoingHttpHeaders {
  // a Connection header names more hop-by-hop headers
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
  const out: http.OutgoingHttpHeaders = {}
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined && ![...HOP_BY_HOP, ...named, ...drop].includes(key)) out[key] = value
  return out
}

function unreachable(res: http.ServerResponse, why: string): void {
  const error = new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${why}`)
  answer(res, 503, JSON.stringify(statusOf(error)), { 'Content-Type': 'application/json' })
}

function answer(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
