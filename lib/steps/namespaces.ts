// Seed §1: the app's namespace checked, the stack's namespace created with our mark, and a step
// that installs into a namespace checking that it is there. Teardown's side: a namespace goes only
// when it is ours to delete and holds nothing else (ownership.ts says what is ours).
import { StepError } from '../core/errors.ts'
import { say } from '../core/text.ts'
import type { Config } from '../core/config.ts'
import { MANAGED_BY_LABEL } from '../core/stack.ts'
import type { Command } from '../tools/exec.ts'
import { createNamespaceCmd, getObject, kubectl, type KubeObject, type Target } from '../tools/kubectl.ts'
import { accountedFor, describeObjects, foreignObjects, listableResources, type Ours, someOf } from './ownership.ts'
import type { Context } from './context.ts'

/** seed §1 `kubectl get ns ticketing`: missing is a warning, or an error with --require-app. */
export async function checkAppNamespace(ctx: Context): Promise<void> {
  const name = ctx.config.appNamespace
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns) {
    ctx.log.ok(
      say({
        en: `namespace ${name} exists (the workshop app)`,
        ko: `네임스페이스 ${name} 있음 (워크숍 앱)`,
      }),
    )
    return
  }
  const message = say({
    en: `namespace ${name} not found: the workshop app is not deployed yet (section 04, 04-app-deploy.md)`,
    ko: `${name} 네임스페이스가 없습니다: 워크숍 앱이 아직 배포되지 않았습니다 (04장)`,
  })
  if (ctx.config.requireApp)
    throw new StepError(message, {
      hint: say({
        en:
          'deploy the app first (workshop section 04),' +
          ' or run without --require-app to install the monitoring stack anyway',
        ko: '먼저 앱을 배포하거나(04장), 앱 없이 설치하려면 --require-app 없이 실행하세요',
      }),
    })
  ctx.log.warn(
    say({
      en: `${message}. The monitoring stack does not need it; section 06 does.`,
      ko: `${message}. 모니터링 스택에는 필요 없지만 06장에는 필요합니다.`,
    }),
  )
}

/** seed §1 `kubectl create ns monitoring`, with our mark, idempotent: an existing namespace is left as it is. */
export async function ensureNamespace(ctx: Context, name: string): Promise<void> {
  const cmd = createOwnNamespaceCmd(ctx.target, name)
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (ns?.status?.phase === 'Terminating') {
    throw new StepError(terminating(name), {
      hint: say({
        en: `wait until it is gone (kubectl get ns ${name} -w), then run again`,
        ko: `없어질 때까지 기다린 뒤(kubectl get ns ${name} -w) 다시 실행하세요`,
      }),
    })
  }
  if (ns) {
    ctx.outcomes.push({
      name: `namespace/${name}`,
      action: 'exists',
      detail: say({ en: 'left as it is', ko: '그대로 둠' }),
    })
    ctx.log.ok(say({ en: `namespace ${name} exists`, ko: `네임스페이스 ${name} 있음` }))
  } else {
    await ctx.runner.change(cmd)
    ctx.outcomes.push({ name: `namespace/${name}`, action: 'created', detail: '' })
    ctx.log.ok(say({ en: `namespace ${name} created`, ko: `네임스페이스 ${name} 생성됨` }))
  }
}

/** `kubectl create namespace` with our mark on it. */
export function createOwnNamespaceCmd(target: Target, name: string): Command {
  return createNamespaceCmd(target, name, { [MANAGED_BY_LABEL.key]: MANAGED_BY_LABEL.value })
}

/** A step that installs into a namespace checks it is there: 01 creates it, and says so if run first. */
export async function requireNamespace(ctx: Context, name: string): Promise<void> {
  const ns = await getObject(ctx.runner, ctx.target, 'namespace', undefined, name)
  if (!ns)
    throw new StepError(
      say({
        en: `namespace ${name} does not exist (nothing was changed)`,
        ko: `${name} 네임스페이스가 없습니다 (바꾼 것 없음)`,
      }),
      {
        hint: say({
          en: 'run scripts/01-namespace.mts first (npx zx scripts/01-namespace.mts): it creates it',
          ko: '먼저 scripts/01-namespace.mts를 실행하세요 (npx zx scripts/01-namespace.mts)',
        }),
      },
    )
  const watch = `kubectl get ns ${name} -w`
  if (ns.status?.phase === 'Terminating')
    throw new StepError(terminating(name), {
      hint: say({
        en: `wait until it is gone (${watch}), then run scripts/01-namespace.mts and this script again`,
        ko: `없어지면(${watch}) 01-namespace.mts와 이 스크립트를 다시 실행하세요`,
      }),
    })
}

