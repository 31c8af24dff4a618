// CRDs follow the chart (lib/tools/crds.ts says why): before helm moves a release to another version of
// its chart, that version's CRDs are applied server-side. Its own progress line, with the command.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Release } from '../core/config.ts'
import { say } from '../core/text.ts'
import { applyServerSideCmd, crdsPipeline, showCrdsCmd } from '../tools/crds.ts'
import { renderCommand } from '../tools/exec.ts'
import type { ReleaseState } from '../tools/helm.ts'
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
  await ctx.log.status(crdsPipeline(ctx.target, release, renderCommand), () => showAndApply(ctx, release), { done })
  ctx.outcomes.push({ name: `crds/${release.name}`, action: 'applied', detail: `${release.chart} ${release.version}` })
}

/**
 * The pipeline, through a file: the CRDs are megabytes (4.5 MB for kube-prometheus-stack), which on
 * stdin --verbose would print with the command.
 */
async function showAndApply(ctx: Context, release: Release): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-crds-'))
  try {
    const file = path.join(dir, `${release.chart}-${release.version}-crds.yaml`)
    fs.writeFileSync(file, (await ctx.runner.query(showCrdsCmd(release))).stdout)
    await ctx.runner.change(applyServerSideCmd(ctx.target, file))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
