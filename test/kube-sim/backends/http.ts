// What the backends share: an in-process HTTP server standing for one container (started on the
// first connection to it), the answers they give, and a pod's own HTTP client, which reaches a
// Service the way a process in the cluster does (cluster DNS, then kube-proxy: network.ts).
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Sim } from '../index.ts'
import { R } from '../controllers/objects.ts'
import { clusterTarget, type Address } from '../network.ts'
import type { KObject } from '../store.ts'

export type Handler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void | Promise<void>

/** A loopback server for a container: its address once listening, closed by close(). */
export interface Container {
  address(): Promise<Address>
  close(): void
}

/** A server that starts listening when first asked for its address. */
export function container(handler: Handler): Container {
  let listening: Promise<Address> | undefined
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () =>
      Promise.resolve(handler(req, Buffer.concat(chunks), res)).catch((e: Error) => text(res, 500, e.message)),
    )
  })
  return {
    address: () =>
      (listening ??= new Promise((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }),
        ),
      )),
    close: () => {
      server.close()
      server.closeAllConnections()
    },
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

export function text(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** The last path segment of a container image without its tag: `docker.io/grafana/loki:3.5` -> `loki`. */
export function imageName(image: string | undefined): string {
  return (image ?? '').split('@')[0].split('/').pop()!.split(':')[0]
}

/** Whether one of the pod's containers runs the image `name`. */
export function runs(pod: KObject, name: string): boolean {
  return (pod.spec?.containers ?? []).some((c: { image?: string }) => imageName(c.image) === name)
}

/** The texts of the ConfigMaps and Secrets the pod mounts: its configuration files. */
export function mountedFiles(sim: Sim, pod: KObject): string[] {
  const ns = pod.metadata.namespace
  type Volume = { configMap?: { name: string }; secret?: { secretName: string } }
  return (pod.spec?.volumes ?? []).flatMap((v: Volume) => {
    if (v.configMap) return Object.values(sim.store.get(R.configmaps, ns, v.configMap.name)?.data ?? {}).map(String)
    if (v.secret)
      return Object.values(sim.store.get(R.secrets, ns, v.secret.secretName)?.data ?? {}).map((b) =>
        Buffer.from(String(b), 'base64').toString('utf8'),
      )
    return []
  })
}

export interface Fetched {
  status: number
  body: string
}

/**
 * An HTTP request from a process in namespace `from` to a URL inside the cluster; rejects with the
 * error a Go client prints when the connection cannot be made.
 */
export async function clusterFetch(
  sim: Sim,
  from: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Fetched> {
  const target = new URL(url)
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80))
  const endpoint = clusterTarget(sim.store, from, target.hostname, port)
  if ('error' in endpoint) throw new Error(endpoint.error)
  const address = await sim.network.dial(endpoint.pod, endpoint.port)
  if (!address) throw new Error(`dial tcp ${target.hostname}:${port}: connect: connection refused`)
  const res = await fetch(`http://${address.host}:${address.port}${target.pathname}${target.search}`, init)
  return { status: res.status, body: await res.text() }
}
