import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ensureNamespace, requireNamespace } from '../../lib/steps/namespaces.ts'
import { createContext } from '../../lib/steps/context.ts'
import { aConfig, anOutput, captureLog } from './builders.ts'

/** A context whose runner answers `kubectl get namespace <name>` from `existing`, and records every command. */
function ctxWithNamespaces(existing: string[]) {
  const ctx = createContext(aConfig(), captureLog().log)
  const asked: string[] = []
  ctx.runner.probe = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    const name = cmd.argv[cmd.argv.indexOf('namespace') + 1]
    return existing.includes(name)
      ? anOutput(0, { metadata: { name }, status: { phase: 'Active' } })
      : anOutput(1, undefined, `Error from server (NotFound): namespaces "${name}" not found`)
  }
  ctx.runner.change = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    return anOutput(0)
  }
  return { ctx, asked }
}

// requireNamespace

const requireNamespaceTest = suite('requireNamespace')

requireNamespaceTest('works: an existing namespace passes, after one get', async () => {
  const { ctx, asked } = ctxWithNamespaces(['monitoring'])
  await requireNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json'])
})

requireNamespaceTest('a missing one: "run 01 first"', async () => {
  const { ctx } = ctxWithNamespaces([])
  const error = await requireNamespace(ctx, 'monitoring').then(
    () => undefined,
    (e: Error & { details?: { hint?: string } }) => e,
  )
  assert.match(error?.message ?? 'resolved', /namespace monitoring does not exist/)
  assert.match(error?.details?.hint ?? '', /run scripts\/01-namespace.mts first/)
})

requireNamespaceTest.run()

// ensureNamespace

const ensureNamespaceTest = suite('ensureNamespace')

ensureNamespaceTest('works: a missing namespace is created', async () => {
  const { ctx, asked } = ctxWithNamespaces([])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json', 'kubectl create namespace monitoring'])
})

ensureNamespaceTest('an existing one is left as it is', async () => {
  const { ctx, asked } = ctxWithNamespaces(['monitoring'])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json'])
  assert.equal(ctx.outcomes, [{ name: 'namespace/monitoring', action: 'exists', detail: 'left as it is' }])
})

ensureNamespaceTest.run()
