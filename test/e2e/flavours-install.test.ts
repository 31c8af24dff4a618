// `npm run all` on the simulated minikube, k3d and EKS, under helm 3 (v32 layer) and helm 4 (v35 layer):
// green, each flavour's overlay in kube-prometheus-stack's values and the control-plane monitors it turns
// off absent. kind is the flavour every other e2e file's cluster reads as; Docker Desktop has its own test
// in flavours.test.ts. Run by `npm run test:rest` only: three installs per layer are minutes of npm test.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { playFlavour } from 'kube-sim/flavours'
import {
  helm,
  kubectl,
  kubectlJson,
  layers,
  runScript,
  startCluster,
  startSuite,
  suiteLayers,
  type Suite,
} from './harness.ts'

/** What each flavour turns off (values/flavours/), and a key of it to find in the release's values. */
const flavours = {
  minikube: { overlay: 'flavours/kube-prometheus-stack.control-plane-monitors-off.yaml', off: 'kubeProxy' },
  k3d: { overlay: 'flavours/kube-prometheus-stack.control-plane-monitors-off.yaml', off: 'kubeProxy' },
  eks: {
    overlay: 'flavours/kube-prometheus-stack.managed-control-plane-monitors-off.yaml',
    off: 'kubeControllerManager',
  },
} as const

for (const layer of suiteLayers) {
  const test = suite(`flavours install, ${layer} (helm ${layers[layer].helmMajor})`)
  let s: Suite

  test.before(async () => {
    s = await startSuite(layer)
  })
  test.after(async () => {
    await s?.stop()
  })

  test('minikube, k3d and EKS: all installs green, each with its overlay, its objects absent', async () => {
    for (const name of ['minikube', 'k3d', 'eks'] as const) {
      const { overlay, off } = flavours[name]
      const c = await startCluster(s, { nodes: 1 })
      try {
        playFlavour(c.sim, name)
        await kubectl(c, 'create', 'namespace', 'ticketing')
        const run = await runScript(c, 'all.mts')
        assert.is(run.exitCode, 0, `${name}: ${run.output}`)
        assert.match(run.stdout, /All \d+ checks passed/, name)
        assert.match(run.stderr, new RegExp(`Adapted for .*: values/${overlay} — `), name)
        const values = await helm(c, 'get', 'values', 'kube-prometheus-stack', '-n', 'monitoring', '-o', 'json')
        assert.is(JSON.parse(values.stdout)[off]?.enabled, false, `${name}: ${off}`)
        const monitors = (await kubectlJson(c, 'get', 'servicemonitors', '-n', 'monitoring')).items.map(
          (m: any) => m.metadata.name,
        )
        assert.not.ok(monitors.includes('kube-prometheus-stack-kube-controller-manager'), `${name}: ${monitors}`)
        assert.ok(monitors.includes('kube-prometheus-stack-apiserver'), `${name}: ${monitors}`)
      } finally {
        await c.stop()
      }
    }
  })

  test.run()
}
