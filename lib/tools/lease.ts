// The run lock: one changing run at a time per cluster and stack, as a
// coordination.k8s.io Lease. Pure parts: the Lease object, the commands that create, renew, read
// and delete it, whether its holder still lives, and the holder as a person reads it.
// lib/steps/lease.ts runs them.
import path from 'node:path'
import { formatDuration } from '../core/settings.ts'
import { redactCredentials } from '../core/redact.ts'
import type { Command } from './exec.ts'
import { getCmd, kubectl, type KubeObject, type Target } from './kubectl.ts'
import { say } from '../core/text.ts'

/**
 * Where the lock lives. `default` is there in every cluster before our first step: the stack's
 * namespace may not exist yet, and teardown --purge deletes it while the lock is held. The stack
 * never lives in `default` (config.ts refuses it), and kube-node-lease (the nodes' heartbeats) and
 * kube-system (the control plane's leases) are not ours to write to.
 */
export const LEASE_NAMESPACE = 'default'

/** Our mark: the stack a Lease locks. A Lease without it is not ours to take over or delete. */
export const LOCK_LABEL = 'monitoring-stack.workshop/lock-for'
const HOLDER = 'monitoring-stack.workshop/holder-'

/** One lock per stack, named after the stack's namespace: two stacks in one cluster never wait on each other. */
export function leaseName(stackNamespace: string): string {
  return `monitoring-stack-lock-${stackNamespace}`
}

/** Who holds the lock: enough for a person to find the run, and for a run on the same machine to see it ended. */
export interface Holder {
  /** the host name, as a person knows the machine */
  host: string
  /** the host, its boot and its process namespace: equal only where `pid` names the same process */
  machine: string
  pid: number
  /** what the holder runs, e.g. `scripts/all.mts --profile=current` */
  command: string
  /** when the run started, in ms since the epoch */
  startedAt: number
}

/** A lock as read from the cluster. */
export interface Lock {
  holder: Holder
  /** the holder's last renewal, in ms since the epoch (its own clock) */
  renewedAt: number
  durationSeconds: number
  transitions: number
  resourceVersion: string
}

/** The Lease a run holds: created with it, replaced at each renewal and when taken over. */
export function leaseObject(opts: {
  stackNamespace: string
  holder: Holder
  durationMs: number
  now: number
  /** the Lease read before: a renewal or a take-over replaces exactly that version */
  previous?: KubeObject
}): KubeObject {
  const { stackNamespace, holder, now, previous } = opts
  const sameHolder = previous?.spec?.holderIdentity === holderIdentity(holder)
  const transitions = (previous?.spec?.leaseTransitions ?? 0) + (previous && !sameHolder ? 1 : 0)
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: leaseName(stackNamespace),
      namespace: LEASE_NAMESPACE,
      labels: { [LOCK_LABEL]: stackNamespace },
      annotations: {
        [`${HOLDER}host`]: holder.host,
        [`${HOLDER}machine`]: holder.machine,
        [`${HOLDER}pid`]: String(holder.pid),
        [`${HOLDER}command`]: holder.command,
        [`${HOLDER}started-at`]: new Date(holder.startedAt).toISOString(),
      },
      ...(previous ? { resourceVersion: previous.metadata.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: holderIdentity(holder),
      // whole seconds, at least one: what the API accepts
      leaseDurationSeconds: Math.max(1, Math.ceil(opts.durationMs / 1000)),
      acquireTime: sameHolder ? previous.spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: transitions,
    },
  }
}

/** `kubectl get lease` shows it in its HOLDER column. */
function holderIdentity(holder: Holder): string {
  return `${holder.host}/${holder.pid}`
}

/** metav1.MicroTime: the API server parses exactly six fractional digits (RFC3339Micro). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z')
}

/** The lock a Lease holds for this stack; undefined when it does not carry our mark for it. */
export function parseLock(lease: KubeObject, stackNamespace: string): Lock | undefined {
  if (lease.metadata.labels?.[LOCK_LABEL] !== stackNamespace) return undefined
  const a = lease.metadata.annotations ?? {}
  return {
    holder: {
      host: a[`${HOLDER}host`] ?? '',
      machine: a[`${HOLDER}machine`] ?? '',
      pid: Number(a[`${HOLDER}pid`]),
      command: a[`${HOLDER}command`] ?? '',
      startedAt: Date.parse(a[`${HOLDER}started-at`] ?? ''),
    },
    renewedAt: Date.parse(lease.spec?.renewTime ?? ''),
    durationSeconds: Number(lease.spec?.leaseDurationSeconds ?? 0),
    transitions: Number(lease.spec?.leaseTransitions ?? 0),
    resourceVersion: String(lease.metadata.resourceVersion ?? ''),
  }
}

