// Kubernetes `Status` bodies and the errors the apiserver returns, with the exact messages and
// reasons kubectl and helm print or branch on (IsNotFound, IsAlreadyExists, IsConflict …).
import { ApiError, type ResourceId } from '../store.ts'

export interface StatusBody {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, unknown>
  status: 'Success' | 'Failure'
  message?: string
  reason?: string
  details?: Record<string, unknown>
  code: number
}

/** `deployments.apps` / `configmaps`: how the apiserver names a resource in messages. */
export const qualified = (res: ResourceId) => (res.group ? `${res.resource}.${res.group}` : res.resource)

export function statusOf(err: ApiError): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
  }
  if (err.details) body.details = err.details
  return body
}

export function success(details?: Record<string, unknown>): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code: 200,
  }
}

export function notFoundError(res: ResourceId, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(res)} "${name}" not found`, {
    name,
    group: res.group,
    kind: res.resource,
  })
}

/** A path that names no resource at all: the apiserver's bare 404. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {})
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message)
}

export function methodNotSupported(res: ResourceId, verb: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(res)}"`, {
    group: res.group,
    kind: res.resource,
  })
}

export function forbidden(res: ResourceId, name: string, why: string, causes?: unknown[]): ApiError {
  const what = name ? `${qualified(res)} "${name}"` : qualified(res)
  return new ApiError(403, 'Forbidden', `${what} is forbidden: ${why}`, {
    name: name || undefined,
    group: res.group,
    kind: res.resource,
    ...(causes ? { causes } : {}),
  })
}

/** 422 with one field error per cause, as `<Kind> "<name>" is invalid: <field>: <detail>`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: { field: string; message: string; type?: string }[],
): ApiError {
  const gk = group ? `${kind}.${group}` : kind
  const text = causes.map((c) => `${c.field}: ${c.message}`)
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`
  return new ApiError(422, 'Invalid', `${gk} "${name}" is invalid: ${joined}`, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.type ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  })
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] })
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds })
}

export function conflict(res: ResourceId, name: string, why: string): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(res)} "${name}": ${why}`, {
    name,
    group: res.group,
    kind: res.resource,
  })
}
