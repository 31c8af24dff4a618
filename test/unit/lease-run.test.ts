// the run lock as a run holds it (lib/steps/lease.ts), against a Lease store that
// answers as the API server does: create refuses a name that exists, replace and delete refuse a
// stale resourceVersion (a replace only when it carries one). Leases here last 300 ms, so a wait
// or a renewal takes a tenth of a second.
import os from 'node:os'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ProcessOutput } from 'zx'
import { InterruptedError, StepError } from '../../lib/core/errors.ts'
import { createContext } from '../../lib/steps/context.ts'
import { noteLiveLock, releaseInterrupted, withLease } from '../../lib/steps/lease.ts'
import type { Command } from '../../lib/tools/exec.ts'
import type { KubeObject } from '../../lib/tools/kubectl.ts'
import { leaseObject, type Holder } from '../../lib/tools/lease.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

const otherRun: Holder = {
  host: 'other-laptop',
  machine: 'other-laptop boot-2',
  pid: 4242,
  command: 'scripts/all.mts',
  startedAt: Date.now() - 60_000,
}

/** A Lease of another run, renewed `renewedAgoMs` ago, lasting `durationMs`. */
function theirLease(opts: { renewedAgoMs?: number; durationMs?: number; holder?: Holder } = {}): KubeObject {
  return leaseObject({
    stackNamespace: 'monitoring',
    holder: opts.holder ?? otherRun,
    durationMs: opts.durationMs ?? 600_000,
    now: Date.now() - (opts.renewedAgoMs ?? 0),
  })
}

/** The one Lease of the stack, as the API server keeps it, with every verb asked of it. */
function leaseApi(initial?: KubeObject) {
  let rv = 100
  const stamp = (lease: KubeObject) => ({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++rv) } })
  const api = {
    lease: initial && stamp(initial),
    verbs: [] as string[],
    /** runs before a verb is answered: a test's other run acting in between */
    before: (_verb: string) => {},
    /** puts another run's Lease in place, as its own write would */
    write: (lease: KubeObject) => void (api.lease = stamp(lease)),
    answer(cmd: Command): ProcessOutput {
      const verb = ['create', 'replace', 'get', 'delete'].find((v) => cmd.argv.includes(v))!
      api.verbs.push(verb)
      api.before(verb)
      const sent = cmd.input ? JSON.parse(cmd.input) : undefined
      const notFound = anOutput(1, undefined, 'Error from server (NotFound): leases.coordination.k8s.io "x" not found')
      const conflict = anOutput(1, undefined, 'Error from server (Conflict): the object has been modified')
      switch (verb) {
        case 'create':
          if (api.lease) return anOutput(1, undefined, 'Error from server (AlreadyExists): "x" already exists')
          api.lease = stamp(sent)
          return anOutput(0, api.lease)
        case 'replace':
          if (!api.lease) return notFound
          // without a resourceVersion a replace is unconditional, as in the API server
          if (sent.metadata.resourceVersion && sent.metadata.resourceVersion !== api.lease.metadata.resourceVersion)
            return conflict
          api.lease = stamp(sent)
          return anOutput(0, api.lease)
        case 'delete':
          if (!api.lease) return notFound
          if (sent.preconditions.resourceVersion !== api.lease.metadata.resourceVersion) return conflict
          api.lease = undefined
          return anOutput(0)
        default:
          return api.lease ? anOutput(0, api.lease) : notFound
      }
    },
  }
  return api
}

function aRun(api: ReturnType<typeof leaseApi>, settings: { failIfBusy?: boolean; timeoutMs?: number } = {}) {
  const captured = captureLog()
  const ctx = createContext(aConfig({ leaseDurationMs: 300, timeoutMs: 60_000, ...settings }), captured.log)
  ctx.runner.probe = async (cmd) => api.answer(cmd)
  ctx.runner.once = async (cmd) => api.answer(cmd)
  return { ctx, said: () => captured.err() }
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > deadline) throw new Error(`never: ${what}`)
}

// withLease

const withLeaseTest = suite('withLease')

withLeaseTest('works: the Lease is created, held while the work runs, and deleted after it', async () => {
  const api = leaseApi()
  const { ctx, said } = aRun(api)
  const result = await withLease(ctx, async () => {
    assert.is(api.lease?.spec.holderIdentity, `${os.hostname()}/${process.pid}`)
    assert.is(api.lease?.metadata.annotations?.['monitoring-stack.workshop/holder-pid'], String(process.pid))
    return 'done'
  })
  assert.is(result, 'done')
  assert.is(api.lease, undefined)
  assert.equal(api.verbs, ['create', 'delete'])
  assert.is(said(), '')
})

withLeaseTest("released when the work fails, and the work's own error is the one thrown", async () => {
  const api = leaseApi()
  const failed = await withLease(aRun(api).ctx, async () => {
    throw new StepError('helm upgrade failed')
  }).catch((e) => e)
  assert.is(failed.message, 'helm upgrade failed')
  assert.is(api.lease, undefined)
})

