// The preflight's one try at the server: an answer with a stumble (500, 429) is tried again, with
// backoff; silence is not (the user hears at once that the cluster is unreachable).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import fs from 'node:fs'
import path from 'node:path'
import { which } from 'zx'
import { missingTool, noCurrentContext, preflight, unreachable } from '../../lib/steps/preflight.ts'
import { answeredWithAStumble, askServerFirst, reachServer } from '../../lib/steps/reach.ts'
import { createContext } from '../../lib/steps/context.ts'
import { bundledToolsOffered } from '../../lib/tools/bundled.ts'
import { UsageError } from '../../lib/core/errors.ts'
import { projectRoot } from '../../lib/core/values.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

const stumbles = [
  'Error from server (InternalError): an error on the server ("") has prevented the request from succeeding',
  'Error from server (TooManyRequests): the server has received too many requests (Too Many Requests)',
]
const silences = [
  'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout',
  'Unable to connect to the server: net/http: TLS handshake timeout',
  'Unable to connect to the server: context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
]

const test = suite('reachServer')

test('works: 500 and 429 are answers worth another try; timeouts are silence', () => {
  for (const stderr of stumbles) assert.ok(answeredWithAStumble(stderr), stderr)
  for (const stderr of silences) assert.not.ok(answeredWithAStumble(stderr), stderr)
})

for (const [what, stderr, retried] of [
  ['a 500 on /version: tried again, with backoff', stumbles[0], true],
  ['a 429 on /version: tried again, with backoff', stumbles[1], true],
  ['a silent server: not tried again', silences[0], false],
] as const) {
  test(what, async () => {
    const ctx = createContext(aConfig(), captureLog().log)
    const calls: string[] = []
    ctx.runner.once = async () => {
      calls.push('once')
      return anOutput(1, '', stderr)
    }
    ctx.runner.probe = async () => {
      calls.push('probe')
      return anOutput(0, { serverVersion: { gitVersion: 'v1.32.0' } })
    }
    await reachServer(ctx)
    assert.equal(calls, retried ? ['once', 'probe'] : ['once'])
  })
}

