// Seed §1's first check, before every script: kubectl and helm found, the context chosen and printed,
// the cluster answering. Everything here fails with an EnvironmentError (exit 2) before any change.
import { EnvironmentError } from '../core/errors.ts'
import { bundled, bundledToolsOffered } from '../tools/bundled.ts'
import { lastLine } from '../tools/exec.ts'
import { parseHelmVersion, type HelmMajor } from '../tools/helm.ts'
import { readClusterCmd } from '../tools/cluster.ts'
import { readKubeconfig, type KubeconfigView } from '../tools/kubeconfig.ts'
import { adaptationLines, noteCluster, readClusterAnswer } from './cluster.ts'
import type { FirstAnswers } from './reach.ts'
import type { Context } from '../steps/context.ts'
import type { Config } from '../core/config.ts'
import { say } from '../core/text.ts'

/** What a person without a cluster can do instead, said wherever the cluster is missing. */
const WITHOUT_A_CLUSTER = say({
  en: 'To try without a cluster: `npm run demo` runs everything on a simulated one, and --dry-run prints the commands.',
  ko: `클러스터 없이 해 보려면: \`npm run demo\`는 모든 것을 시뮬레이션 클러스터에서 \
실행하고, --dry-run은 명령을 출력합니다.`,
})
const EMPTY_CLUSTER = say({
  en: 'nothing is changed, and the commands assume an empty cluster',
  ko: '아무것도 바꾸지 않으며, 명령은 빈 클러스터를 가정합니다',
})

/**
 * Tools found (with versions), the context chosen and printed, the cluster reachable within 5 s.
 * Offline (a dry run, an export) the cluster is not asked, and a missing tool is only a warning.
 * It goes on from `first`, what askServerFirst found and started (the script's frame asks before this
 * module loads). `configure` gives the whole config (ctx's has no values files read yet): it is called
 * once the server's version has been asked, so that its start waits for no file, and its UsageError
 * ends it.
 */
export async function preflight(
  ctx: Context,
  opts: { offline: boolean; first: FirstAnswers; configure?: () => Config },
): Promise<void> {
  const { log } = ctx
  const { offline } = opts
  const { kubectlPath, helmPath, serverVersion } = opts.first
  const offered = bundledToolsOffered()
  const missing = [!kubectlPath && missingTool('kubectl', offered), !helmPath && missingTool('helm', offered)].filter(
    (e): e is EnvironmentError => Boolean(e),
  )
  if (opts.configure) await configureDuring(ctx, opts.configure, serverVersion)
  if (missing.length && !offline) throw missing[0]
  if (missing.length) {
    for (const e of missing)
      log.warn(
        say({
          en: `${e.message} — not needed to print the commands, needed to run them`,
          ko: `${e.message}: 명령을 출력하는 데는 필요 없지만 실행하려면 필요합니다`,
        }),
      )
    log.info(say({ en: `Target: unknown — ${EMPTY_CLUSTER}`, ko: `대상: 알 수 없음. ${EMPTY_CLUSTER}` }))
    return
  }
  const view = readKubeconfig()
  const [version, helmVersion, nodes] = await finishRound(ctx, serverVersion)
  // kubectl says its own version with the server's, unless it failed before asking (an unknown context)
  const clientVersion = (out: { stdout: string } | undefined) => safeJson(out?.stdout ?? '')?.clientVersion?.gitVersion
  const client =
    clientVersion(version) ??
    clientVersion(
      await ctx.runner.probe({ argv: ['kubectl', 'version', '--client', '-o', 'json'], timeoutMs: 5000 }),
    ) ??
    say({ en: 'unknown version', ko: '버전 모름' })
  const helm = parseHelmVersion(helmVersion.stdout + helmVersion.stderr)
  if (!helm || helm.major < 3)
    throw new EnvironmentError(
      say({
        en: `helm at ${helmPath} is ${helm?.version ?? 'too old or broken'}; helm 3 or 4 is needed`,
        ko: `${helmPath}의 helm은 ${helm?.version ?? '너무 오래되었거나 망가진 것'}입니다. helm 3 \
또는 4가 필요합니다`,
      }),
      say({
        en: 'install helm 3 or 4: https://helm.sh/docs/intro/install/ (helm 2 and its Tiller are not supported)',
        ko: `helm 3 또는 4를 설치하세요: https://helm.sh/docs/intro/install/ (helm 2와 Tiller는 \
지원하지 않음)`,
      }),
    )
  ctx.helmMajor = (helm.major >= 4 ? 4 : 3) as HelmMajor
  log.info(
    `${log.c.dim('kubectl')} ${client} ${log.c.dim(`(${kubectlPath})`)}  ` +
      `${log.c.dim('helm')} ${helm.version} ${log.c.dim(`(${helmPath})`)}`,
  )

  const context = resolveContext(ctx, view, offline)
  if (!version) {
    const named = log.c.bold(context ?? say({ en: '(none)', ko: '(없음)' }))
    log.info(
      say({
        en: `Target: context ${named} — ${EMPTY_CLUSTER}`,
        ko: `대상: 컨텍스트 ${named}. ${EMPTY_CLUSTER}`,
      }),
    )
    for (const line of adaptationLines(ctx)) log.info(line)
    return
  }
  const server = safeJson(version.stdout)?.serverVersion?.gitVersion
  if (version.exitCode !== 0 || !server) throw unreachable(context, lastLine(version.stderr))
  ctx.server = serverUrl(view, context)
  const url = ctx.server ?? say({ en: 'unknown server', ko: '서버 모름' })
  log.info(
    say({
      en: `Target: context ${log.c.bold(context)} (${url}), Kubernetes ${server}`,
      ko: `대상: 컨텍스트 ${log.c.bold(context)} (${url}), Kubernetes ${server}`,
    }),
  )
  noteCluster(ctx, nodes && readClusterAnswer(ctx, nodes))
}

