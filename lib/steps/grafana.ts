// `npm run grafana`: the stack's Grafana on this machine. A `kubectl port-forward` to its Service,
// on 127.0.0.1 only; its URL and user; the admin password (the chart's Secret) copied to the
// clipboard, or printed only with --show-password: it is never part of the progress lines. The
// forward runs until Ctrl-C, which ends it with the run's other children (lib/run/main.ts).
import type { ProcessPromise } from 'zx/core'
import { StepError } from '../core/errors.ts'
import { stackServices } from '../core/stack.ts'
import { say } from '../core/text.ts'
import { endChild } from '../tools/children.ts'
import { copyToClipboard, systemClipboard } from '../tools/clipboard.ts'
import { lastLine, type Command } from '../tools/exec.ts'
import { getObject, kubectl, type Target } from '../tools/kubectl.ts'
import { padColumns } from '../ui/i18n.ts'
import type { Context } from './context.ts'
import { readAdminCredentials } from './datapath.ts'

/** How long kubectl waits for a running Grafana pod, then how long it may take to listen once it has one. */
const POD_RUNNING = '10s'
const START_MS = 20_000
/** How long it gets to end on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5000

export async function openGrafana(ctx: Context): Promise<void> {
  const { config, log, runner, target } = ctx
  const service = stackServices.grafana
  const where = `${config.namespace}/${service.name}`
  const installFirst = say({
    en: 'install the stack first (npm run all), or name its namespace with --namespace',
    ko: '먼저 스택을 설치하거나(npm run all), --namespace로 스택의 네임스페이스를 지정하세요',
  })
  if (!(await getObject(runner, target, 'service', config.namespace, service.name)))
    throw new StepError(
      say({ en: `Grafana's Service ${where} was not found`, ko: `Grafana의 Service ${where}가 없습니다` }),
      { hint: installFirst },
    )
  const credentials = await readAdminCredentials(ctx)
  if ('en' in credentials) throw new StepError(say(credentials), { hint: installFirst })
  const forward = runner.serve(portForwardCmd(target, config.namespace, service.name, config.grafanaPort))
  try {
    const svc = `svc/${service.name}`
    const port = await log.status(
      say({ en: `Starting a port-forward to ${svc}`, ko: `${svc}로 포트 포워드 시작` }),
      () => forwardedPort(forward, config.grafanaPort),
    )
    const user = say({ en: 'user', ko: '사용자' })
    const password = say({ en: 'password', ko: '비밀번호' })
    log.print(`${padColumns('Grafana', 10)}${log.c.bold(`http://127.0.0.1:${port}`)}`)
    log.print(`${padColumns(user, 10)}${credentials.user}`)
    log.print(`${padColumns(password, 10)}${await handOver(credentials.password, config.showPassword)}`)
    const forwarding = say({
      en: `Forwarding 127.0.0.1:${port} to ${svc} (Ctrl-C to stop)`,
      ko: `127.0.0.1:${port} → ${svc} 포워딩 중 (Ctrl-C로 멈춤)`,
    })
    await log.status(forwarding, async () => {
      const out = await forward
      throw new StepError(ended(out.stderr, out.exitCode), {
        hint: say({
          en: 'run npm run grafana again (is the Grafana pod running? npm run status)',
          ko: 'npm run grafana를 다시 실행하세요 (Grafana 파드가 실행 중인가요? npm run status)',
        }),
      })
    })
  } finally {
    await endChild(forward, 'SIGTERM', STOP_GRACE_MS)
  }
}

/**
 * `kubectl port-forward` to a Service's port 80 (Grafana's), on 127.0.0.1 only: not on every
 * interface, where anyone on the network would reach the admin sign-in. Port 0: any free one.
 * Without a running pod behind the Service kubectl says so within POD_RUNNING, not a minute.
 */
export function portForwardCmd(target: Target, namespace: string, service: string, localPort: number): Command {
  const ports = `${localPort || ''}:${stackServices.grafana.port}`
  return kubectl(
    target,
    'port-forward',
    '-n',
    namespace,
    `svc/${service}`,
    ports,
    '--address',
    '127.0.0.1',
    `--pod-running-timeout=${POD_RUNNING}`,
  )
}

/** The local port in kubectl's `Forwarding from 127.0.0.1:3000 -> 3000`, once it says so. */
export function parseForwarding(said: string): number | undefined {
  const port = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(said)?.[1]
  return port === undefined ? undefined : Number(port)
}

/** Where the password goes: the clipboard, or the output when asked; never both, never unasked. */
async function handOver(password: string, show: boolean): Promise<string> {
  if (show) return password
  const tool = systemClipboard()
  if (tool && (await copyToClipboard(tool, password)))
    return say({ en: `copied to the clipboard (${tool[0]})`, ko: `클립보드에 복사했습니다 (${tool[0]})` })
  return passwordHint(tool?.[0])
}

/** What is said instead of the password when it could not be copied. */
export function passwordHint(failedTool: string | undefined): string {
  const tools = 'wl-copy, xclip, xsel, pbcopy, clip.exe'
  const again = '보려면 --show-password로 다시 실행하세요'
  return failedTool
    ? say({
        en: `not copied: ${failedTool} failed; run again with --show-password to print it`,
        ko: `복사 못 함: ${failedTool}가 실패했습니다. ${again}`,
      })
    : say({
        en: `not shown: no clipboard tool found (${tools}); run again with --show-password to print it`,
        ko: `표시 안 함: 클립보드 도구(${tools})가 없습니다. ${again}`,
      })
}

/** Why the forward did not start, and what to try: another port when the one asked for is taken. */
export function forwardFailed(stderr: string, exitCode: number | null, asked: number): StepError {
  const taken = /address already in use|unable to listen on any of the requested ports/i.test(stderr)
  return new StepError(ended(stderr, exitCode), {
    hint: taken
      ? say({
          en: `port ${asked} is taken on 127.0.0.1: choose another with --grafana-port (0: any free port)`,
          ko: `127.0.0.1의 포트 ${asked}는 사용 중입니다. --grafana-port로 바꾸세요 (0: 빈 포트)`,
        })
      : podRunning(),
  })
}

/** That the forward ended, with kubectl's last word on it. */
function ended(stderr: string, exitCode: number | null): string {
  const why = lastLine(stderr) || say({ en: `exit code ${exitCode}`, ko: `종료 코드 ${exitCode}` })
  return say({
    en: `kubectl port-forward to Grafana ended: ${why}`,
    ko: `Grafana로의 kubectl port-forward가 끝났습니다: ${why}`,
  })
}

function podRunning(): string {
  return say({
    en: 'is the Grafana pod running? npm run status',
    ko: 'Grafana 파드가 실행 중인가요? npm run status',
  })
}

/** Resolves with the local port once kubectl listens; rejects when it ends first or takes too long. */
async function forwardedPort(child: ProcessPromise, asked: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await new Promise<number>((resolve, reject) => {
      let said = ''
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        said += chunk
        const port = parseForwarding(said)
        if (port !== undefined) resolve(port)
      })
      void child.then((out) => reject(forwardFailed(out.stderr, out.exitCode, asked)))
      timer = setTimeout(
        () =>
          reject(
            new StepError(
              say({
                en: `kubectl port-forward did not listen within ${START_MS / 1000}s`,
                ko: `kubectl port-forward가 ${START_MS / 1000}초 안에 포트를 열지 않았습니다`,
              }),
              { hint: podRunning() },
            ),
          ),
        START_MS,
      )
    })
  } finally {
    clearTimeout(timer)
  }
}
