// Teardown as a script: what is ours and present, confirmed, then removed (lib/steps/teardown.ts);
// in a dry run, the same removals printed as bash (lib/run/script.ts).
import {
  confirm,
  describeInventory,
  inventory,
  manifestObjects,
  namespaceLine,
  readManifest,
  refuseForeignResources,
  removeAll,
} from '../steps/teardown.ts'
import { frameSettings, lockSettings, locked, type Script } from './sections.ts'
import { say, type Text } from '../core/text.ts'
import { renderTeardownScript } from './teardown-script.ts'

export function teardownScript(summary: Text): Script {
  // one run at a time per cluster and stack: the whole teardown holds the lock
  return locked({
    summary,
    settings: () => [
      ...frameSettings,
      ...lockSettings,
      'namespace',
      'yes',
      'purge',
      'purge-foreign-resources',
      'cert-manager-version',
      'cert-manager-manifest',
    ],
    async run(ctx) {
      // what these scripts installed, newest first; a namespace holding anything else stays
      const found = await inventory(ctx)
      for (const line of found.kept) ctx.log.warn(line)
      refuseForeignResources(ctx.config, found)
      const what = describeInventory(ctx.config, found)
      if (!what.length) {
        ctx.log.ok(
          say({
            en: 'nothing to remove: none of what these scripts install is in the cluster',
            ko: '지울 것 없음: 이 스크립트가 설치하는 것이 클러스터에 하나도 없습니다',
          }),
        )
        return
      }
      ctx.log.info(`${say({ en: 'To delete', ko: '지울 것' })}:\n${what.map((w) => `  - ${w}`).join('\n')}`)
      await confirm(ctx, found)
      // each removed and waited on until gone; a failure does not stop the others
      const stayed = await removeAll(ctx, found)
      const removed = what.filter((w) => !stayed.some((ns) => w === namespaceLine(ns))).join('; ')
      ctx.log.ok(`${say({ en: 'removed', ko: '제거됨' })}: ${removed}`)
    },
    async print(config, target, printedBy) {
      const manifest = manifestObjects(await readManifest(config.certManager.manifest))
      return renderTeardownScript(config, target, manifest, printedBy)
    },
  })
}