test("a refused connection is the preflight's own error, no outage: that server never answered", async () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'refused-'))
  const refused = 'The connection to the server 127.0.0.1:9 was refused - did you specify the right host or port?'
  fs.writeFileSync(path.join(dir, 'kubectl'), `#!/bin/sh\necho '${refused}' >&2\nexit 1\n`, { mode: 0o755 })
  try {
    const { log, err } = captureLog()
    const ctx = createContext(aConfig(), log, { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` })
    const out = await reachServer(ctx)
    assert.is(out.exitCode, 1)
    assert.not.ok(ctx.runner.api.down, 'an outage began')
    assert.not.match(err(), /stopped answering/)
  } finally {
    fs.rmSync(dir, { recursive: true })
  }
})

test.run()

// missingTool

const missingTest = suite('missingTool')

missingTest('works: where the bundled tools run, the setting that uses them, and the install page', () => {
  const e = missingTool('helm', true)
  assert.is(e.message, 'helm was not found on PATH')
  assert.match(e.hint!, /npm install brought kubectl 1\.35 and helm 4 for Linux x64/)
  assert.match(e.hint!, /--use-bundled-tools \(or set STACK_USE_BUNDLED_TOOLS=1\)/)
  assert.match(e.hint!, /https:\/\/helm\.sh\/docs\/intro\/install\//)
})

for (const tool of ['kubectl', 'helm'] as const) {
  missingTest(`${tool} elsewhere (another platform, or no package): only where to install it`, () => {
    const e = missingTool(tool, false)
    assert.is(e.message, `${tool} was not found on PATH`)
    assert.not.match(e.hint!, /bundled|npm install/)
    assert.match(e.hint!, tool === 'helm' ? /helm\.sh/ : /kubernetes\.io\/docs\/tasks\/tools/)
  })
}

missingTest('kubectl where the bundled tools run: the setting, and the install page', () => {
  const hint = missingTool('kubectl', true).hint!
  assert.match(hint, /--use-bundled-tools/)
  assert.match(hint, /kubernetes\.io\/docs\/tasks\/tools/)
})

missingTest.run()

// no cluster: the two ways to try without one

const noClusterTest = suite('no cluster')

noClusterTest('works: an unreachable cluster names the context, what to start, `npm run demo` and --dry-run', () => {
  const e = unreachable('kind-kind', 'dial tcp 127.0.0.1:6443: connect: connection refused')
  assert.match(e.message, /the cluster of context "kind-kind" is not reachable: dial tcp/)
  assert.match(e.hint!, /kind create cluster/)
  assert.match(e.hint!, /`npm run demo` runs everything on a simulated one, and --dry-run prints the commands/)
})

noClusterTest('no kubeconfig at all: how to get a cluster, and the two ways to try without one', () => {
  const hint = noCurrentContext([]).hint!
  assert.match(hint, /kind create cluster/)
  assert.match(hint, /`npm run demo`.*--dry-run/)
})

noClusterTest('contexts but none chosen: the one to choose', () => {
  assert.match(noCurrentContext(['kind-kind']).hint!, /kubectl config use-context kind-kind/)
})

noClusterTest.run()

// --use-bundled-tools

const bundledTest = suite('preflight --use-bundled-tools')

// this machine is the tests' own platform (Linux x64) with the package installed, so the setting can work here
bundledTest('works: a PATH without kubectl and helm finds the bundled ones, first', async () => {
  assert.ok(bundledToolsOffered(), 'the tests run on Linux x64 with the kubectl layer package installed')
  const saved = process.env.PATH
  const empty = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'no-tools-'))
  process.env.PATH = `${empty}${path.delimiter}${path.dirname(process.execPath)}`
  try {
    const { log, err } = captureLog()
    const ctx = createContext(aConfig({ useBundledTools: true }), log)
    await preflight(ctx, { offline: true, first: await askServerFirst(ctx, true) })
    for (const tool of ['kubectl', 'helm']) {
      assert.is(await which(tool), path.join(projectRoot, '.tools/v35/bin', tool))
    }
    assert.match(err(), /helm v4\.\S+ \(\S+\/\.tools\/v35\/bin\/helm\)/)
  } finally {
    process.env.PATH = saved
    fs.rmSync(empty, { recursive: true })
  }
})

bundledTest.run()

// the values files are read while the round's processes run

const configureTest = suite('preflight configure')

/** kubectl and helm first on PATH (which() finds them; the runner is stubbed, so they never run), for `body`. */
async function withTools(body: () => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'tools-'))
  for (const tool of ['kubectl', 'helm']) fs.writeFileSync(path.join(dir, tool), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
  const saved = process.env.PATH
  process.env.PATH = `${dir}${path.delimiter}${saved}`
  try {
    await body()
  } finally {
    process.env.PATH = saved
    fs.rmSync(dir, { recursive: true })
  }
}

/** What a command printed, exit 0. */
const printed = (stdout: string) => Object.assign(anOutput(0), { stdout })

/** A context whose runner notes each command it is asked to run and answers as a reachable cluster does. */
function recordingContext() {
  const { log, err } = captureLog()
  const ctx = createContext(aConfig(), log)
  const calls: string[] = []
  const answer = (argv: string[]) => {
    const flag = argv.findIndex((a) => a.startsWith('-'))
    calls.push(argv.slice(0, flag < 0 ? undefined : flag).join(' '))
    if (argv.join(' ') === 'helm version --short') return printed('v4.1.4+g05fa379')
    const versions = { clientVersion: { gitVersion: 'v1.35.2' }, serverVersion: { gitVersion: 'v1.32.3' } }
    return argv[1] === 'version' ? printed(JSON.stringify(versions)) : anOutput(0, {})
  }
  ctx.runner.once = async (cmd) => answer(cmd.argv)
  ctx.runner.probe = async (cmd) => answer(cmd.argv)
  ctx.runner.kill = () => void calls.push('kill')
  return { ctx, calls, err }
}

configureTest(
  'works: the server is asked first and alone, the whole config is read, then helm and the nodes are asked',
  async () => {
    await withTools(async () => {
      const { ctx, calls } = recordingContext()
      const whole = aConfig({ namespace: 'observability' })
      await preflight(ctx, {
        offline: false,
        first: await askServerFirst(ctx, false),
        configure: () => {
          calls.push('configure')
          return whole
        },
      }).catch(() => undefined) // the stubbed answers are no helm's: only the order is looked at
      assert.equal(calls, ['kubectl version', 'configure', 'helm version', 'kubectl get nodes,storageclasses'])
      assert.is(ctx.config, whole)
    })
  },
)

configureTest(
  "a values file at fault: the server's version is ended, its UsageError thrown, nothing more started",
  async () => {
    await withTools(async () => {
      const { ctx, calls, err } = recordingContext()
      const fault = new UsageError(['values file values/tempo-values.yaml is missing'])
      const thrown = await preflight(ctx, {
        offline: false,
        first: await askServerFirst(ctx, false),
        configure: () => {
          throw fault
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      )
      assert.is(thrown, fault)
      assert.equal(calls, ['kubectl version', 'kill'])
      assert.not.match(err(), /Target/)
    })
  },
)

configureTest.run()

// the first question, asked by the script's frame before the rest of the preflight loads

const firstTest = suite('askServerFirst')

firstTest('works: both tools found, the server is asked at once and its answer left to the preflight', async () => {
  await withTools(async () => {
    const { ctx, calls } = recordingContext()
    const first = await askServerFirst(ctx, false)
    assert.ok(first.kubectlPath?.endsWith('/kubectl'))
    assert.ok(first.helmPath?.endsWith('/helm'))
    assert.equal(calls, ['kubectl version'])
    assert.is((await first.serverVersion)?.exitCode, 0)
  })
})

firstTest('offline, or helm missing: the server is not asked', async () => {
  await withTools(async () => {
    const { ctx, calls } = recordingContext()
    assert.is((await askServerFirst(ctx, true)).serverVersion, undefined)
    const saved = process.env.PATH
    const empty = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'no-tools-'))
    fs.writeFileSync(path.join(empty, 'kubectl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
    process.env.PATH = empty
    try {
      const first = await askServerFirst(ctx, false)
      assert.equal([first.helmPath, first.serverVersion], [null, undefined])
    } finally {
      process.env.PATH = saved
      fs.rmSync(empty, { recursive: true })
    }
    assert.equal(calls, [])
  })
})

firstTest.run()

const clientTest = suite("preflight: kubectl's own version")

clientTest('a server version that failed before asking (an unknown context): kubectl asked for its own', async () => {
  await withTools(async () => {
    const { ctx, calls, err } = recordingContext()
    const unknownContext = anOutput(1, '', 'error: context "nope" does not exist')
    const answer = ctx.runner.once
    ctx.runner.once = async (cmd) => (cmd.argv[1] === 'version' ? unknownContext : answer(cmd))
    const first = await askServerFirst(ctx, false)
    await preflight(ctx, { offline: false, first }).catch(() => undefined) // only the tools' line is looked at
    assert.match(err(), /kubectl v1\.35\.2 \(/)
    assert.equal(calls, ['helm version', 'kubectl get nodes,storageclasses', 'kubectl version']) // the last: --client
  })
})

clientTest.run()
