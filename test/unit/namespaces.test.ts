import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { YAML } from 'zx'
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
  const inputs: string[] = []
  ctx.runner.change = async (cmd) => {
    asked.push(cmd.argv.join(' '))
    if (cmd.input) inputs.push(cmd.input)
    return anOutput(0)
  }
  return { ctx, asked, inputs }
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

ensureNamespaceTest('works: a missing namespace is created, with our mark from the start', async () => {
  const { ctx, asked, inputs } = ctxWithNamespaces([])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json', 'kubectl create -f -'])
  assert.equal(YAML.parse(inputs[0]), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'monitoring', labels: { 'app.kubernetes.io/managed-by': 'monitoring-stack.workshop' } },
  })
})

ensureNamespaceTest('an existing one is left as it is: never marked ours', async () => {
  const { ctx, asked } = ctxWithNamespaces(['monitoring'])
  await ensureNamespace(ctx, 'monitoring')
  assert.equal(asked, ['kubectl get namespace monitoring -o json'])
  assert.equal(ctx.outcomes, [{ name: 'namespace/monitoring', action: 'exists', detail: 'left as it is' }])
})

ensureNamespaceTest.run()
