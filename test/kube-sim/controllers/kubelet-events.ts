// The events a pod's life produces, worded as the scheduler and the kubelet word them, each on
// the container it is about (involvedObject.fieldPath `spec.containers{name}`).
import type { KObject } from '../store.ts'
import type { Ctx } from './context.ts'
import type { EventInput } from './events.ts'
import type { MountFailure } from './mounts.ts'
import { pullErrorMessage, type PodRun } from './podstatus.ts'
import { delaysFor } from './profile.ts'

interface Container {
  name: string
  image: string
  fieldPath: string
}

export function podEvents(ctx: Ctx, pod: KObject, run: PodRun) {
  const kubelet = { component: 'kubelet', host: run.nodeName ?? pod.spec?.nodeName }
  const scheduler = { component: 'default-scheduler' }
  const say = (source: typeof kubelet | typeof scheduler, e: EventInput) => ctx.recorder.tryRecord(pod, source, e)
  const inits: Container[] = (pod.spec?.initContainers ?? []).map((c: any) => ({
    name: c.name,
    image: c.image,
    fieldPath: `spec.initContainers{${c.name}}`,
  }))
  const mains: Container[] = (pod.spec?.containers ?? []).map((c: any) => ({
    name: c.name,
    image: c.image,
    fieldPath: `spec.containers{${c.name}}`,
  }))
  /** the containers whose image is being pulled now: the init containers first */
  const pulling = () => (run.initDone || !inits.length ? mains : inits)
  const each = (containers: Container[], make: (c: Container) => EventInput) => {
    for (const c of containers) say(kubelet, make(c))
  }
  const pullMs = delaysFor(ctx.profile, run.name).pullMs

  return {
    scheduled: (node: string) =>
      say(scheduler, {
        type: 'Normal',
        reason: 'Scheduled',
        message: `Successfully assigned ${run.namespace}/${run.name} to ${node}`,
      }),
    failedScheduling: (message: string) => say(scheduler, { type: 'Warning', reason: 'FailedScheduling', message }),
    failedMount: (failures: MountFailure[]) => {
      for (const f of failures) say(kubelet, { type: 'Warning', reason: 'FailedMount', message: f.message })
    },
    pulling: () =>
      each(pulling(), (c) => ({
        type: 'Normal',
        reason: 'Pulling',
        message: `Pulling image "${c.image}"`,
        fieldPath: c.fieldPath,
      })),
    pulled: () =>
      each([...(run.initDone ? [] : inits), ...mains], (c) => ({
        type: 'Normal',
        reason: 'Pulled',
        fieldPath: c.fieldPath,
        message:
          `Successfully pulled image "${c.image}" in ${pullMs}ms (${pullMs}ms including waiting). ` +
          'Image size: 4194304 bytes.',
      })),
    initContainersRan: () =>
      inits.forEach((c) => {
        say(kubelet, {
          type: 'Normal',
          reason: 'Created',
          message: `Created container: ${c.name}`,
          fieldPath: c.fieldPath,
        })
        say(kubelet, {
          type: 'Normal',
          reason: 'Started',
          message: `Started container ${c.name}`,
          fieldPath: c.fieldPath,
        })
      }),
    pullFailed: () =>
      each(pulling(), (c) => {
        say(kubelet, {
          type: 'Warning',
          reason: 'Failed',
          message: `Failed to pull image "${c.image}": ${pullErrorMessage(c.image, run.pullRefusal)}`,
          fieldPath: c.fieldPath,
        })
        return { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', fieldPath: c.fieldPath }
      }),
    pullBackOff: () =>
      each(pulling(), (c) => {
        say(kubelet, {
          type: 'Normal',
          reason: 'BackOff',
          message: `Back-off pulling image "${c.image}"`,
          fieldPath: c.fieldPath,
        })
        return { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', fieldPath: c.fieldPath }
      }),
    started: (restart: boolean) =>
      mains.forEach((c) => {
        if (restart)
          say(kubelet, {
            type: 'Normal',
            reason: 'Pulled',
            message: `Container image "${c.image}" already present on machine`,
            fieldPath: c.fieldPath,
          })
        say(kubelet, {
          type: 'Normal',
          reason: 'Created',
          message: `Created container: ${c.name}`,
          fieldPath: c.fieldPath,
        })
        say(kubelet, {
          type: 'Normal',
          reason: 'Started',
          message: `Started container ${c.name}`,
          fieldPath: c.fieldPath,
        })
      }),
    unhealthy: () =>
      each(mains.slice(0, 1), (c) => ({
        type: 'Warning',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        fieldPath: c.fieldPath,
      })),
    /** the runtime refused to start them (ContainerCannotRun): the kubelet's event quotes its error */
    failedStart: (error: string) =>
      each(mains, (c) => ({
        type: 'Warning',
        reason: 'Failed',
        message: `Error: failed to start container "${c.name}": Error response from daemon: ${error}`,
        fieldPath: c.fieldPath,
      })),
    crashBackOff: () =>
      each(mains, (c) => ({
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${c.name} in pod ${run.name}_${run.namespace}(${run.uid})`,
        fieldPath: c.fieldPath,
      })),
    killing: () =>
      each(mains, (c) => ({
        type: 'Normal',
        reason: 'Killing',
        message: `Stopping container ${c.name}`,
        fieldPath: c.fieldPath,
      })),
  }
}
