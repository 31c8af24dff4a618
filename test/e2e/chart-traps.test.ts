// The charts' known traps, fixed in values/ (each file says which failure it prevents): every chart
// at its pin rendered by this layer's `helm template` with the values a run gives it, and the objects
// that would carry each failure read back. No cluster: helm template renders offline.
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $, YAML } from 'zx'
import { loadConfig, releaseNamed, type Release } from '../../lib/core/config.ts'
import { profileNames } from '../../lib/core/stack.ts'
import { chartsDir } from '../fixtures/charts.ts'
import { extractLayer, layers, suiteLayers } from './harness.ts'

type Rendered = { kind?: string; metadata?: { name?: string }; [k: string]: any }

for (const layer of suiteLayers) {
  const test = suite(`the charts' known traps, fixed in values/, ${layer} (helm ${layers[layer].helmMajor})`)
  let helm: string
  test.before(async () => {
    helm = path.join(await extractLayer(layer), 'helm')
  })

  /** The release of a profile rendered as a run installs it: its values files, then its --set-string. */
  async function render(profile: string, name: string): Promise<Rendered[]> {
    const release: Release = releaseNamed(loadConfig([`--profile=${profile}`], {}), name)
    const chart = path.join(chartsDir(), release.repo, `${release.chart}-${release.version}.tgz`)
    const args = [
      ...release.valuesFiles.flatMap((f) => ['-f', f]),
      ...Object.entries(release.set).flatMap(([k, v]) => ['--set-string', `${k}=${v}`]),
    ]
    const out = await $`${helm} template ${release.name} ${chart} --namespace monitoring ${args}`.quiet()
    return YAML.parseAllDocuments(out.stdout)
      .map((d) => d.toJS() as Rendered)
      .filter(Boolean)
  }
  const find = (objects: Rendered[], kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name)

  test("seed: loki-stack runs Loki 2.9, whose LogQL answers Grafana's datasource test", async () => {
    const loki = find(await render('seed', 'loki'), 'StatefulSet', 'loki')
    const images = loki?.spec.template.spec.containers.map((c: { image: string }) => c.image)
    assert.equal(images, ['grafana/loki:2.9.17'])
  })

  for (const profile of profileNames)
    test(`${profile}: Tempo receives OTLP on 0.0.0.0:4317 and 0.0.0.0:4318, and its Service opens both`, async () => {
      const objects = await render(profile, 'tempo')
      const config = YAML.parse(find(objects, 'ConfigMap', 'tempo')?.data['tempo.yaml'])
      assert.equal(config.distributor.receivers.otlp.protocols, {
        grpc: { endpoint: '0.0.0.0:4317' },
        http: { endpoint: '0.0.0.0:4318' },
      })
      const service = find(objects, 'Service', 'tempo')?.spec.ports ?? []
      const ports = service.map((p: { port: number; targetPort: number }) => `${p.port}→${p.targetPort}`)
      assert.ok(ports.includes('4317→4317') && ports.includes('4318→4318'), ports.join(' '))
    })

  test('Prometheus selects every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and rule, any labels', async () => {
    const objects = await render('seed', 'kube-prometheus-stack')
    const prometheus = find(objects, 'Prometheus', 'kube-prometheus-stack-prometheus')
    for (const selector of ['serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig', 'rule'])
      assert.equal(prometheus?.spec[`${selector}Selector`], {}, selector)
  })

  test.run()
}
