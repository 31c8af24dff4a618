// Teardown as a script: what is ours and present, confirmed, then removed (lib/steps/teardown.ts);
// in a dry run, the same removals printed as bash (lib/run/script.ts).
import { confirm, describeInventory, inventory, manifestObjects, readManifest, removeAll } from '../steps/teardown.ts'
import { frameSettings, lockSettings, locked, type Script } from './sections.ts'
import { renderTeardownScript } from './script.ts'

export function teardownScript(summary: string): Script {
  // one run at a time per cluster and stack: the whole teardown holds the lock
  return locked({
    summary,
    settings: () => [
      ...frameSettings,
      ...lockSettings,
      'namespace',
      'yes',
      'purge',
      'cert-manager-version',
      'cert-manager-manifest',
    ],
    async run(ctx) {
      // what these scripts installed, newest first
      const found = await inventory(ctx)
      const what = describeInventory(ctx.config, found)
      if (found.namespaceKeptFor.length) {
        const others = found.namespaceKeptFor.map((r) => `helm release ${r}`).join(', ')
        ctx.log.warn(`namespace ${ctx.config.namespace} stays: it also holds ${others}, not installed by these scripts`)
      }
      if (!what.length) {
        ctx.log.ok('nothing to remove: none of what these scripts install is in the cluster')
        return
      }
      ctx.log.info(`To delete:\n${what.map((w) => `  - ${w}`).join('\n')}`)
      await confirm(ctx)
      // each removed and waited on until gone; a failure does not stop the others
      await removeAll(ctx, found)
      ctx.log.ok(`removed: ${what.join('; ')}`)
    },
    async print(config, target, printedBy) {
      const manifest = manifestObjects(await readManifest(config.certManager.manifest))
      return renderTeardownScript(config, target, manifest, printedBy)
    },
  })
}
