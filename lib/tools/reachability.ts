// Whether the API server answers, learnt from every kubectl and helm the run starts and from the
// watches: a refused connection begins an outage, said once with its time; any answer ends it, said
// once too. Commands, waits and webhook probes retry through an outage for a bounded time
// (--api-unreachable-after), then their step fails naming it, not with a --timeout that ran out
// on a server nobody could ask.
import { StepError } from '../core/errors.ts'
import { formatDuration } from '../core/settings.ts'
import type { Log } from '../ui/log.ts'
import { say } from '../core/text.ts'

/** Go's and kubectl's words for a server that cannot be reached at all (no answer, not an error answer). */
const UNREACHABLE = new RegExp(
  [
    'connect: connection refused',
    'was refused - did you specify the right host or port',
    'no route to host',
    'network is unreachable',
    'dial tcp \\S+: i\\/o timeout',
  ].join('|'),
  'i',
)

/** The API server itself did not answer: its connection was refused, or no route led to it. */
export function isUnreachable(stderr: string): boolean {
  // the API server answered: a webhook it calls did not, which is a readiness question for the waits
  if (/failed calling webhook/i.test(stderr)) return false
  return UNREACHABLE.test(stderr)
}

/**
 * Whether a command asks the API server: not helm's chart repositories and version, nor kubectl's
 * kubeconfig and client version, whose success says nothing of the server.
 */
export function asksApiServer(argv: readonly string[]): boolean {
  const [tool, ...args] = argv
  // kubectl's --context comes before its verb, helm's --kube-context after
  const verb = tool === 'kubectl' && args[0] === '--context' ? args[2] : args[0]
  if (tool === 'helm') return !['repo', 'search', 'version'].includes(verb)
  if (tool === 'kubectl') return verb !== 'config' && !args.includes('--client')
  return true
}

/** The host:port the error names (`127.0.0.1:6443`), if it names one. */
export function serverIn(stderr: string): string | undefined {
  const match = /connection to the server (\S+) was refused|dial tcp (\S+?): /.exec(stderr)
  return match?.[1] ?? match?.[2]
}

/** One outage: when it was first seen, the server it named, the last error of it, and whether an error explained it. */
export interface Outage {
  since: number
  server?: string
  lastError: string
  explained?: boolean
}

/** An outage is given up on once it has lasted the limit. */
export function outageOutlasted(outage: Outage | undefined, now: number, limitMs: number): boolean {
  return outage !== undefined && now - outage.since >= limitMs
}

/** HH:MM:SS in local time: what a person compares with their own clock and logs. */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8)
}

export class ApiReachability {
  private outage?: Outage

  constructor(
    private readonly log: Log,
    /** how long an outage is retried through before the step fails */
    readonly limitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A command's result: a refused connection begins (or goes on with) an outage; any answer ends
   * it. A command that asks no API server (`argv`: helm repo list …) ends none by succeeding, nor
   * does one sent before the outage was seen (`startedAt`): the server answered it before it went.
   */
  observe(out: { exitCode: number | null; stderr: string }, argv?: readonly string[], startedAt?: number): void {
    const succeeded = out.exitCode === 0 && (!argv || asksApiServer(argv))
    if (succeeded || /Error from server/.test(out.stderr)) {
      if (this.outage && startedAt !== undefined && startedAt < this.outage.since) return
      this.answered()
    } else if (isUnreachable(out.stderr)) this.refused(out.stderr)
  }

  /** The server could not be reached: the first time of an outage, said with its time and limit. */
  refused(stderr: string): void {
    const lastError = stderr.trim().split('\n').at(-1)?.trim() ?? ''
    if (this.outage) {
      this.outage.lastError = lastError
      return
    }
    this.outage = { since: this.now(), server: serverIn(stderr), lastError }
    const until = clockTime(this.outage.since + this.limitMs)
    const stopped = this.stoppedAnswering(this.outage)
    const limit = `--api-unreachable-after=${formatDuration(this.limitMs)}`
    this.log.warn(
      say({
        en: `${stopped} (${lastError}); retrying until ${until} (${limit})`,
        ko: `${stopped} (${lastError}). ${until}까지 재시도합니다 (${limit})`,
      }),
    )
  }

  /** The server answered (a command, a watch event): an outage, if any, is over. */
  answered(): void {
    if (!this.outage) return
    const { since, server } = this.outage
    this.outage = undefined
    const [at, ago] = [clockTime(since), formatDuration(this.now() - since)]
    this.log.ok(
      say({
        en: `${apiServer(server)} answers again (it stopped answering at ${at}, ${ago} ago)`,
        ko: `${apiServer(server)}가 다시 응답합니다 (${at}, ${ago} 전에 응답을 멈췄었음)`,
      }),
    )
  }

  /** Whether an outage is going on. */
  get down(): boolean {
    return this.outage !== undefined
  }

  /** Whether the outage going on has lasted the limit: its steps fail now. */
  get outlasted(): boolean {
    return outageOutlasted(this.outage, this.now(), this.limitMs)
  }

  /** The error to fail with once the outage has outlasted the limit; none before. */
  failure(): StepError | undefined {
    return this.outlasted ? this.error() : undefined
  }

  /**
   * The error naming the outage going on; `during`, what gave up meanwhile (a wait whose own
   * deadline passed in it). None without an outage. Steps side by side fail on one outage: the
   * first error explains it (its last error, what to try), the others only name it.
   */
  error(during?: string): StepError | undefined {
    const outage = this.outage
    if (!outage) return undefined
    const silentFor = formatDuration(this.now() - outage.since)
    const stopped = say({
      en: `${this.stoppedAnswering(outage)} and has not answered for ${silentFor}`,
      ko: `${this.stoppedAnswering(outage)}, ${silentFor} 동안 응답이 없습니다`,
    })
    const message = during ? `${during}: ${stopped}` : stopped
    if (outage.explained) return new StepError(message)
    outage.explained = true
    return new StepError(message, {
      output: outage.lastError,
      hint: say({
        en:
          'check that the cluster is up (`kubectl cluster-info`; kind, minikube: is its node container running?),' +
          ' then run the same command again: it picks up where it stopped. A control plane that takes longer to' +
          ' restart: --api-unreachable-after=5m',
        ko:
          '클러스터가 떠 있는지 확인하고' +
          '(`kubectl cluster-info`, kind/minikube라면 노드 컨테이너가 도는지)' +
          ' 같은 명령을 다시 실행하세요: 멈춘 곳부터 이어 갑니다.' +
          ' 재시작이 더 오래 걸리는 컨트롤 플레인이면' +
          ' --api-unreachable-after=5m',
      }),
    })
  }

  private stoppedAnswering(outage: Outage): string {
    const [server, at] = [apiServer(outage.server), clockTime(outage.since)]
    return say({ en: `${server} stopped answering at ${at}`, ko: `${server}가 ${at}에 응답을 멈췄습니다` })
  }
}

function apiServer(server: string | undefined): string {
  return server
    ? say({ en: `the API server ${server}`, ko: `API 서버 ${server}` })
    : say({ en: 'the API server', ko: 'API 서버' })
}
