// Watches: one `kubectl get --watch` child per kind and namespace, shared by every wait of the run,
// restarted when the server ends it, and stopped once at the end.
import { $, type ProcessPromise } from 'zx/core'
import { sleep } from '../core/zx.ts'
import { InterruptedError } from '../core/errors.ts'
import type { Log } from '../ui/log.ts'
import { endChild } from './children.ts'
import { lastLine, type Command } from './exec.ts'
import { watchCmd, type KubeObject, type Target } from './kubectl.ts'
import type { ApiReachability } from './reachability.ts'

/** How long a watch process gets to end on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000

export const resourceOf = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Pod: 'pods',
  Job: 'jobs',
  Event: 'events',
} as const

export type Kind = keyof typeof resourceOf

/** One shared watch per kind and namespace for the whole run; stopped once at the end. */
export class Watches {
  private readonly streams = new Map<string, WatchStream>()
  private stopped = false
  constructor(
    private readonly target: Target,
    private readonly log: Log,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** told when a watch cannot reach the API server, and when one hears from it */
    private readonly api?: ApiReachability,
  ) {}

  stream(kind: Kind, namespace: string): WatchStream {
    // a wait that begins after stop() (an interrupted run's steps go on briefly) must not start a watch nobody ends
    if (this.stopped) throw new InterruptedError(`not watching ${kind} in ${namespace}: the run is stopping`)
    const key = `${kind}/${namespace}`
    let s = this.streams.get(key)
    if (!s)
      this.streams.set(
        key,
        (s = new WatchStream(watchCmd(this.target, resourceOf[kind], namespace), this.log, this.env, this.api)),
      )
    return s
  }

  /** Ends every watch process; resolves once they are gone (an exiting script must not leave one behind). */
  async stop(): Promise<void> {
    this.stopped = true
    const streams = [...this.streams.values()]
    this.streams.clear()
    await Promise.all(streams.map((s) => s.stop()))
  }
}

/** A judgement on watched state, under way: its first verdict, and how to stop judging without one. */
export interface Judging<V> {
  verdict: Promise<V>
  stop(): void
}

/**
 * What every wait on the run's watches does: `judge` is asked on each event of `streams`, and once
 * a second for deadlines and stuck pods, until it gives a verdict (anything but undefined).
 */
export function judgeOnEvents<V>(streams: Iterable<WatchStream>, judge: () => V | undefined): Judging<V> {
  let stop = () => {}
  const verdict = new Promise<V>((resolve) => {
    const check = () => {
      const v = judge()
      if (v === undefined) return
      stop()
      resolve(v)
    }
    const unsubscribe = [...streams].map((s) => s.subscribe(check))
    const timer = setInterval(check, JUDGED_EVERY_MS)
    stop = () => {
      clearInterval(timer)
      for (const u of unsubscribe) u()
    }
    check()
  })
  return { verdict, stop }
}

/** How often a judgement is asked again between watch events. */
const JUDGED_EVERY_MS = 1000

/** The live state of one kind in one namespace, kept by a `kubectl get --watch` child process. */
export class WatchStream {
  private readonly objects = new Map<string, KubeObject>()
  private readonly listeners = new Set<() => void>()
  private child?: ProcessPromise
  private stopped = false
  private restarts = 0

  constructor(
    private readonly cmd: Command,
    private readonly log: Log,
    private readonly env: NodeJS.ProcessEnv,
    private readonly api?: ApiReachability,
  ) {
    this.start()
  }

  get(name: string): KubeObject | undefined {
    return this.objects.get(name)
  }
  all(): KubeObject[] {
    return [...this.objects.values()]
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  /** Ends the watch process; resolves once it is gone (one that had ended already, between restarts, too). */
  async stop(): Promise<void> {
    this.stopped = true
    this.listeners.clear()
    if (this.child) await endChild(this.child, 'SIGTERM', STOP_GRACE_MS)
  }

  private start() {
    const [bin, ...args] = this.cmd.argv
    const splitter = new JsonStreamSplitter()
    this.objects.clear()
    const child = $({ quiet: true, verbose: false, nothrow: true, env: this.env })`${bin} ${args}`
    this.child = child
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      for (const text of splitter.push(chunk)) this.apply(JSON.parse(text))
    })
    void child.then(async (out) => {
      if (this.stopped) return
      // a watch ends without error when the server closes it; one that fails may not reach the server
      if (out.exitCode !== 0) this.api?.observe(out)
      // The server ends watches now and then; start again, a little later each time it fails fast.
      this.log.verbose(
        `  watch ${args.slice(1, 4).join(' ')} ended (${lastLine(out.stderr) || `exit ${out.exitCode}`}); restarting`,
      )
      await sleep(Math.min(250 * 2 ** this.restarts++, 5000))
      if (!this.stopped) this.start()
    })
  }

  private apply(event: { type: string; object: KubeObject }) {
    if (!event?.object?.metadata) return
    this.restarts = 0
    this.api?.answered()
    if (event.type === 'DELETED') this.objects.delete(event.object.metadata.name)
    else if (event.type !== 'BOOKMARK' && event.type !== 'ERROR')
      this.objects.set(event.object.metadata.name, event.object)
    for (const l of this.listeners) l()
  }
}

/** Splits concatenated JSON documents (kubectl's watch output) as they arrive in chunks. */
export class JsonStreamSplitter {
  private buffer = ''
  private depth = 0
  private inString = false
  private escaped = false
  private start = -1
  private scanned = 0

  push(chunk: string): string[] {
    this.buffer += chunk
    const done: string[] = []
    for (let i = this.scanned; i < this.buffer.length; i++) {
      const ch = this.buffer[i]
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (ch === '\\') this.escaped = true
        else if (ch === '"') this.inString = false
      } else if (ch === '"') this.inString = true
      else if (ch === '{') {
        if (this.depth++ === 0) this.start = i
      } else if (ch === '}' && --this.depth === 0) {
        done.push(this.buffer.slice(this.start, i + 1))
        this.buffer = this.buffer.slice(i + 1)
        i = -1
      }
    }
    this.scanned = this.buffer.length
    if (this.depth === 0) {
      this.buffer = ''
      this.scanned = 0
    }
    return done
  }
}
