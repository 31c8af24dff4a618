// Seed §1: the preflight (tools, context, cluster) and the namespaces. Everything here fails
// with an EnvironmentError (exit 2) before anything in the cluster is changed.
import { which } from 'zx'
import { EnvironmentError, StepError } from './errors.ts'
import { isTransient, lastLine } from './exec.ts'
import { parseHelmVersion, type HelmMajor } from './helm.ts'
import { createNamespaceCmd, getObject, versionCmd } from './kubectl.ts'
import type { Context } from './main.ts'

/** What a person without a cluster can do instead, said wherever the cluster is missing. */
const WITHOUT_A_CLUSTER =
  'To try without a cluster: `npm run demo` runs everything on a simulated one, and --dry-run prints the commands.'

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
  // One round of processes, side by side: each is a Go binary's start-up (~50–100 ms). The server's
  // version (not asked in a dry run) also carries kubectl's own, so kubectl starts once for both;
  // it is judged only after the context checks, so their errors still come first.
  const [helmVersion, kubeconfig, version] = await Promise.all([
    ctx.runner.probe({ argv: ['helm', 'version', '--short'], timeoutMs: 5000 }),
    ctx.runner.probe({ argv: ['kubectl', 'config', 'view', '-o', 'json'], timeoutMs: 5000 }),
    config.dryRun ? undefined : reachServer(ctx),
  ])
  const kubectlVersion = version ??
    await ctx.runner.probe({ argv: ['kubectl', 'version', '--client', '-o', 'json'], timeoutMs: 5000 })
  const helm = parseHelmVersion(helmVersion.stdout + helmVersion.stderr)
  if (!helm || helm.major < 3) throw new EnvironmentError(`helm at ${helmPath} is ${helm?.version ?? 'too old or broken'}; helm 3 or 4 is needed`, 'install helm 3 or 4: https://helm.sh/docs/intro/install/ (helm 2 and its Tiller are not supported)')
  ctx.helmMajor = (helm.major >= 4 ? 4 : 3) as HelmMajor
  const client = safeJson(kubectlVersion.stdout)?.clientVersion?.gitVersion ?? 'unknown version'
  log.info(`${log.c.dim('kubectl')} ${client} ${log.c.dim(`(${kubectlPath})`)}  ${log.c.dim('helm')} ${helm.version} ${log.c.dim(`(${helmPath})`)}`)

  const view: KubeconfigView = safeJson(kubeconfig.stdout) ?? {}
  const context = resolveContext(ctx, view)
  if (!version) {
    log.info(`Target: context ${log.c.bold(context ?? '(none)')} — dry run: nothing is changed, and the cluster is assumed empty`)
    return
  }
  const server = safeJson(version.stdout)?.serverVersion?.gitVersion
  if (version.exitCode !== 0 || !server) {
    throw new EnvironmentError(`the cluster of context "${context}" is not reachable: ${lastLine(version.stderr) || 'no answer within 4s'}`,
      'start the cluster (kind create cluster, minikube start, k3d cluster create) or pick another with --context; ' +
      `\`kubectl cluster-info\` shows what kubectl is talking to. ${WITHOUT_A_CLUSTER}`)
  }
  log.info(`Target: context ${log.c.bold(context)} (${serverUrl(view, context) ?? 'unknown server'}), Kubernetes ${server}`)
}

/**
 * One try within kubectl's 4 s request timeout: a server that does not answer is unreachable, and
 * the user hears so at once. One that answers with a stumble (500, 429) is tried again.
 */
async function reachServer(ctx: Context) {
  const once = await ctx.runner.once(versionCmd(ctx.target))
  const answered = once.exitCode !== 0 && isTransient(once.stderr) && !/i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout/i.test(once.stderr)
  return answered ? ctx.runner.probe(versionCmd(ctx.target)) : once
}

/** What `kubectl config view -o json` shows of the (merged) kubeconfig. */
interface KubeconfigView {
  'current-context'?: string
  contexts?: { name: string; context?: { cluster?: string } }[]
  clusters?: { name: string; cluster?: { server?: string } }[]
}

function resolveContext(ctx: Context, view: KubeconfigView): string | undefined {
  const contexts = (view.contexts ?? []).map((c) => c.name)
  if (ctx.config.context) {
    if (contexts.includes(ctx.config.context)) return ctx.config.context
    if (ctx.config.dryRun) return ctx.config.context
    throw new EnvironmentError(`context "${ctx.config.context}" is not in your kubeconfig`, `known contexts: ${contexts.join(', ') || 'none'}; pick one with --context or STACK_CONTEXT`)
  }
  const current = view['current-context']
  if (current) return current
  if (ctx.config.dryRun) return undefined
  throw new EnvironmentError('kubectl has no current context (no kubeconfig, or none selected)',
    contexts.length
      ? `choose one: kubectl config use-context ${contexts[0]} (or --context ${contexts[0]})`
      : `create a cluster first (kind create cluster, minikube start, k3d cluster create) or set KUBECONFIG. ` +
        WITHOUT_A_CLUSTER)
}

function serverUrl(view: KubeconfigView, context: string | undefined): string | undefined {
  const cluster = view.contexts?.find((c) => c.name === context)?.context?.cluster
  return view.clusters?.find((c) => c.name === cluster)?.cluster?.server
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
  } else {
    await ctx.runner.change(cmd)
    ctx.outcomes.push({ name: `namespace/${name}`, action: 'created', detail: '' })
    ctx.log.ok(`namespace ${name} created`)
  }
  ctx.namespacesReady.add(name)
}

/** A step that installs into a namespace checks it is there: 01 creates it, and says so if run first. */
export async function requireNamespace(ctx: Context, name: string): Promise<void> {
  // in all.mts, 01 has just found or created it
  if (ctx.config.dryRun || ctx.namespacesReady.has(name)) return
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (!ns) throw new StepError(`namespace ${name} does not exist (nothing was changed)`, { hint: 'run scripts/01-namespace.mts first (npx zx scripts/01-namespace.mts): it creates it' })
  if (ns.status?.phase === 'Terminating') throw new StepError(`namespace ${name} is being deleted (Terminating)`, { hint: `wait until it is gone (kubectl get ns ${name} -w), then run scripts/01-namespace.mts and this script again` })
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
