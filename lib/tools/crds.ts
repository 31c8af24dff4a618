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

/** Name and version annotation of every CRD in the cluster, one `<name>\t<version>` line each. */
export function crdVersionsCmd(target: Target, annotation: string): Command {
  const key = annotation.replaceAll('.', '\\.')
  return kubectl(
    target,
    'get',
    'crd',
    '-o',
    `jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.metadata.annotations.${key}}{"\\n"}{end}`,
  )
}

/** The CRDs of these API groups in crdVersionsCmd's output, each with its version ('' when it has none). */
export function crdVersionsIn(stdout: string, groups: readonly string[]): Map<string, string> {
  const found = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const [name, version = ''] = line.trim().split('\t')
    if (name && groups.some((g) => name.endsWith(`.${g}`))) found.set(name, version.trim())
  }
  return found
}

/** The version a chart's CRDs (`helm show crds`) carry in this annotation, from the first that has it. */
export function chartCrdVersion(crds: string, annotation: string): string | undefined {
  const key = annotation.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  return new RegExp(`^\\s*${key}:\\s*["']?([^"'\\s]+)`, 'm').exec(crds)?.[1]
}

/**
 * CRDs already in the cluster against the chart's: `older` (any of them, or one without a version) are
 * replaced by the chart's; `newer` ones are not ours to take back (another install may rely on them).
 */
export function leftoverCrds(found: Map<string, string>, chart: string): { older: string[]; newer: string[] } {
  const order = (v: string) => v.replace(/^v/, '')
  const compare = (v: string) => order(v).localeCompare(order(chart), 'en', { numeric: true })
  const names = [...found.keys()].sort()
  return {
    older: names.filter((n) => !found.get(n) || compare(found.get(n)!) < 0),
    newer: names.filter((n) => found.get(n) && compare(found.get(n)!) > 0),
  }
}
