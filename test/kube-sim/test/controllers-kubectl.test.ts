// The controllers as the real kubectl sees them through kube-sim's API: `rollout status` and
// `kubectl wait` succeed on the status they write, and time out while a fault keeps pods unready.
// Runs under both tool layers (kubectl 1.32 and 1.35).
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { startSim, type Sim } from '../index.ts'
import { LAYERS, toolBin } from './api-harness.ts'

const workloads = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: "postgres:16"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: main, image: "busybox:1.36"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: main, image: "busybox:1.36"}]}
`

for (const layer of LAYERS) {
  const test = suite<{
    sim: Sim
    kubectl: (args: string[], input?: string) => Promise<{ exitCode: number | null; stdout: string; stderr: string }>
  }>(`kubectl ${layer}`)

  test.before.each(async (ctx) => {
    const bin = await toolBin(layer)
    assert.ok(fs.existsSync(path.join(bin, 'kubectl')), `${bin}/kubectl is missing`)
    ctx.sim = await startSim({ nodes: 2 })
    const env = { ...process.env, KUBECONFIG: ctx.sim.kubeconfig, PATH: `${bin}:${process.env.PATH}` }
    ctx.kubectl = (args, input) => $({ env, input, quiet: true, nothrow: true })`kubectl ${args}`.timeout('30s')
  })
  test.after.each((ctx) => ctx.sim.stop())

  test('rollout status and wait succeed for a Deployment, a StatefulSet, a DaemonSet and a Job', async ({
    kubectl,
  }) => {
    const applied = await kubectl(['apply', '-f', '-'], workloads)
    assert.is(applied.exitCode, 0, applied.stderr)
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])
    assert.is(rollout.exitCode, 0, rollout.stderr)
    assert.match(rollout.stdout, 'deployment "web" successfully rolled out')
    const available = await kubectl(['wait', '--for=condition=Available', 'deployment/web', '--timeout=20s'])
    assert.is(available.exitCode, 0, available.stderr)
    assert.match(available.stdout, 'condition met')
    const sts = await kubectl(['rollout', 'status', 'statefulset/db', '--timeout=20s'])
    assert.is(sts.exitCode, 0, sts.stderr)
    assert.match(sts.stdout, 'partitioned roll out complete: 2 new pods have been updated')
    const ds = await kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=20s'])
    assert.is(ds.exitCode, 0, ds.stderr)
    assert.match(ds.stdout, 'daemon set "agent" successfully rolled out')
    const job = await kubectl(['wait', '--for=condition=Complete', 'job/migrate', '--timeout=20s'])
    assert.is(job.exitCode, 0, job.stderr)
  })

  test('rollout status times out while the pods never become Ready', async ({ sim, kubectl }) => {
    sim.faults.pods.set('^web-', { kind: 'neverReady' })
    await kubectl(['apply', '-f', '-'], workloads.split('---')[0])
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=1s'])
    assert.is.not(rollout.exitCode, 0)
    assert.match(rollout.stdout + rollout.stderr, /0 of 2 updated replicas are available|timed out/)
    sim.faults.pods.clear()
    const recovered = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])
    assert.is(recovered.exitCode, 0, recovered.stderr)
  })

  test('logs --previous: what the crashed run wrote (its tail with --tail); refused where no run ended', async ({
    sim,
    kubectl,
  }) => {
    const log =
      'level=info msg="Starting Promtail"\nlevel=error msg="error creating promtail" error="too many open files"\n'
    sim.faults.pods.set('^db-0$', { kind: 'crashLoop', log })
    await kubectl(['apply', '-f', '-'], workloads.split('---')[1])
    await kubectl(['wait', '--for=create', 'pod/db-0', '--timeout=20s'])
    await kubectl(['wait', '--for=jsonpath={.status.containerStatuses[0].restartCount}=1', 'pod/db-0', '--timeout=20s'])
    const previous = await kubectl(['logs', 'db-0', '--previous'])
    assert.is(previous.stdout, log, previous.stderr)
    const tail = await kubectl(['logs', 'db-0', '--previous', '--tail=1'])
    assert.is(tail.stdout, 'level=error msg="error creating promtail" error="too many open files"\n')
    // a pod none of whose runs ended has no previous log
    await kubectl(['apply', '-f', '-'], workloads.split('---')[0])
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s'])
    const none = await kubectl(['logs', 'deployment/web', '--previous'])
    assert.match(none.stderr, /previous terminated container "main" in pod "web-\S+" not found/)
  })

  test("a pod that cats /proc/sys files ends Succeeded, its log the host kernel's values", async ({ sim, kubectl }) => {
    sim.kernel.sysctls.set('fs.inotify.max_user_instances', '512')
    const pod = `
apiVersion: v1
kind: Pod
metadata: {name: probe}
spec:
  restartPolicy: Never
  containers:
  - name: read
    image: quay.io/prometheus/busybox:latest
    command: [cat, /proc/sys/fs/inotify/max_user_instances, /proc/sys/fs/inotify/max_user_watches]`
    await kubectl(['apply', '-f', '-'], pod)
    const done = await kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/probe', '--timeout=20s'])
    assert.is(done.exitCode, 0, done.stderr)
    const log = await kubectl(['logs', 'probe'])
    assert.is(log.stdout, '512\n8192\n', log.stderr)
  })

  test.run()
}
