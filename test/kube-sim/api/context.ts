// What every handler is given, and the shapes they answer with.
import type { KObject, ResourceId, Store } from '../store.ts'
import type { ContainerLogs } from '../controllers/logs.ts'
import type { Admission } from './admission.ts'
import type { Registry, ResourceDef } from './registry.ts'
import { apiVersionOf } from './registry.ts'
import type { ResourceRequest } from './request.ts'

export interface ApiContext {
  store: Store
  registry: Registry
  admission: Admission
  /** the next free ClusterIP in 10.96.0.0/16 */
  allocateIP(): string
  /** what the simulated containers wrote (the controllers keep it) */
  logs?: ContainerLogs
}

export interface Reply {
  status: number
  body: unknown
  contentType?: string
  headers?: Record<string, string>
}

export interface Call {
  req: ResourceRequest
  body: Buffer
  contentType: string
  accept: string
  userAgent: string
}

/** Where objects of a resource live in the store: events.k8s.io events are the core events. */
export function storageOf(def: ResourceDef): ResourceId {
  if (def.group === 'events.k8s.io' && def.resource === 'events') return { group: '', resource: 'events' }
  return { group: def.group, resource: def.resource }
}

/** An object as this group version presents it (apiVersion/kind of the request). */
export function present(def: ResourceDef, obj: KObject): KObject {
  const out = { ...obj, apiVersion: apiVersionOf(def.group, def.version), kind: def.kind }
  if (def.group === 'events.k8s.io' && def.resource === 'events') return toEventsV1(out)
  return out
}

/** A core Event as events.k8s.io/v1 shows it (the two share storage in a real apiserver). */
function toEventsV1(e: KObject): KObject {
  const { involvedObject, message, source, count, firstTimestamp, lastTimestamp, ...rest } = e
  return {
    ...rest,
    regarding: involvedObject,
    note: message,
    reportingController: e.reportingComponent ?? source?.component,
    deprecatedSource: source,
    deprecatedCount: count,
    deprecatedFirstTimestamp: firstTimestamp,
    deprecatedLastTimestamp: lastTimestamp,
    eventTime: e.eventTime ?? null,
  }
}

/** The inverse, for events written through events.k8s.io/v1. */
export function fromEventsV1(e: KObject): KObject {
  const {
    regarding,
    note,
    deprecatedSource,
    deprecatedCount,
    deprecatedFirstTimestamp,
    deprecatedLastTimestamp,
    ...rest
  } = e
  return {
    ...rest,
    apiVersion: 'v1',
    kind: 'Event',
    involvedObject: regarding,
    message: note,
    source: deprecatedSource ?? { component: e.reportingController },
    count: deprecatedCount,
    firstTimestamp: deprecatedFirstTimestamp,
    lastTimestamp: deprecatedLastTimestamp,
  }
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
})