export type LockState =
  | { kind: 'live' }
  /** not renewed for its whole duration: its holder died on another machine, or lost the cluster */
  | { kind: 'expired'; agoMs: number }
  /** its holder's process is gone (seen on the holder's own machine, without waiting for the expiry) */
  | { kind: 'ended' }

/**
 * Whether a lock still holds. A lock lives until its last renewal plus its duration, on our clock
 * against the holder's: clocks a few seconds apart (NTP) only move that by as much, well within the
 * margin a renewal every third of the duration leaves. On the holder's own machine its process is
 * asked directly (`isRunning`), so a run stopped by Ctrl-C or killed is followed at once.
 */
export function lockState(
  lock: Lock,
  now: number,
  here: { machine: string; isRunning(pid: number): boolean },
): LockState {
  if (lock.holder.machine === here.machine && Number.isInteger(lock.holder.pid) && !here.isRunning(lock.holder.pid))
    return { kind: 'ended' }
  // an unreadable renewal time cannot prove the holder dead: it counts as renewed now
  const renewedAt = Number.isNaN(lock.renewedAt) ? now : lock.renewedAt
  const expiresAt = renewedAt + lock.durationSeconds * 1000
  return now >= expiresAt ? { kind: 'expired', agoMs: now - expiresAt } : { kind: 'live' }
}

/** The holder as a person reads it: `scripts/all.mts` (pid 4242 on laptop, started 40s ago). */
export function describeHolder(holder: Holder, now: number): string {
  const ago = formatDuration(now - holder.startedAt)
  const command = holder.command || say({ en: 'a run', ko: '어떤 실행' })
  const host = holder.host || say({ en: 'an unknown host', ko: '알 수 없는 호스트' })
  return Number.isNaN(holder.startedAt)
    ? say({ en: `\`${command}\` (pid ${holder.pid} on ${host})`, ko: `\`${command}\` (${host}의 pid ${holder.pid})` })
    : say({
        en: `\`${command}\` (pid ${holder.pid} on ${host}, started ${ago} ago)`,
        ko: `\`${command}\` (${host}의 pid ${holder.pid}, ${ago} 전에 시작)`,
      })
}

/**
 * What this process runs, as the holder's command: the script (relative to `cwd` when below it)
 * and its arguments, without the node and zx before it; credentials in a URL are never stored.
 */
export function commandOf(argv: string[], cwd: string): string {
  const script = argv.findIndex((a, i) => i > 0 && /\.m?[jt]s$/.test(a) && !a.includes('node_modules'))
  const words = script >= 0 ? argv.slice(script) : argv.slice(1)
  const [first, ...rest] = words
  const rel = first && path.isAbsolute(first) ? path.relative(cwd, first) : first
  const shown = rel && !rel.startsWith('..') ? rel : first
  return redactCredentials([shown, ...rest].filter(Boolean).join(' '))
}

// Commands

const RESOURCE = 'leases.coordination.k8s.io'

export function createLeaseCmd(target: Target, lease: KubeObject): Command {
  return { ...kubectl(target, 'create', '-f', '-', '-o', 'json'), input: JSON.stringify(lease) }
}

/** A renewal or a take-over: refused (Conflict) unless the Lease is still at the version read before. */
export function replaceLeaseCmd(target: Target, lease: KubeObject): Command {
  return { ...kubectl(target, 'replace', '-f', '-', '-o', 'json'), input: JSON.stringify(lease) }
}

export function getLeaseCmd(target: Target, stackNamespace: string): Command {
  return getCmd(target, RESOURCE, { namespace: LEASE_NAMESPACE, name: leaseName(stackNamespace) })
}

/**
 * Deletes the Lease only while it is at `resourceVersion` (a delete precondition): a lock taken
 * over by another run in the meantime is theirs and stays. `kubectl delete` has no flag for a
 * precondition, so the DeleteOptions go as the body of a raw DELETE.
 */
export function deleteLeaseCmd(target: Target, stackNamespace: string, resourceVersion: string): Command {
  const url = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${leaseName(stackNamespace)}`
  const options = { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion } }
  return { ...kubectl(target, 'delete', '--raw', url, '-f', '-'), input: JSON.stringify(options) }
}

/** Why a write to the Lease was refused, from kubectl's stderr. */
export function leaseRefusal(stderr: string): 'exists' | 'conflict' | 'not-found' | undefined {
  if (/\(AlreadyExists\)|already exists/.test(stderr)) return 'exists'
  if (/\(Conflict\)|the object has been modified|Precondition failed/.test(stderr)) return 'conflict'
  if (/\(NotFound\)|not found/.test(stderr)) return 'not-found'
  return undefined
}
