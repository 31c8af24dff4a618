// Each kind of cluster read and adapted to, under helm 3 (v32 layer) and helm 4 (v35 layer): the
// simulator plays kind, minikube, k3d, Docker Desktop and EKS (with kubeadm's control-plane pods bound
// to 127.0.0.1 where kubeadm runs it, and Docker Desktop's / a private mount); `npm run status` names
// the flavour and the overlays it gets (flavours-install.test.ts installs on the others); on Docker
// Desktop the whole stack installs with both overlays
// in kube-prometheus-stack's values (and their objects absent), a re-run leaves it alone, and
// --no-adapt takes them out again: node-exporter then cannot start, and the run says why. status
// --check-inotify reads the host kernel's limits through a pod per node. Assertions read the cluster, not
// only our output.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { playFlavour, type SimFlavourName } from 'kube-sim/flavours'
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
  type Suite,
  until,
} from './harness.ts'

const controlPlane = 'flavours/kube-prometheus-stack.control-plane-monitors-off.yaml'
const managedControlPlane = 'flavours/kube-prometheus-stack.managed-control-plane-monitors-off.yaml'
const rootMount = 'flavours/kube-prometheus-stack.node-exporter-no-root-mount.yaml'

/**
 * What each simulated flavour is read as, the overlays it gets, and the control-plane pods the monitors
 * would scrape (kubeadm's, metrics on 127.0.0.1; none on k3s or a managed cloud: nothing to scrape).
 */
const expected: Record<
  SimFlavourName,
  { flavour: string; adaptations: string[]; inotify: boolean; loopbackControlPlane: boolean }
> = {
  kind: { flavour: 'kind', adaptations: [controlPlane], inotify: true, loopbackControlPlane: true },
  minikube: { flavour: 'minikube', adaptations: [controlPlane], inotify: false, loopbackControlPlane: true },
  k3d: { flavour: 'k3s', adaptations: [controlPlane], inotify: true, loopbackControlPlane: false },
  'docker-desktop': {
    flavour: 'docker-desktop',
    adaptations: [controlPlane, rootMount],
    inotify: false,
    loopbackControlPlane: true,
  },
  eks: { flavour: 'aws', adaptations: [managedControlPlane], inotify: false, loopbackControlPlane: false },
}

/** The kube-system pods' bind flags, as a person checks why the "Down" alerts fire. */
const loopbackBinds = async (c: Parameters<typeof kubectlJson>[0]) => {
  const pods = (await kubectlJson(c, 'get', 'pods', '-n', 'kube-system', '-l', 'tier=control-plane')).items
  return pods.flatMap((p: any) =>
    (p.spec.containers[0].command as string[]).filter((f) =>
      /^--(bind-address|listen-metrics-urls)=.*127\.0\.0\.1/.test(f),
    ),
  )
}

const helmValues = async (c: Parameters<typeof helm>[0]) =>
  JSON.parse((await helm(c, 'get', 'values', 'kube-prometheus-stack', '-n', 'monitoring', '-o', 'json')).stdout)

