// Seed §1: the preflight (tools, context, cluster) and the namespaces. Everything here fails
// with an EnvironmentError (exit 2) before anything in the cluster is changed.
import { which } from 'zx'
import { EnvironmentError, StepError } from './errors.ts'
import { lastLine } from './exec.ts'
import { parseHelmVersion, type HelmMajor } from './helm.ts'
import { createNamespaceCmd, getObject, kubectl, versionCmd } from './kubectl.ts'
import type { Context } from './main.ts'

/** Tools found (with versions), the context chosen and printed, the cluster reachable within 5 s. */
export async function preflight(ctx: Context): Promise<void> {
  const { log, config } = ctx
  const [kubectlPath, helmPath] = await Promise.all([which('kubectl', { nothrow: true }), which('helm', { nothrow: true })])
  const missing = [
    !kubectlPath && new EnvironmentError('kubectl was not found on PATH', 'install it: https://kubernetes.io/docs/tasks/tools/ (minikube users can also use `minikube kubectl --`)'),
    !helmPath && new EnvironmentError('helm was not found on PATH', 'install helm 3 or 4: https://helm.sh/docs/intro/install/'),
  ].filter((e): e is EnvironmentError => Boolean(e))
  if (missing.length && !config.dryRun) throw missing[0]
  if (missing.length) {
    for (const e of missing) log.warn(`${e.message} — fine for a dry run, needed for the real one`)
    log.info('Target: unknown — dry run: nothing is changed, and the cluster is assumed empty')
    return
  }
  const [kubectlVersion, helmVersion] = await Promise.all([
    ctx.runner.probe({ argv: ['kubectl', 'version', '--client', '-o', 'json'], timeoutMs: 5000 }),
    ctx.runner.probe({ argv: ['helm', 'version', '--short'], timeoutMs: 5000 }),
  ])
  const helm = parseHelmVersion(helmVersion.stdout + helmVersion.stderr)
  if (!helm || helm.major < 3) throw new EnvironmentError(`helm at ${helmPath} is ${helm?.version ?? 'too old or broken'}; helm 3 or 4 is needed`, 'install helm 3 or 4: https://helm.sh/docs/intro/install/ (helm 2 and its Tiller are not supported)')
  ctx.helmMajor = (helm.major >= 4 ? 4 : 3) as HelmMajor
  const client = safeJson(kubectlVersion.stdout)?.clientVersion?.gitVersion ?? 'unknown version'
  log.info(`${log.c.dim('kubectl')} ${client} ${log.c.dim(`(${kubectlPath})`)}  ${log.c.dim('helm')} ${helm.version} ${log.c.dim(`(${helmPath})`)}`)

  const context = await resolveContext(ctx)
  if (config.dryRun) {
    log.info(`Target: context ${log.c.bold(context ?? '(none)')} — dry run: nothing is changed, and the cluster is assumed empty`)
    return
  }
  const version = await ctx.runner.probe(versionCmd(ctx.target))
  const server = safeJson(version.stdout)?.serverVersion?.gitVersion
  if (version.exitCode !== 0 || !server) {
    throw new EnvironmentError(`the cluster of context "${context}" is not reachable: ${lastLine(version.stderr) || 'no answer within 5s'}`,
      'start the cluster (kind create cluster, minikube start, k3d cluster create) or pick another with --context; `kubectl cluster-info` shows what kubectl is talking to')
  }
  log.info(`Target: context ${log.c.bold(context)} (${await serverUrl(ctx)}), Kubernetes ${server}`)
}

async function resolveContext(ctx: Context): Promise<string | undefined> {
  const names = await ctx.runner.probe({ argv: ['kubectl', 'config', 'get-contexts', '-o', 'name'], timeoutMs: 5000 })
  const contexts = names.stdout.split('\n').map((s) => s.trim()).filter(Boolean)
  if (ctx.config.context) {
    if (contexts.includes(ctx.config.context)) return ctx.config.context
    if (ctx.config.dryRun) return ctx.config.context
    throw new EnvironmentError(`context "${ctx.config.context}" is not in your kubeconfig`, `known contexts: ${contexts.join(', ') || 'none'}; pick one with --context or STACK_CONTEXT`)
  }
  const current = await ctx.runner.probe({ argv: ['kubectl', 'config', 'current-context'], timeoutMs: 5000 })
  if (current.exitCode === 0 && current.stdout.trim()) return current.stdout.trim()
  if (ctx.config.dryRun) return undefined
  throw new EnvironmentError('kubectl has no current context (no kubeconfig, or none selected)',
    contexts.length ? `choose one: kubectl config use-context ${contexts[0]} (or --context ${contexts[0]})` : 'create a cluster first (kind create cluster, minikube start, k3d cluster create) or set KUBECONFIG')
}

async function serverUrl(ctx: Context): Promise<string> {
  const view = await ctx.runner.probe({ ...kubectl(ctx.target, 'config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'), timeoutMs: 5000 })
  return view.stdout.trim() || 'unknown server'
}

/** seed §1 `kubectl get ns ticketing`: missing is a warning, or an error with --require-app. */
export async function checkAppNamespace(ctx: Context): Promise<void> {
  const name = ctx.config.appNamespace
  if (ctx.config.dryRun) return
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns) {
    ctx.log.ok(`namespace ${name} exists (the workshop app)`)
    return
  }
  const message = `namespace ${name} not found: the workshop app is not deployed yet (section 04, 04-app-deploy.md)`
  if (ctx.config.requireApp) throw new StepError(message, { hint: 'deploy the app first (workshop section 04), or run without --require-app to install the monitoring stack anyway' })
  ctx.log.warn(`${message}. The monitoring stack does not need it; section 06 does.`)
}

/** seed §1 `kubectl create ns monitoring`, idempotent: an existing namespace is left as it is. */
export async function ensureNamespace(ctx: Context, name: string): Promise<void> {
  const cmd = createNamespaceCmd(ctx.target, name)
  if (ctx.config.dryRun) {
    await ctx.runner.change(cmd)
    return
  }
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns?.status?.phase === 'Terminating') {
    throw new StepError(`namespace ${name} is being deleted (Terminating)`, { hint: `wait until it is gone (kubectl get ns ${name} -w), then run again` })
  }
  if (ns) {
    ctx.outcomes.push({ name: `namespace/${name}`, action: 'exists', detail: 'left as it is' })
    ctx.log.ok(`namespace ${name} exists`)
    return
  }
  await ctx.runner.change(cmd)
  ctx.outcomes.push({ name: `namespace/${name}`, action: 'created', detail: '' })
  ctx.log.ok(`namespace ${name} created`)
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
