// The apiserver's 1 MiB cap on a Secret's data (decoded), with its 422 wording: for a Secret
// written by kubectl, and for helm's release Secret, which holds the whole chart (files included)
// and so is what a large chart trips over.
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { helm, kubectl, LAYERS, ok, startEnv, stopEnv, type Env } from './api-harness.ts'

const MiB = 1024 * 1024
const SECRETS = { group: '', resource: 'secrets' }

/** A Secret whose data values decode to `sizes` bytes. */
const secret = (name: string, sizes: number[]) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: Object.fromEntries(sizes.map((n, i) => [`part${i}`, Buffer.alloc(n, 7).toString('base64')])),
  })

/** A chart of one ConfigMap whose chart files carry `bytes` of incompressible data. */
function bigChart(dir: string, bytes: number): string {
  const chart = path.join(dir, 'bulky')
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true })
  fs.mkdirSync(path.join(chart, 'files'), { recursive: true })
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: bulky\nversion: 1.0.0\n')
  fs.writeFileSync(path.join(chart, 'files', 'blob.txt'), randomBytes(bytes).toString('base64'))
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bulky}\ndata: {a: b}\n'
  fs.writeFileSync(path.join(chart, 'templates', 'cm.yaml'), configMap)
  return chart
}

for (const layer of LAYERS) {
  const test = suite<{ e: Env }>(`Secret size limit (${layer})`)
  test.before(async (ctx) => {
    ctx.e = await startEnv(layer)
  })
  test.after((ctx) => stopEnv(ctx.e))

  test('data totalling more than 1 MiB is refused with 422 Invalid; exactly 1 MiB is stored', async ({ e }) => {
    const out = await kubectl(e, ['create', '-f', '-'], secret('too-big', [MiB / 2, MiB / 2 + 1]))
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, 'The Secret "too-big" is invalid: data: Too long: must have at most 1048576 bytes')
    assert.not.ok(e.sim.store.get(SECRETS, 'default', 'too-big'))
    await ok(e, ['create', '-f', '-'], secret('just-fits', [MiB / 2, MiB / 2]))
    // an update that grows it past the cap is refused the same way
    const grown = await kubectl(e, ['replace', '-f', '-'], secret('just-fits', [MiB, 1]))
    assert.match(grown.stderr, 'The Secret "just-fits" is invalid: data: Too long: must have at most 1048576 bytes')
    const raw = await fetch(`${e.sim.url}/api/v1/namespaces/default/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: secret('raw', [MiB + 1]),
    })
    const body = await raw.json()
    assert.is(raw.status, 422)
    assert.is(body.reason, 'Invalid')
    assert.is(body.message, 'Secret "raw" is invalid: data: Too long: must have at most 1048576 bytes')
    const cause = { reason: 'FieldValueTooLong', message: 'Too long: must have at most 1048576 bytes', field: 'data' }
    assert.equal(body.details.causes, [cause])
  })

  test('stringData counts too, once folded into data', async ({ e }) => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'plain' },
      stringData: { k: 'x'.repeat(MiB + 1) },
    }
    const out = await kubectl(e, ['create', '-n', 'default', '-f', '-'], JSON.stringify(manifest))
    assert.is(out.exitCode, 1)
    assert.match(out.stderr, 'data: Too long: must have at most 1048576 bytes')
  })

  test('helm install of a chart whose release Secret would pass 1 MiB fails; nothing is stored', async ({ e }) => {
    const out = await helm(e, ['install', 'bulky', bigChart(e.dir, 1100 * 1024), '-n', 'default'])
    assert.is.not(out.exitCode, 0)
    const release = 'sh.helm.release.v1.bulky.v1'
    assert.match(out.stderr, `Secret "${release}" is invalid: data: Too long: must have at most 1048576 bytes`)
    assert.not.ok(e.sim.store.get(SECRETS, 'default', 'sh.helm.release.v1.bulky.v1'))
    // a chart under the cap installs: the limit is on the size, not on helm
    const small = await helm(e, ['install', 'slim', bigChart(path.join(e.dir, 'slim'), 300 * 1024), '-n', 'default'])
    assert.is(small.exitCode, 0, small.stderr)
  })

  test.run()
}
