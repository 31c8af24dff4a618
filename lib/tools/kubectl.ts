// kubectl: pure builders of argv arrays (unit-tested without a process), then the few functions
// that run them. Reads always ask for JSON; nothing here greps a table.
import { YAML } from '../core/zx.ts'
import { failure, type Command, type Runner } from './exec.ts'

/** What every kubectl call needs to reach the right cluster. */
export interface Target {
  context?: string
}

export type KubeObject = {
  apiVersion?: string
  kind?: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    uid?: string
    [k: string]: unknown
  }
  spec?: any
  status?: any
  data?: Record<string, string>
  [k: string]: unknown
}

export function kubectl(target: Target, ...args: string[]): Command {
  return { argv: ['kubectl', ...(target.context ? ['--context', target.context] : []), ...args] }
}

/**
 * `kubectl version` bounded to 4 s (the preflight's answer within 5 s): answers whether the cluster
 * is reachable, and which it is.
 */
export function versionCmd(target: Target): Command {
  return { ...kubectl(target, 'version', '-o', 'json', '--request-timeout=4s'), timeoutMs: 7000 }
}

export function getCmd(
  target: Target,
  resource: string,
  opts: { namespace?: string; name?: string; selector?: string } = {},
): Command {
  return kubectl(
    target,
    'get',
    resource,
    ...(opts.name ? [opts.name] : []),
    ...nsArgs(opts.namespace),
    ...(opts.selector ? ['-l', opts.selector] : []),
    '-o',
    'json',
  )
}

/** A watch that prints every event as JSON ({type, object}), for one kind in one namespace. */
export function watchCmd(target: Target, resource: string, namespace: string): Command {
  return kubectl(target, 'get', resource, '-n', namespace, '--watch', '--output-watch-events', '-o', 'json')
}

/** `kubectl create namespace`, with labels from the start: there is no moment it exists without them. */
export function createNamespaceCmd(target: Target, name: string, labels: Record<string, string>): Command {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }
  return { ...kubectl(target, 'create', '-f', '-'), input: YAML.stringify(namespace) }
}

export function applyFileCmd(target: Target, location: string): Command {
  return kubectl(target, 'apply', '-f', location)
}

export function deleteFileCmd(target: Target, location: string): Command {
  return kubectl(target, 'delete', '-f', location, '--ignore-not-found')
}

export function annotateCmd(
  target: Target,
  resource: string,
  name: string,
  annotations: Record<string, string>,
): Command {
  return kubectl(
    target,
    'annotate',
    resource,
    name,
    '--overwrite',
    ...Object.entries(annotations).map(([k, v]) => `${k}=${v}`),
  )
}

/** Creating `manifest` server-side without storing it: admission webhooks run, nothing is kept. */
export function serverDryRunCmd(target: Target, manifest: string): Command {
  return { ...kubectl(target, 'create', '--dry-run=server', '-f', '-'), input: manifest }
}

export function nsArgs(namespace?: string): string[] {
  return namespace ? ['-n', namespace] : []
}

// Runners

export async function getObject(
  runner: Runner,
  target: Target,
  resource: string,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  const out = await runner.probe(getCmd(target, resource, { namespace, name }))
  if (out.exitCode === 0) return out.json()
  if (/NotFound|not found/.test(out.stderr)) return undefined
  throw failure(getCmd(target, resource, { namespace, name }), out)
}

export async function listObjects(
  runner: Runner,
  target: Target,
  resource: string,
  opts: { namespace?: string; selector?: string } = {},
): Promise<KubeObject[]> {
  const out = await runner.query(getCmd(target, resource, opts))
  return (out.json() as { items: KubeObject[] }).items
}
