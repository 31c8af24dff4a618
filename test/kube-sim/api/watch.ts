// Watches: a chunked stream of {"type","object"} lines. Without a resourceVersion (or "0") the
// stream starts with ADDED for every existing object; with one it resumes from there (an ERROR
// event with 410 Expired when that is older than the history kept); `sendInitialEvents=true`
// (client-go's streaming list) ends the initial ADDED events with a bookmark annotated
// `k8s.io/initial-events-end`. Selectors apply to each event, and an object that stops matching
// is sent as DELETED, as the apiserver's watch cache does.
import type { ServerResponse } from 'node:http'
import { ApiError, type KObject, type StoreEvent } from '../store.ts'
import { present, storageOf, type ApiContext, type Call } from './context.ts'
import { select } from './read.ts'
import { apiVersionOf } from './registry.ts'
import { flag } from './request.ts'
import { statusOf } from './status.ts'
import { toTable, wantsTable } from './table.ts'

export interface WatchHub {
  opened(close: () => void): () => void
}

export function serveWatch(ctx: ApiContext, call: Call, res: ServerResponse, hub: WatchHub): void {
  const { req } = call
  const q = req.query
  const storage = storageOf(req.def)
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' })
  res.flushHeaders()

  const matches = (o: KObject) => select([o], call).length === 1
  const asTable = wantsTable(call.accept)
  const send = (type: string, obj: KObject) => {
    const shown = present(req.def, obj)
    const object = asTable
      ? toTable(req.def, [shown], q.get('includeObject'), obj.metadata.resourceVersion ?? '')
      : shown
    res.write(`${JSON.stringify({ type, object })}\n`)
  }
  const bookmark = (rv: string, annotations?: Record<string, string>) => {
    if (!flag(q, 'allowWatchBookmarks')) return
    const metadata = { resourceVersion: rv, ...(annotations ? { annotations } : {}) }
    res.write(
      `${JSON.stringify({
        type: 'BOOKMARK',
        object: { kind: req.def.kind, apiVersion: apiVersionOf(req.def.group, req.def.version), metadata },
      })}\n`,
    )
  }

  // Keys of the objects the client has been told about, to turn "stopped matching" into DELETED.
  const known = new Set<string>()
  const key = (o: KObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`
  const onEvent = (e: StoreEvent) => {
    const k = key(e.object)
    const hit = matches(e.object)
    if (e.type === 'DELETED') {
      if (known.delete(k) || hit) send('DELETED', e.object)
    } else if (hit) {
      send(known.has(k) || e.type === 'MODIFIED' ? 'MODIFIED' : 'ADDED', e.object)
      known.add(k)
    } else if (known.delete(k)) {
      send('DELETED', e.object)
    }
  }

  const rv = q.get('resourceVersion')
  let stopWatching = () => {}
  try {
    if (flag(q, 'sendInitialEvents') || !rv || rv === '0') {
      const { items, resourceVersion } = ctx.store.list(storage, req.namespace)
      for (const o of select(items, call)) {
        send('ADDED', o)
        known.add(key(o))
      }
      if (flag(q, 'sendInitialEvents')) bookmark(resourceVersion, { 'k8s.io/initial-events-end': 'true' })
      stopWatching = ctx.store.watch(storage, req.namespace, Number(resourceVersion), onEvent)
    } else {
      for (const o of select(ctx.store.list(storage, req.namespace).items, call)) known.add(key(o))
      stopWatching = ctx.store.watch(storage, req.namespace, Number(rv), onEvent)
    }
  } catch (e) {
    if (!(e instanceof ApiError)) throw e
    res.end(`${JSON.stringify({ type: 'ERROR', object: statusOf(e) })}\n`)
    return
  }

  const timeout = Number(q.get('timeoutSeconds') ?? 0)
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    stopWatching()
    clearTimeout(timer)
    forget()
    res.end()
  }
  const timer = timeout > 0 ? setTimeout(close, timeout * 1000) : undefined
  const forget = hub.opened(close)
  res.on('close', close)
}
