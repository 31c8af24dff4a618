// Under a Korean locale every sentence a person reads is Korean: the demo from its banner to its
// closing, and a failing run (a pod that cannot pull its image) with its error, diagnosis and hint;
// `--help` and a usage error too. `--json` is the same in both languages. What counts as English:
// test/e2e/english.ts.
import { spawn } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kubectl, root, runScript, startCluster, startSuite, suiteLayers, type Cluster, type Suite } from './harness.ts'
import { englishSentences } from './english.ts'

const korean = { LANG: 'ko_KR.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined }

const heuristic = suite('englishSentences')

heuristic('works: an English sentence is found, Korean with names, commands and quotes is not', () => {
  assert.equal(englishSentences('✓ namespace monitoring created\n✓ 네임스페이스 monitoring 생성됨'), [
    '✓ namespace monitoring created',
  ])
  assert.equal(
    englishSentences(
      [
        'Prometheus, Grafana, Loki, Tempo 대기 중 (최대 10m)',
        '먼저 `npm run all -- --dry-run > install.sh`로 받으세요',
        "helm 리포지토리 'could not be reached at all'",
        '§2.3 loki │ ✓ helm upgrade --install loki grafana/loki-stack 2.10.3 (2.0s)',
        '명령 출력:',
        '  Error: the server could not find the requested resource',
        '  monitoring/tempo-0 Pending: ImagePullBackOff — Back-off pulling image "grafana/tempo:2.3.1"',
        '    최근 이벤트:',
        '      Warning Failed: Error: ErrImagePull',
      ].join('\n'),
    ),
    [],
  )
})

heuristic(
  "a report row's title and detail are each a sentence: a Korean title does not excuse an English detail",
  () => {
    const rows = [
      '   ✅ cert-manager 웹훅 응답  a server-side dry-run passed',
      '   ✅ cert-manager 웹훅 응답  서버 측 드라이 런 통과',
      '   ❌ Tempo 준비              HTTP 503 — no endpoints available for service "tempo:3200"',
    ]
    assert.equal(englishSentences(rows.join('\n')), ['✅ a server-side dry-run passed'])
  },
)

heuristic.run()

// once, with the demo's own tool set (helm 4) unless E2E_LAYERS leaves it out: the words do not depend on it
const layer = suiteLayers.includes('v35') ? 'v35' : suiteLayers[0]
if (layer) {
  const test = suite(`Korean throughout, ${layer}`)
  let s: Suite
  let c: Cluster
  test.before(async () => {
    s = await startSuite(layer)
    c = await startCluster(s)
  })
  test.after(async () => {
    await c?.stop()
    await s?.stop()
  })

  test('works: npm run demo says every sentence in Korean', async () => {
    const env = Object.fromEntries(
      Object.entries({ ...process.env, CI: 'true', NO_COLOR: '1', ...korean }).filter(([, v]) => v !== undefined),
    )
    const demo = await run(['npm', 'run', '--silent', 'demo', '--', '--fast', `--layer=${layer}`], env)
    assert.is(demo.code, 0, demo.output)
    assert.match(demo.output, /시뮬레이션 클러스터/)
    noEnglish(demo.output)
  })

  test('a failing run: error, diagnosis and hint in Korean; --json the same in both languages', async () => {
    await kubectl(c, 'create', 'namespace', 'ticketing')
    assert.is((await runScript(c, '01-namespace.mts', [], { env: korean })).exitCode, 0)
    c.sim.faults.pods.set('^tempo-0$', { kind: 'imagePull' })
    const failed = await runScript(c, '02-lgtm.mts', [], { env: korean })
    assert.is(failed.exitCode, 1, failed.output)
    assert.match(failed.stderr, /ImagePullBackOff|ErrImagePull/)
    noEnglish(failed.output)
    const report = await runScript(c, '05-verify.mts', [], { env: korean })
    noEnglish(report.output)
    // the pod's state moves on by itself (ErrImagePull, then ImagePullBackOff, as a kubelet retries), so two
    // reads may differ by it: a few pairs are read, and one the same in both languages is asked for. A report
    // whose JSON follows the locale never gives one.
    const json = (env: Record<string, string | undefined>) =>
      runScript(c, '05-verify.mts', ['--json', '--skip-data-checks'], { env })
    let pair: Awaited<ReturnType<typeof json>>[] = []
    for (let tries = 0; tries < 5 && (pair.length === 0 || pair[0].stdout !== pair[1].stdout); tries++)
      pair = await Promise.all([json({ LANG: 'C.UTF-8', LC_ALL: undefined }), json(korean)])
    const [en, ko] = pair
    assert.ok(en.stdout.length > 0, en.output)
    assert.is(ko.stdout, en.stdout)
  })

  test('--help and a usage error in Korean', async () => {
    const help = await runScript(c, 'all.mts', ['--help'], { env: korean })
    assert.is(help.exitCode, 0, help.output)
    noEnglish(help.output)
    const usage = await runScript(c, 'all.mts', ['--timeout=soon', '--namespace=Not_A_Name'], { env: korean })
    assert.is(usage.exitCode, 2, usage.output)
    noEnglish(usage.output)
  })

  test.run()
}

function noEnglish(output: string): void {
  const english = englishSentences(output)
  assert.ok(!english.length, `English under a Korean locale:\n${english.join('\n')}\n\nin:\n${output}`)
}

/** `cmd` from the project root, stdout and stderr together. */
function run(cmd: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const guard = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({ code, output })
    })
  })
}