for (const layer of suiteLayers) {
  const test = suite(`flavours, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite

  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  test('each flavour: status names it and its overlays; kind and k3d: the inotify warning', async () => {
    for (const [name, want] of Object.entries(expected) as [SimFlavourName, (typeof expected)[SimFlavourName]][]) {
      const c = await startCluster(s, { nodes: 1 })
      try {
        playFlavour(c.sim, name)
        const run = await runScript(c, 'status.mts', ['--json'])
        assert.is(run.exitCode, 0, run.output)
        const { cluster } = JSON.parse(run.stdout)
        assert.is(cluster.flavour, want.flavour, name)
        assert.equal(cluster.adaptations, want.adaptations, name)
        assert.match(run.stderr, /^Cluster: .*, 1 node, /m)
        for (const file of want.adaptations) assert.match(run.stderr, new RegExp(`Adapted for .*: values/${file}`))
        assert.is(/sudo sysctl fs\.inotify\.max_user_instances=512/.test(run.stderr), want.inotify, name)
        assert.equal(
          (await loopbackBinds(c)).sort(),
          want.loopbackControlPlane
            ? ['--bind-address=127.0.0.1', '--bind-address=127.0.0.1', '--listen-metrics-urls=http://127.0.0.1:2381']
            : [],
          name,
        )
      } finally {
        await c.stop()
      }
    }
  })

  test("status --check-inotify: each node's limits read by a pod on it, the host command when low; no pod left", async () => {
    const c = await startCluster(s, { nodes: 2 })
    try {
      playFlavour(c.sim, 'kind')
      const probes = async () =>
        (await kubectlJson(c, 'get', 'pods', '-n', 'monitoring', '-l', 'app.kubernetes.io/component=inotify-probe'))
          .items
      const before = await runScript(c, 'status.mts', ['--check-inotify'])
      assert.match(before.stdout, /inotify +every node: not read \(the monitoring namespace does not exist yet; npx zx/)
      assert.is((await runScript(c, '01-namespace.mts')).exitCode, 0)
      const low = await runScript(c, 'status.mts', ['--check-inotify'])
      assert.is(low.exitCode, 0, low.output)
      for (const node of ['kind-control-plane', 'kind-worker'])
        assert.match(low.stdout, `${node}: max_user_instances 128, max_user_watches 8192 — low`)
      assert.match(low.stdout, /on each node: sudo sysctl fs\.inotify\.max_user_instances=512/)
      await until('the probe pods are gone', async () => (await probes()).length === 0)
      c.sim.kernel.sysctls.set('fs.inotify.max_user_instances', '8192')
      c.sim.kernel.sysctls.set('fs.inotify.max_user_watches', '524288')
      const raised = JSON.parse((await runScript(c, 'status.mts', ['--check-inotify', '--json'])).stdout)
      assert.equal(raised.cluster.inotify, [
        { node: 'kind-control-plane', limits: { maxUserInstances: 8192, maxUserWatches: 524288 } },
        { node: 'kind-worker', limits: { maxUserInstances: 8192, maxUserWatches: 524288 } },
      ])
      // a probe image that cannot be pulled: named with its remedy at --stuck-after, its pods deleted
      c.sim.faults.pods.set('^inotify-probe-', { kind: 'imagePull' })
      const pull = await runScript(c, 'status.mts', ['--check-inotify', '--stuck-after=3s', '--probe-image=busybox:9'])
      assert.is(pull.exitCode, 0, pull.output)
      assert.match(
        pull.stdout,
        /every node: not read \((ImagePullBackOff|ErrImagePull) \((docker\.io\/library\/)?busybox:9\): /,
        pull.output,
      )
      await until('the probe pods are gone', async () => (await probes()).length === 0)
    } finally {
      await c.stop()
    }
  })

  test('Docker Desktop: all installs with both overlays, green; again: unchanged; --no-adapt: taken out', async () => {
    const c = await startCluster(s, { nodes: 1 })
    try {
      playFlavour(c.sim, 'docker-desktop')
      await kubectl(c, 'create', 'namespace', 'ticketing')
      const run = await runScript(c, 'all.mts')
      assert.is(run.exitCode, 0, run.output)
      assert.match(run.stdout, /All \d+ checks passed/)
      for (const file of [controlPlane, rootMount])
        assert.match(run.stderr, new RegExp(`Adapted for Docker Desktop: values/${file} — `))
      const values = await helmValues(c)
      for (const key of ['kubeControllerManager', 'kubeScheduler', 'kubeProxy', 'kubeEtcd'])
        assert.is(values[key]?.enabled, false, key)
      assert.is(values['prometheus-node-exporter']?.hostRootFsMount?.enabled, false)
      const monitors = (await kubectlJson(c, 'get', 'servicemonitors', '-n', 'monitoring')).items.map(
        (m: any) => m.metadata.name,
      )
      assert.not.ok(monitors.includes('kube-prometheus-stack-kube-controller-manager'), monitors.join(', '))
      const exporter = await kubectlJson(
        c,
        'get',
        'daemonset',
        'kube-prometheus-stack-prometheus-node-exporter',
        '-n',
        'monitoring',
      )
      const mounts = exporter.spec.template.spec.containers[0].volumeMounts.map((m: any) => m.mountPath)
      assert.not.ok(mounts.includes('/host/root'), mounts.join(', '))

      const before = await releases(c)
      const again = await runScript(c, '02-lgtm.mts')
      assert.is(again.exitCode, 0, again.output)
      assert.equal(
        (await releases(c)).map((r) => [r.name, r.revision]),
        before.map((r) => [r.name, r.revision]),
      )

      // without its overlay node-exporter mounts the host's / with propagation, which Docker Desktop refuses
      const off = await runScript(c, '02-lgtm.mts', ['--no-adapt'])
      assert.is(off.exitCode, 1, off.output)
      assert.match(off.stderr, /Adaptations: off \(--no-adapt\)/)
      assert.match(off.stderr, /node-exporter-\S+ Running: CrashLoopBackOff in container node-exporter/)
      assert.match(
        off.stderr,
        /Error response from daemon: path \/ is mounted on \/ but it is not a shared or slave mount/,
      )
      assert.match(off.stderr, /try: the node's \/ is not a shared mount \(Docker Desktop\)/)
      const plain = await helmValues(c)
      assert.is(plain.kubeControllerManager, undefined)
      const after = (await kubectlJson(c, 'get', 'servicemonitors', '-n', 'monitoring')).items.map(
        (m: any) => m.metadata.name,
      )
      assert.ok(after.includes('kube-prometheus-stack-kube-controller-manager'), after.join(', '))
    } finally {
      await c.stop()
    }
  })

  test.run()
}
