// Helm hook Jobs with the real helm 3 and helm 4: the hook's pod runs and the Job completes
// (helm goes on), its pod fails until the Job is Failed with BackoffLimitExceeded (helm fails the
// release), or its pod is stuck (image pull error, unschedulable) and helm times out while the pod
// shows why, as `kubectl describe` would show a user.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { helm, json, LAYERS, startEnv, stopEnv, writeChart, yaml, type Env } from './api-harness.ts'

const JOBS = { group: 'batch', resource: 'jobs' }
const PODS = { group: '', resource: 'pods' }

/** A chart of one post-install hook Job, kept after it runs so the test can read it. */
const hookedChart = (dir: string) =>
  writeChart(dir, {
    name: 'hooked',
    version: '1.0.0',
    values: 'backoffLimit: 1\nimage: busybox:1.36\n',
    files: {
      'templates/hook.yaml': yaml(`
apiVersion: batch/v1
kind: Job
metadata:
  name: "{{ .Release.Name }}-hook"
  annotations: {"helm.sh/hook": post-install, "helm.sh/hook-delete-policy": before-hook-creation}
spec:
  backoffLimit: {{ .Values.backoffLimit }}
  template:
    spec: {restartPolicy: Never, containers: [{name: hook, image: "{{ .Values.image }}"}]}`),
    },
  })

const conditionOf = (o: any, type: string) => o?.status?.conditions?.find((c: any) => c.type === type)
const podsOf = (e: Env, job: string) =>
  e.sim.store.list(PODS, 'default').items.filter((p) => p.metadata.labels?.['job-name'] === job)
async function releaseStatus(e: Env, name: string): Promise<string> {
  return JSON.parse((await helm(e, ['status', name, '-n', 'default', '-o', 'json'])).stdout).info.status
}

for (const layer of LAYERS) {
  const test = suite<{ e: Env; chart: string }>(`helm ${layer === 'v32' ? 3 : 4} hook Jobs (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    ctx.chart = hookedChart(ctx.e.dir)
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('the hook pod Succeeded, the Job completes (succeeded 1, Complete), release deployed', async ({ e, chart }) => {
    const out = await helm(e, ['install', 'good', chart, '-n', 'default', '--wait', '--timeout', '30s'])
    assert.is(out.exitCode, 0, out.stderr)
    const job = await json(e, ['get', 'job', 'good-hook', '-n', 'default'])
    assert.is(job.status.succeeded, 1)
    assert.is(conditionOf(job, 'Complete')?.status, 'True')
    assert.ok(job.status.completionTime)
    const [pod, ...more] = podsOf(e, 'good-hook')
    assert.is(more.length, 0)
    assert.is(pod.status.phase, 'Succeeded')
    assert.is(await releaseStatus(e, 'good'), 'deployed')
  })

  test('the hook pod fails: Job Failed (BackoffLimitExceeded), release failed', async ({ e, chart }) => {
    e.sim.faults.pods.set('^bad-hook-', { kind: 'crashLoop' })
    try {
      const out = await helm(e, ['install', 'bad', chart, '-n', 'default', '--wait', '--timeout', '30s'])
      assert.is.not(out.exitCode, 0)
      assert.match(out.stderr, /post-install/)
      // helm 3 reads the Failed condition's reason; helm 4 (kstatus) words it its own way
      const why =
        layer === 'v32'
          ? /job bad-hook failed: BackoffLimitExceeded/
          : /status: Failed, message: Job Failed\. failed: 2\/1/
      assert.match(out.stderr, why)
      const job = e.sim.store.get(JOBS, 'default', 'bad-hook')
      assert.is(conditionOf(job, 'Failed')?.status, 'True')
      assert.is(conditionOf(job, 'Failed')?.reason, 'BackoffLimitExceeded')
      assert.is(conditionOf(job, 'Complete'), undefined)
      assert.is(job?.status?.failed, 2, 'backoffLimit 1: the first pod and one retry')
      const pods = podsOf(e, 'bad-hook')
      assert.is(pods.length, 2)
      for (const p of pods) assert.is(p.status.phase, 'Failed')
      assert.is(pods[0].status.containerStatuses[0].state.terminated.exitCode, 1)
      assert.is(await releaseStatus(e, 'bad'), 'failed')
    } finally {
      e.sim.faults.pods.clear('^bad-hook-')
    }
  })

  test('a hook pod that cannot pull its image: helm times out, the pod says why', async ({ e, chart }) => {
    e.sim.faults.pods.set('^pull-hook-', { kind: 'imagePull' })
    try {
      const image = 'registry.example/none:1'
      const out = await helm(e, ['install', 'pull', chart, '-n', 'default', '--set', `image=${image}`, '--timeout=3s'])
      assert.is.not(out.exitCode, 0)
      assert.match(out.stderr, /post-install/)
      const [pod, ...more] = podsOf(e, 'pull-hook')
      assert.is(more.length, 0, 'a pod that cannot start is not replaced')
      assert.is(pod.status.phase, 'Pending')
      assert.match(pod.status.containerStatuses[0].state.waiting.reason, /^(ErrImagePull|ImagePullBackOff)$/)
      assert.match(pod.status.containerStatuses[0].state.waiting.message, image)
      const job = e.sim.store.get(JOBS, 'default', 'pull-hook')
      assert.is(job?.status?.active, 1)
      assert.is(job?.status?.conditions, undefined, 'neither Complete nor Failed')
      assert.is(await releaseStatus(e, 'pull'), 'failed')
    } finally {
      e.sim.faults.pods.clear('^pull-hook-')
    }
  })

  test('an unschedulable hook pod: helm times out, the pod Pending with PodScheduled=False', async ({ e, chart }) => {
    e.sim.faults.pods.set('^unplaced-hook-', { kind: 'unschedulable' })
    try {
      const out = await helm(e, ['install', 'unplaced', chart, '-n', 'default', '--timeout', '3s'])
      assert.is.not(out.exitCode, 0)
      const [pod] = podsOf(e, 'unplaced-hook')
      assert.is(pod.status.phase, 'Pending')
      assert.is(conditionOf(pod, 'PodScheduled')?.status, 'False')
      assert.is(conditionOf(pod, 'PodScheduled')?.reason, 'Unschedulable')
      assert.is(pod.spec.nodeName, undefined)
      const selector = `involvedObject.name=${pod.metadata.name}`
      const events = await json(e, ['get', 'events', '-n', 'default', '--field-selector', selector])
      assert.ok(
        events.items.some((ev: any) => ev.reason === 'FailedScheduling'),
        'a FailedScheduling event',
      )
      assert.is(e.sim.store.get(JOBS, 'default', 'unplaced-hook')?.status?.active, 1)
    } finally {
      e.sim.faults.pods.clear('^unplaced-hook-')
    }
  })

  test.run()
}