/**
 * The rest of the preflight's round of processes, once the server's version has started (not
 * asked offline; it also carries kubectl's own version, so kubectl starts once for both). That one
 * starts alone and first, as its answer takes longest: each Go binary's start takes a core for
 * ~35 ms, and two more starting beside it delayed the server's answer by half on a 2-core machine.
 * The script reads its files meanwhile: the values, and the kubeconfig (lib/tools/kubeconfig.ts;
 * no `kubectl config view`, one binary less). Then these two start side by side: helm's version,
 * and the nodes and StorageClasses (what the cluster is costs no extra wait).
 * The server's answer is judged only after the context checks, so their errors still come first.
 */
function finishRound(ctx: Context, serverVersion: FirstAnswers['serverVersion']) {
  return Promise.all([
    serverVersion,
    ctx.runner.probe({ argv: ['helm', 'version', '--short'], timeoutMs: 5000 }),
    serverVersion && ctx.runner.once({ ...readClusterCmd(ctx.target), timeoutMs: 5000, unobserved: true }),
  ])
}

/** The whole config, built while the server is asked; a values file at fault ends that before it is thrown. */
async function configureDuring(ctx: Context, configure: () => Config, round: Promise<unknown> | undefined) {
  try {
    ctx.config = configure()
  } catch (error) {
    ctx.runner.kill()
    await round
    throw error
  }
}

/**
 * kubectl or helm not on PATH: where the bundled ones run (Linux x64, brought by npm install), the
 * setting that uses them; everywhere, where to install the tool.
 */
