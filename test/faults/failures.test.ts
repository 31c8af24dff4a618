// a late cert-manager webhook waited for; a webhook that never answers, and
// pods that cannot start (image pull, Unschedulable, crash loop) failing the step with the
// namespace/pod/container, image, reason and events, other releases left fine; API trouble
// (500, 429, connection resets) ridden out with bounded, visible retries; a release found failed
// healed, and said so.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  helm,
  kubectl,
  kubectlJson,
  layers,
  releases,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Cluster,
  type Suite,
} from '../e2e/harness.ts'

for (const layer of suiteLayers) {
  const test = suite(`failures explained, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  // npm test (FAULTS=quick) runs a webhook that never answers, a failing hook pod and a Certificate never
  // issued; npm run test:faults every case
  const everyCase = process.env.FAULTS !== 'quick'
  const slowCase = (name: string, fn: () => Promise<void> | void) => {
    if (everyCase) test(name, fn)
  }

  async function withCluster(fn: (c: Cluster) => Promise<void>) {
    const c = await startCluster(s)
    try {
      await kubectl(c, 'create', 'namespace', 'ticketing')
      await fn(c)
    } finally {
      await c.stop()
    }
  }

  slowCase(
    "cert-manager's webhook answers long after its pods are Ready: 03 keeps waiting, 04 succeeds first time",
    () =>
      withCluster(async (c) => {
        c.sim.faults.webhooks.delayAfterReady('cert-manager-webhook', 6000)
        assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
        const started = Date.now()
        const certManager = await runScript(c, '03-cert-manager.mts')
        assert.is(certManager.exitCode, 0, certManager.output)
        assert.ok(Date.now() - started >= 6000, '03 returned before the webhook could answer')
        const operator = await runScript(c, '04-otel-operator.mts')
        assert.is(operator.exitCode, 0, operator.output)
        assert.equal(
          (await releases(c)).map((r) => [r.name, String(r.revision), r.status]),
          [['opentelemetry-operator', '1', 'deployed']],
        )
      }),
  )

  test('a webhook that never answers: 03 fails at its deadline naming the webhook, its Service and what to check', () =>
    withCluster(async (c) => {
      c.sim.faults.webhooks.neverReady('cert-manager-webhook')
      const run = await runScript(c, '03-cert-manager.mts', ['--timeout=8s'])
      assert.is(run.exitCode, 1, run.output)
      assert.match(run.stderr, /cert-manager webhook did not answer in time/)
      assert.match(run.stderr, /failed calling webhook "webhook\.cert-manager\.io"/)
      assert.match(run.stderr, /cert-manager-webhook/)
      assert.match(run.stderr, /kubectl logs -n cert-manager deploy\/cert-manager-webhook/)
    }))

  const podFaults = [
    {
      name: 'an image that cannot be pulled',
      pod: '^tempo-0$',
      fault: { kind: 'imagePull' as const },
      workload: 'tempo',
      words: [
        /monitoring\/tempo-0/,
        /container tempo/,
        /grafana\/tempo:/,
        /ImagePullBackOff|ErrImagePull/,
        /Failed to pull image|Back-off pulling image/,
      ],
    },
    {
      name: 'a pod that cannot be scheduled',
      pod: '^loki-0$',
      fault: { kind: 'unschedulable' as const },
      workload: 'loki',
      words: [/monitoring\/loki-0/, /Unschedulable/, /FailedScheduling|nodes are available/],
    },
    {
      name: 'a container in a crash loop',
      pod: '^kube-prometheus-stack-grafana-',
      fault: { kind: 'crashLoop' as const },
      workload: 'kube-prometheus-stack-grafana',
      words: [
        /monitoring\/kube-prometheus-stack-grafana-/,
        /CrashLoopBackOff/,
        /restart/i,
        /BackOff|Back-off restarting/,
      ],
    },
  ]
  for (const f of podFaults) {
    slowCase(`${f.name}: 02 fails soon with the pod, the reason and its events; the other releases stay fine`, () =>
      withCluster(async (c) => {
        assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
        c.sim.faults.pods.set(f.pod, f.fault)
        const run = await runScript(c, '02-lgtm.mts')
        assert.is(run.exitCode, 1, run.output)
        for (const word of f.words) assert.match(run.stderr, word)
        // judged stuck as soon as the state is clearly terminal, not at the 90 s deadline
        assert.match(run.stderr, /a pod is stuck and will not become ready by waiting/)
        const list = await releases(c)
        assert.equal(
          list.map((r) => r.status),
          ['deployed', 'deployed', 'deployed'],
          'helm releases must not be left failed or pending',
        )
        const workloads = (await kubectlJson(c, 'get', 'deployments,statefulsets,daemonsets', '-n', 'monitoring')).items
        for (const w of workloads.filter(
          (x: any) => !x.metadata.name.startsWith(f.workload) && x.metadata.name !== f.workload,
        )) {
          const ready =
            w.kind === 'DaemonSet'
              ? w.status.numberReady === w.status.desiredNumberScheduled
              : (w.status.readyReplicas ?? 0) === w.spec.replicas
          assert.ok(ready, `${w.kind}/${w.metadata.name} was disturbed`)
        }
        c.sim.faults.pods.clear()
      }),
    )
  }

  test(
    'a helm hook pod that cannot pull its image: named within --stuck-after, ' +
      'loki and tempo installed all the same, healed next run',
    () =>
      withCluster(async (c) => {
        assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
        // kube-prometheus-stack's pre-install Job that creates the admission webhook's certificate
        c.sim.faults.pods.set('^kube-prometheus-stack-admission-create-', { kind: 'imagePull' })
        const run = await runScript(c, '02-lgtm.mts', ['--timeout=5m'])
        assert.is(run.exitCode, 1, run.output)
        assert.match(
          run.stderr,
          /kube-prometheus-stack: helm hook job kube-prometheus-stack-admission-create its pod .* is stuck/,
        )
        assert.match(
          run.stderr,
          /monitoring\/kube-prometheus-stack-admission-create-\S+ Pending: (ImagePullBackOff|ErrImagePull)/,
        )
        assert.not.match(run.output, /context deadline exceeded/)
        const list = Object.fromEntries((await releases(c)).map((r) => [r.name, r.status]))
        assert.is(list.loki, 'deployed')
        assert.is(list.tempo, 'deployed')
        assert.is(list['kube-prometheus-stack'], 'failed', 'helm, ended, records the release failed, not pending')
        c.sim.faults.pods.clear()
        const again = await runScript(c, '02-lgtm.mts')
        assert.is(again.exitCode, 0, again.output)
        assert.match(again.stderr, /kube-prometheus-stack: release is failed .*healing it first/)
        assert.equal(
          (await releases(c)).map((r) => r.status),
          ['deployed', 'deployed', 'deployed'],
        )
      }),
  )

  test(
    "a Certificate that is never issued (cert-manager's controller down): " +
      '04 names the operator pod waiting for its Secret',
    () =>
      withCluster(async (c) => {
        assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
        assert.is((await runScript(c, '03-cert-manager.mts')).exitCode, 0)
        // the webhook still answers, so 04 starts; nobody issues the operator's serving certificate
        assert.is(
          (await kubectl(c, 'scale', 'deployment', 'cert-manager', '-n', 'cert-manager', '--replicas=0')).exitCode,
          0,
        )
        const run = await runScript(c, '04-otel-operator.mts', ['--timeout=15s'])
        assert.is(run.exitCode, 1, run.output)
        assert.match(run.stderr, /monitoring\/opentelemetry-operator-\S+ Pending/)
        assert.match(
          run.stderr,
          new RegExp(
            /FailedMount: MountVolume\.SetUp failed for volume "cert" : /.source +
              /secret "opentelemetry-operator-controller-manager-service-cert" not found/.source,
          ),
        )
        const certificate = await kubectlJson(
          c,
          'get',
          'certificate',
          'opentelemetry-operator-serving-cert',
          '-n',
          'monitoring',
        )
        assert.not.ok(
          (certificate.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'),
          'the certificate was issued',
        )
      }),
  )

  slowCase(
    'API trouble (500, 429, resets on a share of requests for 8 s): ' +
      'the run succeeds, retries shown with --verbose',
    () =>
      withCluster(async (c) => {
        const window = { fromMs: 0, untilMs: 8000 }
        c.sim.faults.http.fail({ failure: 500, share: 0.15, verbs: ['get', 'list'], ...window })
        c.sim.faults.http.fail({ failure: 429, share: 0.1, verbs: ['get', 'list', 'create', 'patch'], ...window })
        c.sim.faults.http.fail({ failure: 'reset', share: 0.1, verbs: ['get', 'list'], ...window })
        // and surely one of ours, whatever the shares draw: 01's look at the app namespace
        c.sim.faults.http.fail({ failure: 500, path: /\/api\/v1\/namespaces\/ticketing$/, verbs: ['get'], times: 2 })
        const run = await runScript(c, 'all.mts', ['--verbose'])
        assert.is(run.exitCode, 0, run.output)
        assert.match(run.stdout, /All \d+ checks passed/)
        assert.match(run.stderr, /retrying \(\d\/7\) after: /)
      }),
  )

  slowCase('a release found failed is healed before the next attempt, and the run says so', () =>
    withCluster(async (c) => {
      assert.is((await runScript(c, 'all.mts')).exitCode, 0)
      // a user's own upgrade whose pod never became ready: helm records the revision failed
      const tempo = (await releases(c)).find((r) => r.name === 'tempo')!
      c.sim.faults.pods.set('^tempo-0$', { kind: 'neverReady' })
      const upgrade = await helm(
        c,
        'upgrade',
        'tempo',
        'grafana/tempo',
        '-n',
        'monitoring',
        '--version',
        tempo.chart.replace('tempo-', ''),
        '--reuse-values',
        '--set',
        'tempo.retention=48h',
        '--wait',
        '--timeout',
        '3s',
      )
      assert.is.not(upgrade.exitCode, 0, 'the upgrade should have timed out')
      assert.equal((await releases(c)).find((r) => r.name === 'tempo')!.status, 'failed')
      c.sim.faults.pods.clear()
      const run = await runScript(c, 'all.mts')
      assert.is(run.exitCode, 0, run.output)
      assert.match(run.stderr, /tempo: .*failed.*healing it first \(rollback/)
      assert.equal((await releases(c)).find((r) => r.name === 'tempo')!.status, 'deployed')
    }),
  )

  test.run()
}
