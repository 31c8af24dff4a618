// A known failure ends with its cause and remedy, not only a pod's state, and before --timeout: 02
// fails once the pod has been stuck for --stuck-after, the diagnosis saying what is wrong and what to
// do, for each failure users of this stack meet again and again: no room for the pod (CPU, memory),
// a Secret a volume needs that does not exist, an image pull the registry refuses for its rate
// limit, a PersistentVolumeClaim no default StorageClass provisions, node-exporter's host mount on
// Docker Desktop, and promtail crashing on "too many open files" (said only in its log). The
// simulator plays each as the scheduler, the kubelet and the PV controller write it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { playFlavour } from 'kube-sim/flavours'
import {
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
  valuesCopy,
} from '../e2e/harness.ts'

/** What a stuck verdict says, where a timeout would say `… not ready after 10m` and offer more time. */
const STUCK = /: a pod is stuck and will not become ready by waiting/
const TIMEOUT = /not ready after|--timeout=20m/

for (const layer of suiteLayers) {
  const test = suite(`known failures named, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite
  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  // npm test (FAULTS=quick) runs two: the scheduler's no (the pod's status says it) and a missing
  // Secret (only its events do); npm run test:faults every case
  const everyCase = process.env.FAULTS !== 'quick'
  const slowCase = (name: string, fn: () => Promise<void> | void) => {
    if (everyCase) test(name, fn)
  }

  /** 01 run on a fresh cluster; then `fn`. */
  async function withCluster(fn: (c: Cluster) => Promise<void>, before: (c: Cluster) => void = () => {}) {
    const c = await startCluster(s)
    try {
      before(c)
      await kubectl(c, 'create', 'namespace', 'ticketing')
      assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
      await fn(c)
    } finally {
      await c.stop()
    }
  }

  /** 02 with a deadline far off: it must fail at --stuck-after, with the cause and the remedy. */
  async function stuckRun(c: Cluster, args: string[] = []) {
    const run = await runScript(c, '02-lgtm.mts', ['--timeout=10m', ...args])
    assert.is(run.exitCode, 1, run.output)
    assert.match(run.stderr, STUCK)
    assert.not.match(run.stderr, TIMEOUT)
    return run
  }

  const podOf = (c: Cluster, name: string) => kubectlJson(c, 'get', 'pod', name, '-n', 'monitoring')
  const statuses = async (c: Cluster) => (await releases(c)).map((r) => `${r.name} ${r.status}`)

  test('no CPU left for loki-0 (Insufficient cpu): the cause and what to give the nodes', () =>
    withCluster(async (c) => {
      c.sim.faults.pods.set('^loki-0$', { kind: 'unschedulable', insufficient: ['cpu'] })
      const run = await stuckRun(c)
      assert.match(
        run.stderr,
        /monitoring\/loki-0 Pending: Unschedulable — 0\/2 nodes are available: 2 Insufficient cpu\./,
      )
      assert.match(
        run.stderr,
        /try: the cluster has no room for this pod \(the nodes' CPU is all requested\): give the nodes more CPUs/,
      )
      assert.equal(await statuses(c), ['kube-prometheus-stack deployed', 'loki deployed', 'tempo deployed'])
    }))

  test("a Secret Grafana's volume names does not exist: its FailedMount event, named before --timeout", () =>
    withCluster(async (c) => {
      const dir = valuesCopy(c.dir, 'my-values', 'grafana-values.yaml', (v) => {
        v.grafana.extraSecretMounts = [{ name: 'ldap', secretName: 'grafana-ldap', mountPath: '/etc/ldap' }]
      })
      const run = await stuckRun(c, [`--values-dir=${dir}`])
      assert.match(
        run.stderr,
        /monitoring\/kube-prometheus-stack-grafana-\S+ Pending: FailedMount — MountVolume\.SetUp failed for volume "ldap" : secret "grafana-ldap" not found/,
      )
      assert.match(
        run.stderr,
        /try: a Secret it mounts does not exist: if another release makes it .* optional in the values/,
      )
      const pods = (await kubectlJson(c, 'get', 'pods', '-n', 'monitoring', '-l', 'app.kubernetes.io/name=grafana'))
        .items
      assert.equal(
        pods.map((p: any) => p.status.containerStatuses.map((cs: any) => cs.state.waiting?.reason)),
        [['ContainerCreating', 'ContainerCreating', 'ContainerCreating']],
      )
    }))

  slowCase("Docker Hub's rate limit on tempo's image (429 Too Many Requests): wait, log in or use a mirror", () =>
    withCluster(async (c) => {
      c.sim.faults.pods.set('^tempo-0$', { kind: 'imagePull', refusal: 'rateLimited' })
      const run = await stuckRun(c)
      assert.match(
        run.stderr,
        /monitoring\/tempo-0 Pending: (ImagePullBackOff|ErrImagePull) in container tempo \(image docker\.io\/grafana\/tempo:/,
      )
      assert.match(run.stderr, /429 Too Many Requests - Server message: toomanyrequests/)
      assert.match(
        run.stderr,
        /try: the registry refuses more pulls for now \(rate limit; .*\): wait and run again, pull as a logged-in user/,
      )
      // still refused its image: a kubelet shows ErrImagePull at each try and ImagePullBackOff between them
      const tempo = await podOf(c, 'tempo-0')
      assert.match(
        tempo.status.containerStatuses[0].state.waiting?.reason ?? 'not waiting',
        /^(ImagePullBackOff|ErrImagePull)$/,
      )
      assert.equal(await statuses(c), ['kube-prometheus-stack deployed', 'loki deployed', 'tempo deployed'])
    }),
  )

  slowCase('no memory left for loki-0 (Insufficient memory): memory named, not CPU', () =>
    withCluster(async (c) => {
      c.sim.faults.pods.set('^loki-0$', { kind: 'unschedulable', insufficient: ['memory'] })
      const run = await stuckRun(c)
      assert.match(run.stderr, /0\/2 nodes are available: 2 Insufficient memory\./)
      assert.match(run.stderr, /try: the cluster has no room for this pod \(the nodes' memory is all requested\)/)
      assert.match(run.stderr, /give the nodes more memory \(minikube start --memory 8g/)
      assert.not.match(run.stderr, /CPU is all requested/)
    }),
  )

  slowCase("Loki's volume on a cluster with no default StorageClass: warned first, then the unbound claim named", () =>
    withCluster(async (c) => {
      const standard = await kubectlJson(c, 'get', 'storageclass', 'standard')
      assert.is(standard.metadata.annotations['storageclass.kubernetes.io/is-default-class'], 'true')
      await kubectl(c, 'annotate', 'storageclass', 'standard', 'storageclass.kubernetes.io/is-default-class-')
      const dir = valuesCopy(c.dir, 'my-values', 'loki-stack-values.yaml', (v) => {
        v.loki.persistence = { enabled: true, size: '1Gi' }
      })
      const run = await stuckRun(c, [`--values-dir=${dir}`])
      assert.match(run.stderr, /no default StorageClass: a PersistentVolumeClaim without storageClassName stays/)
      assert.match(
        run.stderr,
        /monitoring\/loki-0 Pending: Unschedulable — .*pod has unbound immediate PersistentVolumeClaims/,
      )
      assert.match(
        run.stderr,
        /try: its PersistentVolumeClaim is not bound: no default StorageClass, .*: kubectl get pvc,storageclass -A/,
      )
      const claim = await kubectlJson(c, 'get', 'pvc', 'storage-loki-0', '-n', 'monitoring')
      assert.is(claim.status.phase, 'Pending')
      assert.not.ok(claim.spec.storageClassName, 'the claim was given a class')
      assert.equal((await kubectlJson(c, 'get', 'pv')).items, [])
    }),
  )

  slowCase("Docker Desktop taken for another cluster: node-exporter's / mount fails, and the flavour to name", () =>
    withCluster(
      async (c) => {
        const run = await stuckRun(c, ['--flavour=other'])
        assert.match(
          run.stderr,
          /monitoring\/kube-prometheus-stack-prometheus-node-exporter-\S+ Running: CrashLoopBackOff in container node-exporter/,
        )
        assert.match(
          run.stderr,
          /Warning Failed: Error: failed to start container "node-exporter": Error response from daemon: path \/ is mounted on \/ but it is not a shared or slave mount/,
        )
        assert.match(
          run.stderr,
          /try: the node's \/ is not a shared mount \(Docker Desktop\).*: run with --flavour=docker-desktop/,
        )
        const exporter = await kubectlJson(
          c,
          'get',
          'daemonset',
          'kube-prometheus-stack-prometheus-node-exporter',
          '-n',
          'monitoring',
        )
        const root = exporter.spec.template.spec.containers[0].volumeMounts.find(
          (m: any) => m.mountPath === '/host/root',
        )
        assert.is(root?.mountPropagation, 'HostToContainer', 'the root mount, as the chart makes it')
      },
      (c) => playFlavour(c.sim, 'docker-desktop'),
    ),
  )

  slowCase('promtail crashing on "too many open files" (said in its log only): the host command for inotify', () =>
    withCluster(async (c) => {
      const log =
        'level=info ts=2026-11-30T10:00:00Z caller=promtail.go:135 msg="Reloading configuration file"\n' +
        'level=error ts=2026-11-30T10:00:00Z caller=main.go:169 msg="error creating promtail"' +
        ' error="failed to make file target manager: too many open files"\n'
      c.sim.faults.pods.set('^loki-promtail-', { kind: 'crashLoop', log })
      const run = await stuckRun(c)
      assert.match(run.stderr, /monitoring\/loki-promtail-\S+ Running: CrashLoopBackOff in container promtail/)
      assert.match(
        run.stderr,
        /its log before it ended:\n.*msg="Reloading configuration file"\n.* level=error .*too many open files"$/m,
      )
      assert.match(
        run.stderr,
        /try: the node's inotify limits are spent .*: raise them on the host .*: sudo sysctl fs\.inotify\.max_user_instances=512/,
      )
      assert.equal(await statuses(c), ['kube-prometheus-stack deployed', 'loki deployed', 'tempo deployed'])
    }),
  )

  test.run()
}