export function missingTool(tool: 'kubectl' | 'helm', bundledOffered: boolean): EnvironmentError {
  const install =
    tool === 'kubectl'
      ? say({
          en: 'install it: https://kubernetes.io/docs/tasks/tools/ (minikube users can also use `minikube kubectl --`)',
          ko: `설치하세요: https://kubernetes.io/docs/tasks/tools/ \
(minikube 사용자는 \`minikube kubectl --\`도 됩니다)`,
        })
      : say({
          en: 'install helm 3 or 4: https://helm.sh/docs/intro/install/',
          ko: 'helm 3 또는 4를 설치하세요: https://helm.sh/docs/intro/install/',
        })
  const bundledHint = say({
    en:
      `npm install brought ${bundled.tools.en} for Linux x64: add --use-bundled-tools ` +
      `(or set STACK_USE_BUNDLED_TOOLS=1) to use them; or ${install}`,
    ko:
      `npm install이 Linux x64용 ${bundled.tools.ko}를 가져왔습니다:` +
      ` 그것을 쓰려면 --use-bundled-tools(또는 STACK_USE_BUNDLED_TOOLS=1)를 주세요. 아니면 ${install}`,
  })
  return new EnvironmentError(
    say({ en: `${tool} was not found on PATH`, ko: `PATH에 ${tool} 명령이 없습니다` }),
    bundledOffered ? bundledHint : install,
  )
}

function resolveContext(ctx: Context, view: KubeconfigView, offline: boolean): string | undefined {
  const contexts = (view.contexts ?? []).map((c) => c.name)
  if (ctx.config.context) {
    if (contexts.includes(ctx.config.context)) return ctx.config.context
    if (offline) return ctx.config.context
    throw new EnvironmentError(
      say({
        en: `context "${ctx.config.context}" is not in your kubeconfig`,
        ko: `컨텍스트 "${ctx.config.context}"가 kubeconfig에 없습니다`,
      }),
      say({
        en: `known contexts: ${contexts.join(', ') || 'none'}; pick one with --context or STACK_CONTEXT`,
        ko: `있는 컨텍스트: ${contexts.join(', ') || '없음'}. --context나 STACK_CONTEXT로 고르세요`,
      }),
    )
  }
  const current = view['current-context']
  if (current) return current
  if (offline) return undefined
  throw noCurrentContext(contexts)
}

const CREATE = 'kind create cluster, minikube start, k3d cluster create'

/** No context chosen: the one to choose, or (none at all) how to get a cluster, or to try without one. */
export function noCurrentContext(contexts: string[]): EnvironmentError {
  return new EnvironmentError(
    say({
      en: 'kubectl has no current context (no kubeconfig, or none selected)',
      ko: 'kubectl에 현재 컨텍스트가 없습니다 (kubeconfig가 없거나 선택되지 않음)',
    }),
    contexts.length
      ? say({
          en: `choose one: kubectl config use-context ${contexts[0]} (or --context ${contexts[0]})`,
          ko: `하나를 고르세요: kubectl config use-context ${contexts[0]} (또는 --context ${contexts[0]})`,
        })
      : say({
          en: `create a cluster first (${CREATE}) or set KUBECONFIG. ${WITHOUT_A_CLUSTER}`,
          ko: `먼저 클러스터를 만들거나(${CREATE}) KUBECONFIG를 설정하세요. ${WITHOUT_A_CLUSTER}`,
        }),
  )
}

/** The context's cluster did not answer: what to start, and how to try without a cluster. */
export function unreachable(context: string | undefined, stderrLine: string): EnvironmentError {
  const silent = '4초 안에 응답 없음'
  return new EnvironmentError(
    say({
      en: `the cluster of context "${context}" is not reachable: ${stderrLine || 'no answer within 4s'}`,
      ko: `컨텍스트 "${context}"의 클러스터에 닿지 않습니다: ${stderrLine || silent}`,
    }),
    say({
      en:
        `start the cluster (${CREATE}) or pick another with --context; ` +
        `\`kubectl cluster-info\` shows what kubectl is talking to. ${WITHOUT_A_CLUSTER}`,
      ko:
        `클러스터를 시작하거나(${CREATE}) --context로 다른 것을 고르세요.` +
        ` \`kubectl cluster-info\`로 kubectl이 어디와 통신하는지 볼 수 있습니다. ${WITHOUT_A_CLUSTER}`,
    }),
  )
}

function serverUrl(view: KubeconfigView, context: string | undefined): string | undefined {
  const cluster = view.contexts?.find((c) => c.name === context)?.context?.cluster
  return view.clusters?.find((c) => c.name === cluster)?.cluster?.server
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
