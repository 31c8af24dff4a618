// The API server's service proxy (/api/v1/namespaces/NS/services/NAME:PORT/proxy/…), reached
// through one `kubectl proxy` child serving a Unix socket in a private temp folder: no port another
// local user could reach, no port-forward, nothing exposed, and the child lives only as long as the
// requests that need it. Each request is plain HTTP over that socket, with its own deadline.
import http from 'node:http'
import path from 'node:path'
import type { ProcessPromise } from 'zx/core'
import type { Text } from '../core/text.ts'
import { endChild } from './children.ts'
import { lastLine, type Command, type Runner } from './exec.ts'
import { kubectl, type Target } from './kubectl.ts'
import { withTempDir } from './temp.ts'

/** A port of a Service in a namespace. */
export interface ServiceRef {
  namespace: string
  name: string
  port: number
}

export interface HttpRequest {
  method?: 'GET' | 'POST'
  /** the path on the Service, with its query (`/api/v1/query?query=up`) */
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** status 0 because REQUEST_MS passed (the body says so in English) */
  timedOut?: boolean
}

/** `kubectl proxy` did not start: why, in both languages (the report's JSON carries the English). */
export class ProxyError extends Error {
  constructor(readonly text: Text) {
    super(text.en)
  }
}

/**
 * Sends one request to a Service through the proxy. It never rejects: a request that got no answer
 * (none in time, the proxy gone) has status 0 and what went wrong as its body.
 */
export type Send = (service: ServiceRef, request: HttpRequest) => Promise<HttpResponse>

/** How long one request may take, answer included. */
export const REQUEST_MS = 10_000
/** How long `kubectl proxy` may take to start serving. */
const START_MS = 15_000
/** How long it gets to end on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000
/** Answers are JSON of a few kilobytes; a larger one is cut here rather than held whole. */
const MAX_BODY_BYTES = 1 << 20

/** `kubectl proxy` serving a Unix socket (kubectl removes the socket file as it ends). */
export function proxyCmd(target: Target, socket: string): Command {
  return kubectl(target, 'proxy', `--unix-socket=${socket}`)
}

/** The API server's path to a Service's port, by number (the API server finds the port's name). */
export function servicePath(service: ServiceRef, rest: string): string {
  return `/api/v1/namespaces/${service.namespace}/services/${service.name}:${service.port}/proxy${rest}`
}

/**
 * Runs `use` with a sender through a `kubectl proxy` started for it, and ends the proxy after it.
 * Rejects with a ProxyError, naming why, when the proxy does not start.
 */
export async function withServiceProxy<T>(runner: Runner, target: Target, use: (send: Send) => Promise<T>): Promise<T> {
  // the folder is readable by us only: so is the socket in it
  return withTempDir('stack-proxy-', async (dir) => {
    const socket = path.join(dir, 'api.sock')
    const child = runner.serve(proxyCmd(target, socket))
    try {
      await serving(child)
      return await use((service, request) => sendVia(socket, servicePath(service, request.path), request))
    } finally {
      await endChild(child, 'SIGTERM', STOP_GRACE_MS)
    }
  })
}

/** Resolves once kubectl says it serves; rejects when it ends first or takes longer than START_MS. */
async function serving(child: ProcessPromise): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      let said = ''
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        said += chunk
        if (said.includes('Starting to serve')) resolve()
      })
      void child.then((out) => {
        const why = lastLine(out.stderr) || `exit code ${out.exitCode}`
        reject(new ProxyError({ en: `kubectl proxy ended: ${why}`, ko: `kubectl proxy가 끝났습니다 — ${why}` }))
      })
      const limit = START_MS / 1000
      const late = {
        en: `kubectl proxy did not start within ${limit}s`,
        ko: `kubectl proxy가 ${limit}초 안에 시작하지 않았습니다`,
      }
      timer = setTimeout(() => reject(new ProxyError(late)), START_MS)
    })
  } finally {
    clearTimeout(timer)
  }
}

function sendVia(socket: string, urlPath: string, request: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(REQUEST_MS)
  return new Promise((resolve) => {
    const fail = (error: Error) =>
      resolve(
        signal.aborted
          ? { status: 0, headers: {}, body: `no answer within ${REQUEST_MS / 1000}s`, timedOut: true }
          : { status: 0, headers: {}, body: error.message },
      )
    const body = request.body === undefined ? undefined : Buffer.from(request.body)
    const req = http.request(
      {
        socketPath: socket,
        path: urlPath,
        method: request.method ?? 'GET',
        // kubectl proxy accepts requests for localhost only
        headers: { host: 'localhost', ...request.headers, ...(body ? { 'content-length': body.length } : {}) },
        signal,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size <= MAX_BODY_BYTES) chunks.push(chunk)
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', fail)
      },
    )
    req.on('error', fail)
    req.end(body)
  })
}
