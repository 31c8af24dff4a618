// The chart-level promises with the real helm 3 and helm 4: CRDs from crds/ before the
// templates that use them, a post-install hook Job waited for, `--wait` returning only once the
// simulated pods are Ready, and timing out (release failed) while a fault keeps them unready.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { helm, json, LAYERS, startEnv, stopEnv, writeChart, yaml, type Env } from './api-harness.ts'

/** Slow enough that a helm which did not wait would return before the pods are Ready. */
const profile = { default: { scheduleMs: 100, pullMs: 400, startMs: 200, readyMs: 300 } }

const widgetsChart = (dir: string) =>
  writeChart(dir, {
    name: 'widgets',
    version: '1.0.0',
    values: 'replicas: 2\n',
    files: {
      'crds/widgets.yaml': yaml(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}`),
      'templates/objects.yaml': yaml(
        `
apiVersion: example.com/v1
kind: Widget
metadata: {name: "{{ .Release.Name }}"}
spec: {size: 3}`,
        `
apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}-web"}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: "{{ .Release.Name }}-web"}}
  template:
    metadata: {labels: {app: "{{ .Release.Name }}-web"}}
    spec: {containers: [{name: web, image: nginx:1.27}]}`,
        `
apiVersion: batch/v1
kind: Job
metadata:
  name: "{{ .Release.Name }}-hook"
  annotations: {"helm.sh/hook": post-install, "helm.sh/hook-delete-policy": before-hook-creation}
spec:
  backoffLimit: 0
  template:
    spec: {restartPolicy: Never, containers: [{name: hook, image: busybox:1.36}]}`,
      ),
    },
  })

for (const layer of LAYERS) {
  const test = suite<{ e: Env; chart: string }>(`helm ${layer === 'v32' ? 3 : 4} with workloads (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer, { profile })
    ctx.chart = widgetsChart(ctx.e.dir)
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('install --wait: CRDs first, the hook Job run, and every pod Ready when helm returns', async ({ e, chart }) => {
    const out = await helm(e, ['install', 'shop', chart, '-n', 'default', '--wait', '--timeout', '60s'])
    assert.is(out.exitCode, 0, out.stderr)
    // read straight from the store, at the moment helm returned
    const pods = e.sim.store
      .list({ group: '', resource: 'pods' }, 'default')
      .items.filter((p) => p.metadata.labels?.app === 'shop-web')
    assert.is(pods.length, 2)
    for (const p of pods)
      assert.ok(
        p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        `${p.metadata.name} not Ready when helm returned`,
      )
    assert.ok(
      e.sim.store.get({ group: 'example.com', resource: 'widgets' }, 'default', 'shop'),
      'the Widget from templates/ needs the CRD from crds/',
    )
    const hook = e.sim.store.get({ group: 'batch', resource: 'jobs' }, 'default', 'shop-hook')
    assert.is(hook?.status?.succeeded, 1, 'helm returned before its post-install hook completed')
    const status = JSON.parse((await helm(e, ['status', 'shop', '-n', 'default', '-o', 'json'])).stdout)
    assert.is(status.info.status, 'deployed')
  })

  test('install --wait times out while a fault keeps the pods unready; the release is failed', async ({ e, chart }) => {
    e.sim.faults.pods.set('^stuck-web-', { kind: 'neverReady' })
    try {
      const out = await helm(e, ['install', 'stuck', chart, '-n', 'default', '--wait', '--timeout', '4s'])
      assert.is.not(out.exitCode, 0)
      assert.match(out.stderr, /context deadline exceeded|timed out|not ready/i)
      const status = JSON.parse((await helm(e, ['status', 'stuck', '-n', 'default', '-o', 'json'])).stdout)
      assert.is(status.info.status, 'failed')
      const deployment = await json(e, ['get', 'deployment', 'stuck-web', '-n', 'default'])
      assert.is(deployment.status.readyReplicas ?? 0, 0)
    } finally {
      e.sim.faults.pods.clear('^stuck-web-')
    }
  })

  test.run()
}
