// `npm run grafana`: the stack's Grafana on this machine. A `kubectl port-forward` to its Service,
// on 127.0.0.1 only; its URL and user; the admin password (the chart's Secret) copied to the
// clipboard, or printed only with --show-password: it is never part of the progress lines. The
// forward runs until Ctrl-C, which ends it with the run's other children (lib/run/main.ts).
import type { ProcessPromise } from 'zx'
import { StepError } from '../core/errors.ts'
import { stackServices } from '../core/stack.ts'
import { endChild } from '../tools/children.ts'
import { copyToClipboard, systemClipboard } from '../tools/clipboard.ts'
import { lastLine, type Command } from '../tools/exec.ts'
import { getObject, kubectl, type Target } from '../tools/kubectl.ts'
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
  const installFirst = `install the stack first (npm run all), or name its namespace with --namespace`
  if (!(await getObject(runner, target, 'service', config.namespace, service.name)))
    throw new StepError(`Grafana's Service ${where} was not found`, { hint: installFirst })
  const credentials = await readAdminCredentials(ctx)
  if (typeof credentials === 'string') throw new StepError(credentials, { hint: installFirst })
  const forward = runner.serve(portForwardCmd(target, config.namespace, service.name, config.grafanaPort))
  try {
    const port = await log.status(`Starting a port-forward to svc/${service.name}`, () =>
      forwardedPort(forward, config.grafanaPort),
    )
    log.print(`Grafana   ${log.c.bold(`http://127.0.0.1:${port}`)}`)
    log.print(`user      ${credentials.user}`)
    log.print(`password  ${await handOver(credentials.password, config.showPassword)}`)
    await log.status(`Forwarding 127.0.0.1:${port} to svc/${service.name} (Ctrl-C to stop)`, async () => {
      const out = await forward
      throw new StepError(`the port-forward to Grafana ended: ${lastLine(out.stderr) || `exit code ${out.exitCode}`}`, {
        hint: 'run npm run grafana again (is the Grafana pod running? npm run status)',
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
  if (tool && (await copyToClipboard(tool, password))) return `copied to the clipboard (${tool[0]})`
  return passwordHint(tool?.[0])
}

/** What is said instead of the password when it could not be copied. */
export function passwordHint(failedTool: string | undefined): string {
  return (
    (failedTool
      ? `not copied: ${failedTool} failed`
      : 'not shown: no clipboard tool found (wl-copy, xclip, xsel, pbcopy, clip.exe)') +
    '; run again with --show-password to print it'
  )
}

/** Why the forward did not start, and what to try: another port when the one asked for is taken. */
export function forwardFailed(stderr: string, exitCode: number | null, asked: number): StepError {
  const taken = /address already in use|unable to listen on any of the requested ports/i.test(stderr)
  return new StepError(`kubectl port-forward to Grafana ended: ${lastLine(stderr) || `exit code ${exitCode}`}`, {
    hint: taken
      ? `port ${asked} is taken on 127.0.0.1: choose another with --grafana-port (0: any free port)`
      : 'is the Grafana pod running? npm run status',
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
            new StepError(`kubectl port-forward did not listen within ${START_MS / 1000}s`, {
              hint: 'is the Grafana pod running? npm run status',
            }),
          ),
        START_MS,
      )
    })
  } finally {
    clearTimeout(timer)
  }
}
