// (a) of the benchmark: the seed's commands exactly as written, in the seed's order, each followed
// by the wait a careful reader does (`helm install --wait`, `kubectl wait` for cert-manager, and
// for §5 until every pod in `monitoring` is Ready). Only the locations differ: the loopback chart
// repositories and the real cert-manager manifest from the charts folder, as a reader with a mirror
// would type them.
import path from 'node:path'
import { $ } from 'zx'
import { certManagerManifest } from 'kube-sim/charts'
import { certManagerPins } from '../../lib/core/stack.ts'
import { root, type Cluster } from './world.ts'

export interface SeedCommand {
  section: string
  argv: string[]
}

/** The seed's page, command by command (`-f grafana-values.yaml` is the project's copy of that file). */
export function seedCommands(
  repoUrl: (name: 'prometheus-community' | 'grafana' | 'open-telemetry') => string,
  charts: string,
): SeedCommand[] {
  const wait = ['--wait', '--timeout', '10m']
  return [
    { section: '§1', argv: ['kubectl', 'get', 'ns', 'ticketing'] },
    { section: '§1', argv: ['kubectl', 'create', 'ns', 'monitoring'] },
    { section: '§2.1', argv: ['helm', 'repo', 'add', 'grafana', repoUrl('grafana')] },
    { section: '§2.1', argv: ['helm', 'repo', 'add', 'prometheus-community', repoUrl('prometheus-community')] },
    { section: '§2.1', argv: ['helm', 'repo', 'update'] },
    {
      section: '§2.2',
      argv: [
        'helm',
        'install',
        'kube-prometheus-stack',
        'prometheus-community/kube-prometheus-stack',
        '--namespace',
        'monitoring',
        '-f',
        path.join(root, 'values', 'grafana-values.yaml'),
        ...wait,
      ],
    },
    {
      section: '§2.3',
      argv: [
        'helm',
        'install',
        'loki',
        'grafana/loki-stack',
        '--namespace',
        'monitoring',
        '--set',
        'grafana.enabled=false',
        '--set',
        'prometheus.enabled=false',
        ...wait,
      ],
    },
    { section: '§2.4', argv: ['helm', 'install', 'tempo', 'grafana/tempo', '--namespace', 'monitoring', ...wait] },
    { section: '§3', argv: ['kubectl', 'apply', '-f', certManagerManifest(charts, certManagerPins.seed)] },
    {
      section: '§3',
      argv: [
        'kubectl',
        'wait',
        '--for=condition=Available',
        'deployment',
        '--all',
        '-n',
        'cert-manager',
        '--timeout=10m',
      ],
    },
    { section: '§4', argv: ['helm', 'repo', 'add', 'open-telemetry', repoUrl('open-telemetry')] },
    { section: '§4', argv: ['helm', 'repo', 'update'] },
    {
      section: '§4',
      argv: [
        'helm',
        'install',
        'opentelemetry-operator',
        'open-telemetry/opentelemetry-operator',
        '--namespace',
        'monitoring',
        '--set',
        'manager.collectorImage.repository=otel/opentelemetry-collector-k8s',
        ...wait,
      ],
    },
    {
      section: '§5',
      argv: ['kubectl', 'wait', '--for=condition=Ready', 'pod', '--all', '-n', 'monitoring', '--timeout=10m'],
    },
    { section: '§5', argv: ['kubectl', 'get', 'pods', '-n', 'monitoring'] },
  ]
}

/**
 * The seed's commands again, on the cluster they converged: what a careful user runs to make sure,
 * without us. Each `helm install … --wait` becomes `helm upgrade --install … --wait` (an install
 * of an existing release fails), then the cert-manager `kubectl apply` and the seed's waits; the
 * repositories, the namespace and the final listing are not repeated.
 */
export function seedRerunCommands(commands: SeedCommand[]): SeedCommand[] {
  return commands.flatMap((c) => {
    const [bin, verb] = c.argv
    if (bin === 'helm' && verb === 'install')
      return [{ ...c, argv: ['helm', 'upgrade', '--install', ...c.argv.slice(2)] }]
    if (bin === 'kubectl' && (verb === 'apply' || verb === 'wait')) return [c]
    return []
  })
}

export interface TimedCommand extends SeedCommand {
  seconds: number
}

/** Runs the commands one after the other, as typed; the first failure stops the run (with its output). */
export async function runSeed(
  cluster: Cluster,
  commands: SeedCommand[],
  onDone: (c: TimedCommand) => void = () => {},
): Promise<TimedCommand[]> {
  const timed: TimedCommand[] = []
  for (const command of commands) {
    const started = performance.now()
    const [bin, ...args] = command.argv
    const out = await $({ env: cluster.env, quiet: true, nothrow: true })`${bin} ${args}`
    if (out.exitCode !== 0) {
      const what = `seed ${command.section} \`${command.argv.join(' ')}\``
      throw new Error(`${what} failed (exit ${out.exitCode}):\n${out.stderr || out.stdout}`)
    }
    const done = { ...command, seconds: (performance.now() - started) / 1000 }
    timed.push(done)
    onDone(done)
  }
  return timed
}
