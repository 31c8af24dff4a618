// A release's whole life with the real helm 3 (v32 layer) and helm 4 (v35 layer, server-side
// apply): install, upgrade --install, status/list/get values/history as JSON, rollback,
// uninstall. The chart holds a ConfigMap and a Secret, so no controller is involved.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { helm, LAYERS, ok, startEnv, stopEnv, writeChart, type Env } from './api-harness.ts'

const CM = { group: '', resource: 'configmaps' }
const SECRETS = { group: '', resource: 'secrets' }

const tinyChart = (dir: string) =>
  writeChart(dir, {
    name: 'tiny',
    version: '0.1.0',
    appVersion: '1.0',
    values: 'greeting: hello\n',
    files: {
      'templates/objects.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: "{{ .Release.Name }}-cm"}',
        'data: {greeting: {{ .Values.greeting | quote }}}',
        '---',
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: "{{ .Release.Name }}-secret"}',
        'stringData: {token: {{ .Values.greeting | quote }}}',
        '',
      ].join('\n'),
    },
  })

async function helmOk(e: Env, args: string[]): Promise<string> {
  const out = await helm(e, args)
  assert.is(out.exitCode, 0, `helm ${args.join(' ')} failed: ${out.stderr}`)
  return out.stdout
}

for (const layer of LAYERS) {
  const test = suite<{ e: Env; chart: string }>(`helm ${layer === 'v32' ? 3 : 4} (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
    ctx.chart = tinyChart(ctx.e.dir)
    await ok(ctx.e, ['create', 'namespace', 'apps'])
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('install --wait creates the objects and the release record', async ({ e, chart }) => {
    await helmOk(e, ['install', 'demo', chart, '-n', 'apps', '--wait', '--timeout', '30s'])
    assert.is(e.sim.store.get(CM, 'apps', 'demo-cm')!.data.greeting, 'hello')
    assert.is(e.sim.store.get(SECRETS, 'apps', 'demo-secret')!.data.token, Buffer.from('hello').toString('base64'))
    const record = e.sim.store.get(SECRETS, 'apps', 'sh.helm.release.v1.demo.v1')!
    assert.is(record.type, 'helm.sh/release.v1')
    assert.is(record.metadata.labels!.status, 'deployed')
  })

  test('upgrade --install changes the objects; status, list, get values answer JSON', async ({ e, chart }) => {
    await helmOk(e, [
      'upgrade',
      '--install',
      'demo',
      chart,
      '-n',
      'apps',
      '--set',
      'greeting=bye',
      '--wait',
      '--timeout',
      '30s',
    ])
    assert.is(e.sim.store.get(CM, 'apps', 'demo-cm')!.data.greeting, 'bye')
    const status = JSON.parse(await helmOk(e, ['status', 'demo', '-n', 'apps', '-o', 'json']))
    assert.is(status.info.status, 'deployed')
    assert.is(status.version, 2)
    const list = JSON.parse(await helmOk(e, ['list', '-n', 'apps', '-o', 'json']))
    assert.equal(
      list.map((r: any) => [r.name, r.revision, r.status, r.chart]),
      [['demo', '2', 'deployed', 'tiny-0.1.0']],
    )
    assert.equal(JSON.parse(await helmOk(e, ['get', 'values', 'demo', '-n', 'apps', '-o', 'json'])), {
      greeting: 'bye',
    })
  })

  test('history and rollback', async ({ e }) => {
    const history = await helmOk(e, ['history', 'demo', '-n', 'apps'])
    assert.match(history, /^1\s.*superseded\s+tiny-0.1.0\s+1.0\s+Install complete$/m)
    assert.match(history, /^2\s.*deployed\s+tiny-0.1.0\s+1.0\s+Upgrade complete$/m)
    await helmOk(e, ['rollback', 'demo', '1', '-n', 'apps', '--wait'])
    assert.is(e.sim.store.get(CM, 'apps', 'demo-cm')!.data.greeting, 'hello')
    const status = JSON.parse(await helmOk(e, ['status', 'demo', '-n', 'apps', '-o', 'json']))
    assert.is(status.version, 3)
  })

  test('uninstall removes the objects and every release record', async ({ e }) => {
    await helmOk(e, ['uninstall', 'demo', '-n', 'apps', '--wait'])
    assert.not.ok(e.sim.store.get(CM, 'apps', 'demo-cm'))
    assert.not.ok(e.sim.store.get(SECRETS, 'apps', 'demo-secret'))
    assert.equal(
      e.sim.store.list(SECRETS, 'apps').items.filter((s) => s.metadata.name.startsWith('sh.helm')),
      [],
    )
    const status = await helm(e, ['status', 'demo', '-n', 'apps'])
    assert.is(status.exitCode, 1)
    assert.match(status.stderr, 'release: not found')
  })

  test.run()
}
