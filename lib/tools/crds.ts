// CRDs follow the chart: helm installs the CRDs of a chart's crds/ folders only when they are absent
// and never upgrades them (helm's own rule), so a release moving to another chart version would run
// the new operator on the old CRDs. These pure builders say when to apply them and how: the chart's
// CRDs, server-side (no client-side annotation that outgrows its 256 KiB limit), forcing conflicts
// (helm 3 created them, and its field manager owns every field).
import type { Release } from '../core/config.ts'
import type { Command } from './exec.ts'
import { chartRef, helm, type ReleaseState } from './helm.ts'
import { kubectl, type Target } from './kubectl.ts'

/**
 * Whether the chart's CRDs are applied before helm moves this release: only when it is installed at
 * another version of the same chart. A fresh install gets them from helm, a release at its pin has them
 * already (and a re-run makes no call for them), another chart is replaced, not upgraded.
 */
export function crdsToApply<T extends Pick<ReleaseState, 'chart' | 'version'>>(
  release: Pick<Release, 'chart' | 'version' | 'crdsBeforeUpgrade'>,
  installed: T | undefined,
): installed is T {
  return (
    release.crdsBeforeUpgrade === true && installed?.chart === release.chart && installed.version !== release.version
  )
}

/** `helm show crds`: every CRD of the chart's crds/ folders, its subcharts' too (kube-prometheus-stack's `crds`). */
export function showCrdsCmd(release: Pick<Release, 'repo' | 'repoUrl' | 'chart' | 'version'>): Command {
  return { argv: ['helm', 'show', 'crds', chartRef(release), '--version', release.version] }
}

/** `kubectl apply --server-side --force-conflicts -f <file>` (`-`: stdin). */
export function applyServerSideCmd(target: Target, file: string): Command {
  return kubectl(target, 'apply', '--server-side', '--force-conflicts', '-f', file)
}

/** The CRD step as one line a person can paste: `helm show crds … | kubectl apply --server-side …`. */
export function crdsPipeline(target: Target, release: Release, render: (cmd: Command) => string): string {
  return `${render(showCrdsCmd(release))} | ${render(applyServerSideCmd(target, '-'))}`
}

/**
 * The CRD step in bash (the dry run's script, which reads no cluster before it runs): the pipeline,
 * run only when `helm list` shows the release at another version of its chart, as crdsToApply decides.
 */
export function crdsBeforeUpgradeLines(target: Target, release: Release, render: (cmd: Command) => string): string[] {
  if (!release.crdsBeforeUpgrade) return []
  const list = helm(
    target,
    'list',
    '--namespace',
    release.namespace,
    '--filter',
    `^${release.name}$`,
    '--output',
    'json',
  )
  // helm list -o json spells it `"chart":"<chart>-<version>"`, without spaces
  const chart = `"chart":"${release.chart}-`
  return [
    `# CRDs follow the chart (helm never upgrades them): installed at another version, ${release.version}'s first`,
    `case "$(${render(list)})" in`,
    `  *'${chart}${release.version}"'*) ;;`,
    `  *'${chart}'*)`,
    `    ${crdsPipeline(target, release, render)} ;;`,
    'esac',
  ]
}
