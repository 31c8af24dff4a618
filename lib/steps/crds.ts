// CRDs follow the chart (lib/tools/crds.ts says why): before helm moves a release to another version of
// its chart, or installs it over older CRDs left in the cluster, that version's CRDs are applied
// server-side. Its own progress line, with the command.
import fs from 'node:fs'
import path from 'node:path'
import type { Release } from '../core/config.ts'
import { say } from '../core/text.ts'
import {
  applyServerSideCmd,
  chartCrdVersion,
  crdsPipeline,
  crdVersionsCmd,
  crdVersionsIn,
  leftoverCrds,
  showCrdsCmd,
} from '../tools/crds.ts'
import { renderCommand } from '../tools/exec.ts'
import type { ReleaseState } from '../tools/helm.ts'
import { withTempDir } from '../tools/temp.ts'
import type { Context } from './context.ts'

/** `helm show crds <chart> --version <pin> | kubectl apply --server-side --force-conflicts -f -`. */
export async function applyChartCrds(
  ctx: Context,
  release: Release,
  installed: Pick<ReleaseState, 'version'>,
): Promise<void> {
  const move = `${release.chart} ${installed.version} → ${release.version}`
  const done = say({
    en: `applied the CRDs of ${release.chart} ${release.version} server-side, before the upgrade (${move})`,
    ko: `업그레이드(${move}) 전에 ${release.chart} ${release.version}의 CRD를 server-side로 적용함`,
  })
  const apply = async () => applyCrds(ctx, release, (await ctx.runner.query(showCrdsCmd(release))).stdout)
  await ctx.log.status(crdsPipeline(ctx.target, release, renderCommand), apply, { done })
  ctx.outcomes.push({ name: `crds/${release.name}`, action: 'applied', detail: `${release.chart} ${release.version}` })
}

/**
 * Before a fresh install: CRDs of the chart's groups already in the cluster (a teardown keeps them,
 * and helm installs none that exist) are replaced by the chart's when older; newer ones are left, said.
 * A cluster without them costs one `kubectl get crd`.
 */
export async function applyChartCrdsOverLeftovers(ctx: Context, release: Release): Promise<void> {
  const annotation = release.crdVersionAnnotation
  if (!annotation) return
  const found = crdVersionsIn(
    (await ctx.runner.query(crdVersionsCmd(ctx.target, annotation))).stdout,
    release.crdGroups,
  )
  if (found.size === 0) return
  const crds = (await ctx.runner.query(showCrdsCmd(release))).stdout
  const version = chartCrdVersion(crds, annotation)
  if (!version) return
  const { older, newer } = leftoverCrds(found, version)
  if (newer.length > 0)
    ctx.log.warn(
      say({
        en:
          `${newer.length} CRD(s) of ${release.crdGroups.join(', ')} in the cluster are newer than ${release.chart} ` +
          `${release.version}'s (${version}); left as they are: ${newer.join(', ')}`,
        ko:
          `클러스터의 ${release.crdGroups.join(', ')} CRD ${newer.length}개가 ` +
          `${release.chart} ${release.version}의 CRD(${version})보다 새것이라 그대로 둡니다: ` +
          newer.join(', '),
      }),
    )
  if (older.length === 0) return
  const done = say({
    en:
      `applied the CRDs of ${release.chart} ${release.version} (${version}) server-side over ${older.length} older ` +
      'one(s) left in the cluster, which helm would have kept',
    ko:
      `클러스터에 남아 있던 오래된 CRD ${older.length}개 위에 ` +
      `${release.chart} ${release.version}의 CRD(${version})를 server-side로 적용함 ` +
      '(helm은 그대로 두었을 것)',
  })
  await ctx.log.status(crdsPipeline(ctx.target, release, renderCommand), () => applyCrds(ctx, release, crds), { done })
  ctx.outcomes.push({ name: `crds/${release.name}`, action: 'applied', detail: `${release.chart} ${release.version}` })
}

/**
 * The chart's CRDs applied through a file: they are megabytes (4.5 MB for kube-prometheus-stack), which
 * on stdin --verbose would print with the command.
 */
async function applyCrds(ctx: Context, release: Release, crds: string): Promise<void> {
  await withTempDir('stack-crds-', async (dir) => {
    const file = path.join(dir, `${release.chart}-${release.version}-crds.yaml`)
    fs.writeFileSync(file, crds)
    await ctx.runner.change(applyServerSideCmd(ctx.target, file))
  })
}
