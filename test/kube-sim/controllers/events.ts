// core/v1 Events as the components' event recorders write them: one Event per (object, type,
// reason, message, source), repeats folded into it (count, lastTimestamp), named
// `<object>.<hex nanoseconds>`, in the object's namespace (`default` for cluster-scoped objects).
import type { KObject, Store } from '../store.ts'
import { now, R } from './objects.ts'
import { createIn, mutate } from './writes.ts'

export interface EventSource {
  /** e.g. `kubelet`, `default-scheduler`, `deployment-controller` */
  component: string
  /** the node, for kubelet events */
  host?: string
}

export interface EventInput {
  type: 'Normal' | 'Warning'
  reason: string
  message: string
  /** e.g. `spec.containers{nginx}` for a container's events */
  fieldPath?: string
}

export class Recorder {
  /** fold key → event name, so a repeat updates the Event it repeats */
  private readonly seen = new Map<string, { namespace: string; name: string }>()
  private seq = 0

  constructor(private readonly store: Store) {}

  record(involved: KObject, source: EventSource, event: EventInput): void {
    const namespace = involved.metadata.namespace ?? 'default'
    const fold = [
      involved.metadata.uid,
      event.type,
      event.reason,
      event.message,
      event.fieldPath,
      source.component,
      source.host,
    ].join('\u0000')
    const known = this.seen.get(fold)
    const time = now()
    if (
      known &&
      mutate(this.store, R.events, known.namespace, known.name, (e) => {
        e.count = (e.count ?? 1) + 1
        e.lastTimestamp = time
      })
    )
      return
    const created = createIn(this.store, R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${this.eventId()}`, namespace },
      involvedObject: involvedObject(involved, event.fieldPath),
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    })
    this.seen.set(fold, { namespace, name: created.metadata.name })
  }

  /** Records, ignoring a namespace that is being deleted (its events would go right away). */
  tryRecord(involved: KObject, source: EventSource, event: EventInput): void {
    try {
      this.record(involved, source, event)
    } catch {
      // the namespace is terminating or gone: nobody will read this event
    }
  }

  /** Unix nanoseconds in hex, unique within this process like the recorder's names. */
  private eventId(): string {
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)
    return nanos.toString(16)
  }
}

function involvedObject(o: KObject, fieldPath?: string) {
  return {
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name,
    uid: o.metadata.uid,
    apiVersion: o.apiVersion,
    resourceVersion: o.metadata.resourceVersion,
    ...(fieldPath ? { fieldPath } : {}),
  }
}