withLeaseTest('renewed while the work runs: the renew time moves, and the newest version is deleted', async () => {
  const api = leaseApi()
  await withLease(aRun(api).ctx, async () => {
    const first = api.lease!.spec.renewTime
    await until('two renewals', () => api.verbs.filter((v) => v === 'replace').length >= 2)
    assert.ok(api.lease!.spec.renewTime > first, 'renewTime moved')
    assert.is(api.lease!.spec.acquireTime, first)
  })
  assert.is(api.lease, undefined, 'deleted at the version the last renewal wrote')
})

withLeaseTest('another run live, --fail-if-busy: refused at once naming it, its Lease untouched', async () => {
  const api = leaseApi(theirLease())
  const before = api.lease
  const { ctx } = aRun(api, { failIfBusy: true })
  const refused = await withLease(ctx, async () => assert.unreachable('the work ran')).catch((e) => e)
  assert.instance(refused, StepError)
  assert.match(
    refused.message,
    /another run is changing stack monitoring: `scripts\/all\.mts` \(pid 4242 on other-laptop/,
  )
  assert.match(refused.message, /nothing done/)
  assert.equal(api.lease, before)
  assert.equal(api.verbs, ['create', 'get'])
})

withLeaseTest('another run live: waits, saying who, and takes the lock once that run releases it', async () => {
  const api = leaseApi(theirLease())
  let gets = 0
  api.before = (verb) => {
    if (verb === 'get' && ++gets === 3) api.lease = undefined
  }
  const { ctx, said } = aRun(api)
  let ran = false
  await withLease(ctx, async () => {
    ran = true
  })
  assert.ok(ran)
  assert.match(
    said(),
    /another run is changing stack monitoring: `scripts\/all\.mts` \(pid 4242 .*waiting for it to end/,
  )
  assert.match(said(), /… Waiting ≤ 1m for the lock on stack monitoring\n(.*\n)*✓ lock on stack monitoring taken \(/)
  assert.not.match(said(), /took over/)
})

withLeaseTest('waits at most --timeout, then says who still holds it', async () => {
  const api = leaseApi(theirLease())
  const { ctx } = aRun(api, { timeoutMs: 200 })
  const failed = await withLease(ctx, async () => assert.unreachable('the work ran')).catch((e) => e)
  assert.instance(failed, StepError)
  assert.match(failed.message, /another run still holds the lock on stack monitoring after 1s: `scripts\/all\.mts`/)
})

withLeaseTest('an expired Lease is taken over: the version read is replaced, one more transition', async () => {
  const api = leaseApi(theirLease({ renewedAgoMs: 5000, durationMs: 1000 }))
  const { ctx, said } = aRun(api)
  await withLease(ctx, async () => {
    assert.is(api.lease!.spec.leaseTransitions, 1)
    assert.is(api.lease!.metadata.annotations?.['monitoring-stack.workshop/holder-pid'], String(process.pid))
  })
  assert.match(
    said(),
    /took over the lock on stack monitoring from `scripts\/all\.mts` \(pid 4242 .*its lease expired \d+s ago/,
  )
  assert.not.match(said(), /waiting/)
})

withLeaseTest('two runs taking over one expired Lease: the one whose replace is refused looks again', async () => {
  const api = leaseApi(theirLease({ renewedAgoMs: 5000, durationMs: 1000 }))
  // a third run replaces the expired Lease between our read and our replace
  api.before = (verb) => {
    if (verb === 'replace' && api.lease?.spec.holderIdentity === 'other-laptop/4242')
      api.write(theirLease({ holder: { ...otherRun, pid: 777 } }))
  }
  const refused = await withLease(aRun(api, { failIfBusy: true }).ctx, async () => assert.unreachable()).catch((e) => e)
  assert.match(refused.message, /\(pid 777 on other-laptop/)
  assert.is(api.lease!.spec.holderIdentity, 'other-laptop/777')
})

withLeaseTest('a Lease of that name without our mark is never taken over', async () => {
  const foreign = theirLease({ renewedAgoMs: 5000, durationMs: 1000 })
  const api = leaseApi({ ...foreign, metadata: { ...foreign.metadata, labels: {} } })
  const refused = await withLease(aRun(api).ctx, async () => assert.unreachable()).catch((e) => e)
  assert.match(
    refused.message,
    /lease default\/monitoring-stack-lock-monitoring exists but was not made by these scripts/,
  )
  assert.equal(api.verbs, ['create', 'get'])
})

withLeaseTest('a run whose lock was taken over says so, and leaves the new holder its Lease', async () => {
  const api = leaseApi()
  const { ctx, said } = aRun(api)
  await withLease(ctx, async () => {
    api.write(theirLease())
    await until('the renewal to fail', () => /lost its lock/.test(said()))
  })
  assert.match(said(), /this run lost its lock on stack monitoring \(.*\): another run may now change the stack/)
  assert.is(api.lease!.spec.holderIdentity, 'other-laptop/4242')
  assert.not.ok(api.verbs.includes('delete'), 'deleted a Lease it no longer held')
})

withLeaseTest('a release that fails is said, never thrown over the run', async () => {
  const api = leaseApi()
  const { ctx, said } = aRun(api)
  const answer = api.answer
  api.answer = (cmd) =>
    cmd.argv.includes('delete') ? anOutput(1, undefined, 'Unable to connect to the server') : answer(cmd)
  assert.is(await withLease(ctx, async () => 'done'), 'done')
  assert.match(said(), /could not release the lock on stack monitoring \(Unable to connect to the server\)/)
})

withLeaseTest('a release whose call throws (the API server gone) is said too', async () => {
  const api = leaseApi()
  const { ctx, said } = aRun(api)
  ctx.runner.probe = async (cmd) => {
    if (!cmd.argv.includes('delete')) return api.answer(cmd)
    throw new StepError('the API server 127.0.0.1:6443 stopped answering at 10:00:00 and has not answered for 1m')
  }
  assert.is(await withLease(ctx, async () => 'done'), 'done')
  assert.match(said(), /could not release the lock on stack monitoring \(Error: the API server \S+ stopped answering/)
})

withLeaseTest('no right to create a Lease: the step fails saying which right is missing', async () => {
  const api = leaseApi()
  const { ctx } = aRun(api)
  ctx.runner.probe = async () =>
    anOutput(1, undefined, 'Error from server (Forbidden): leases.coordination.k8s.io is forbidden: User "me" cannot')
  const failed = await withLease(ctx, async () => assert.unreachable()).catch((e) => e)
  assert.match(failed.message, /could not take the lock on this stack: kubectl create -f failed: .*Forbidden/)
  assert.match(failed.details.hint, /get, create, update and delete leases\.coordination\.k8s\.io there/)
})

withLeaseTest.run()

// noteLiveLock

const noteTest = suite('noteLiveLock')

noteTest('works: another run holds the lock → said, nothing written', async () => {
  const api = leaseApi(theirLease())
  const { ctx, said } = aRun(api)
  await noteLiveLock(ctx)
  assert.match(said(), /`scripts\/all\.mts` \(pid 4242 on other-laptop, started 1m\d*s? ago\) is changing this stack/)
  assert.equal(api.verbs, ['get'])
})

noteTest('no lock, or an expired one → nothing said', async () => {
  for (const api of [leaseApi(), leaseApi(theirLease({ renewedAgoMs: 5000, durationMs: 1000 }))]) {
    const { ctx, said } = aRun(api)
    await noteLiveLock(ctx)
    assert.is(said(), '')
  }
})

noteTest('a Lease that cannot be read never fails a read-only run', async () => {
  const { ctx, said } = aRun(leaseApi())
  ctx.runner.probe = async () => {
    throw new StepError('the API server stopped answering')
  }
  await noteLiveLock(ctx)
  assert.is(said(), '')
})

noteTest('interrupted while it reads the lock: the interruption goes on to the frame, unsaid here', async () => {
  const { ctx, said } = aRun(leaseApi())
  ctx.runner.probe = async () => {
    throw new InterruptedError('not started, the run was interrupted (SIGINT)')
  }
  const stopped = await noteLiveLock(ctx).catch((e) => e)
  assert.instance(stopped, InterruptedError)
  assert.is(said(), '')
})

noteTest.run()

// releaseInterrupted

const interruptedTest = suite('releaseInterrupted')

/** A run interrupted while it holds the lock: from then on its runner refuses every command, as after a signal. */
async function interruptedRun(api: ReturnType<typeof leaseApi>) {
  const run = aRun(api)
  const interrupted = () => {
    throw new InterruptedError('not started, the run was interrupted (SIGINT)')
  }
  const ended = await withLease(run.ctx, async () => {
    run.ctx.runner.probe = async () => interrupted()
    run.ctx.runner.once = async () => interrupted()
    interrupted()
  }).catch((e) => e)
  assert.instance(ended, InterruptedError)
  return run
}

interruptedTest('works: the lock an interrupted run still holds is deleted through the runner given', async () => {
  const api = leaseApi()
  const { ctx, said } = await interruptedRun(api)
  assert.ok(api.lease, 'the run itself could not release it')
  await releaseInterrupted(ctx, { once: async (cmd) => api.answer(cmd) })
  assert.is(api.lease, undefined)
  assert.equal(api.verbs, ['create', 'delete'])
  assert.is(said(), '')
})

interruptedTest('the delete is bounded: an API server that hangs does not hold the exit', async () => {
  const api = leaseApi()
  const { ctx } = await interruptedRun(api)
  const bounds: (number | undefined)[] = []
  await releaseInterrupted(ctx, {
    once: async (cmd) => {
      bounds.push(cmd.timeoutMs)
      return api.answer(cmd)
    },
  })
  assert.equal(bounds, [5000])
})

interruptedTest('a lock the run released itself, or never took, is not touched again', async () => {
  const api = leaseApi()
  const { ctx } = aRun(api)
  const asked: string[] = []
  const runner = {
    once: async (cmd: Command) => {
      asked.push(cmd.argv.join(' '))
      return api.answer(cmd)
    },
  }
  await releaseInterrupted(ctx, runner)
  await withLease(ctx, async () => 'done')
  await releaseInterrupted(ctx, runner)
  assert.equal(asked, [])
  assert.equal(api.verbs, ['create', 'delete'])
})

interruptedTest.run()
