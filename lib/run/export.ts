// `npm run export`: each section of the seed as a bash script of its own, plus all of them in one,
// and teardown, written into a folder with a copy of the values files they name. How to copy a
// step: these files run anywhere bash, kubectl and helm do, and reach what `npm run all` reaches.
import fs from 'node:fs'
import path from 'node:path'
import type { Config } from '../core/config.ts'
import { UsageError } from '../core/errors.ts'
import { planFor } from '../core/plan.ts'
import { sections, type StepId } from '../core/stack.ts'
import type { Context } from '../steps/context.ts'
import { manifestObjects, readManifest } from '../steps/teardown.ts'
import { frameSettings, type Script } from './sections.ts'
import { renderScript } from './script.ts'
import { renderTeardownScript } from './teardown-script.ts'
import { say, type Text } from '../core/text.ts'

/** Written into the folder: it tells a person what the files are, and export that the folder is its own. */
const README = 'README.txt'

export function exportScript(summary: Text): Script {
  return {
    summary,
    offline: true,
    settings: () => [
      ...frameSettings.filter((f) => f !== 'dry-run'),
      'export-dir',
      'namespace',
      'app-namespace',
      'require-app',
      'values-dir',
      'collector-image',
      'cert-manager-version',
      'cert-manager-manifest',
      'chart-mirror',
    ],
    run: exportSteps,
  }
}

async function exportSteps(ctx: Context): Promise<void> {
  const dir = path.resolve(ctx.config.exportDir)
  refuseForeignFolder(dir)
  const config = withValuesIn(ctx.config, path.join(dir, 'values'))
  const files = new Map<string, string>()
  const printedBy = `npm run export -- --export-dir=${ctx.config.exportDir}`
  const render = (scope: StepId[] | 'all') =>
    renderScript(config, ctx.target, planFor(config, scope), { printedBy, cwd: dir, fromOwnFolder: true })
  for (const id of Object.keys(sections) as StepId[])
    files.set(`${path.basename(sections[id].script, '.mts')}.sh`, render([id]))
  files.set('all.sh', render('all'))
  try {
    const manifest = manifestObjects(await readManifest(config.certManager.manifest))
    files.set('teardown.sh', renderTeardownScript(config, ctx.target, manifest, printedBy))
  } catch (error) {
    const why = (error as Error).message
    ctx.log.warn(
      say({
        en: `teardown.sh not written: ${why} (npm run --silent teardown -- --dry-run prints it)`,
        ko: `teardown.sh를 쓰지 못했습니다: ${why} (npm run --silent teardown -- --dry-run으로 출력할 \
수 있습니다)`,
      }),
    )
  }
  fs.mkdirSync(path.join(dir, 'values'), { recursive: true })
  for (const release of ctx.config.releases) {
    for (const file of release.valuesFiles) fs.copyFileSync(file, path.join(dir, 'values', path.basename(file)))
  }
  for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text, { mode: 0o755 })
  fs.writeFileSync(path.join(dir, README), readme([...files.keys()]))
  const [written, where] = [[...files.keys()].join(', '), path.relative(process.cwd(), dir) || '.']
  ctx.log.ok(say({ en: `wrote ${written} and values/ to ${where}`, ko: `${where}에 ${written}, values/를 씀` }))
}

/** Files of a person's own are never overwritten: the folder is new, empty, or one export wrote. */
function refuseForeignFolder(dir: string): void {
  if (!fs.existsSync(dir)) return
  if (!fs.statSync(dir).isDirectory())
    throw new UsageError([
      say({
        en: `--export-dir: ${dir} is a file, not a folder`,
        ko: `--export-dir: ${dir}는 폴더가 아니라 파일입니다`,
      }),
    ])
  const entries = fs.readdirSync(dir)
  if (entries.length && !entries.includes(README)) {
    throw new UsageError([
      say({
        en: `--export-dir: ${dir} holds files export did not write; choose a new folder (for example \
--export-dir=./steps-export)`,
        ko: `--export-dir: ${dir}에 export가 쓰지 않은 파일이 있습니다. 새 폴더를 고르세요 (예: \
--export-dir=./steps-export)`,
      }),
    ])
  }
}

/** The config with its values files where the exported scripts find them: values/ beside them. */
function withValuesIn(config: Config, dir: string): Config {
  const releases = config.releases.map((r) => ({
    ...r,
    valuesFiles: r.valuesFiles.map((f) => path.join(dir, path.basename(f))),
  }))
  return { ...config, releases }
}

function readme(files: string[]): string {
  return [
    'Seed 05 (monitoring infrastructure) as bash scripts, written by `npm run export`.',
    '',
    'Each NN-*.sh is one section of the seed; all.sh is all of them; teardown.sh removes what they install.',
    'They run with bash, kubectl and helm, from any folder: values/ holds the values files they pass to helm.',
    'Run them in order (01, 02, 03, 04, then 05 to look); each is safe to run again.',
    '',
    `Files: ${files.join(', ')}`,
    '',
  ].join('\n')
}
