// In-cluster Service URLs: `http://loki.monitoring.svc.cluster.local:3100` names Service loki, port
// 3100, in namespace monitoring. Grafana's datasources and the log shipper's push URL are such URLs:
// the report follows them to their Service, and --namespace moves those naming the stack's namespace.

export interface ServiceTarget {
  service: string
  namespace: string
  port: number
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/** A URL as Grafana reads it, or undefined when it is none. */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

/**
 * The Service a URL's host names, as the cluster's DNS resolves it from a pod in `podNamespace`:
 * `svc` (that namespace), `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. Any other host (an IP,
 * a domain outside the cluster, localhost: the pod itself) names no Service: undefined.
 */
export function serviceOfUrl(url: URL, podNamespace: string): ServiceTarget | undefined {
  const labels = url.hostname.split('.')
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol]
  if (!port || url.hostname === 'localhost' || !labels.every((l) => LABEL.test(l))) return undefined
  const [service, namespace = podNamespace, ...rest] = labels
  const suffix = rest.join('.')
  if (labels.length > 2 && suffix !== 'svc' && suffix !== 'svc.cluster.local') return undefined
  return { service, namespace, port }
}

/**
 * `text` with its host moved from namespace `from` to `to`, when it is a URL whose host names a
 * Service in `from` (a bare name names none: it follows Grafana wherever it is); else undefined.
 */
export function moveToNamespace(text: string, from: string, to: string): string | undefined {
  const url = parseUrl(text)
  if (!url || from === to || !url.hostname.includes('.')) return undefined
  if (serviceOfUrl(url, from)?.namespace !== from) return undefined
  const [service, , ...rest] = url.hostname.split('.')
  // the text as written (no trailing slash added, no case changed), only the host replaced
  const host = new RegExp(`(//(?:[^/@]*@)?)${url.hostname.replace(/\./g, '\\.')}`, 'i')
  return text.replace(host, `$1${[service, to, ...rest].join('.')}`)
}