/**
 * Why a namespace is not ours to delete, whatever it holds: the app's, a system one, or one these
 * scripts did not create (it carries no mark of ours).
 */
export function namespaceNotOurs(ns: KubeObject, config: Pick<Config, 'appNamespace'>): string | undefined {
  const name = ns.metadata.name
  if (name === config.appNamespace)
    return say({
      en: "it is the app's namespace",
      ko: '앱의 네임스페이스입니다',
    })
  if (name === 'default' || name.startsWith('kube-'))
    return say({ en: 'it is a system namespace', ko: '시스템 네임스페이스입니다' })
  const label = `${MANAGED_BY_LABEL.key}=${MANAGED_BY_LABEL.value}`
  if (ns.metadata.labels?.[MANAGED_BY_LABEL.key] !== MANAGED_BY_LABEL.value)
    return say({
      en: `these scripts did not create it (they mark what they create with the label ${label})`,
      ko: `이 스크립트가 만든 것이 아닙니다 (만든 것에는 레이블 ${label}을 붙입니다)`,
    })
  return undefined
}

/** A namespace that may go, and what was ours in it when it was listed: only that may be in it when it goes. */
export interface NamespaceCheck {
  name: string
  ours: Ours
}

/**
 * A namespace may go when it holds nothing that is not ours (`ours.uids`: what was ours when it was
 * listed before); else the line that says why it stays. Listed again just before it is deleted.
 */
export async function checkNamespace(ctx: Context, name: string, ours: Ours): Promise<NamespaceCheck | string> {
  const objects = await namespaceObjects(ctx, name).catch((e: Error) => e)
  if (objects instanceof Error)
    return say({
      en: `namespace ${name} stays: what it holds could not be listed (${objects.message})`,
      ko: `네임스페이스 ${name}는 남겨 둠: 안의 오브젝트를 나열하지 못함 (${objects.message})`,
    })
  const foreign = foreignObjects(objects, ours)
  if (!foreign.length) return { name, ours: { ...ours, uids: accountedFor(objects, ours) } }
  const what = someOf(describeObjects(foreign, { withNamespace: false }))
  return say({
    en: `namespace ${name} stays: it also holds ${what}, not created by these scripts`,
    ko: `네임스페이스 ${name}는 남겨 둡니다: 이 스크립트가 만들지 않은 ${what}도 있습니다`,
  })
}

function terminating(name: string): string {
  return say({
    en: `namespace ${name} is being deleted (Terminating)`,
    ko: `네임스페이스 ${name}가 삭제되는 중입니다 (Terminating)`,
  })
}

/** Every object in a namespace, of every kind that holds objects (one discovery, one list). */
async function namespaceObjects(ctx: Context, namespace: string): Promise<KubeObject[]> {
  const served = (await ctx.runner.query(namespacedResourcesCmd(ctx.target))).stdout.trim().split('\n')
  const resources = listableResources(served.filter(Boolean))
  const out = await ctx.runner.query(kubectl(ctx.target, 'get', resources.join(','), '-n', namespace, '-o', 'json'))
  return (out.json() as { items: KubeObject[] }).items
}

/** Every kind of object a namespace can hold, as `kubectl get` names them. */
export function namespacedResourcesCmd(target: Target): Command {
  return kubectl(target, 'api-resources', '--verbs=list', '--namespaced', '-o', 'name')
}

export function deleteNamespaceCmd(target: Target, namespace: string, timeout: string): Command {
  return kubectl(target, 'delete', 'namespace', namespace, '--ignore-not-found', '--wait', `--timeout=${timeout}`)
}
