#!/usr/bin/env -S npx zx
// `npm run teardown`: the install in reverse — operator, cert-manager, tempo, loki,
// kube-prometheus-stack — removing only what these scripts installed. CRDs and the monitoring
// namespace stay unless --purge. Asks first on a terminal; --yes elsewhere.
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { confirm, describeInventory, inventory, removeAll } from '../lib/steps/teardown.ts'

export const about = {
  summary: 'Remove what the scripts installed, in reverse order (--purge: also the CRDs and the monitoring namespace).',
}

export async function run(ctx: Context) {
  // what these scripts installed, newest first
  const found = await inventory(ctx)
  const what = describeInventory(ctx.config, found)
  if (found.namespaceKeptFor.length) ctx.log.warn(`namespace ${ctx.config.namespace} stays: it also holds ${found.namespaceKeptFor.map((r) => `helm release ${r}`).join(', ')}, not installed by these scripts`)
  if (!what.length) {
    ctx.log.ok('nothing to remove: none of what these scripts install is in the cluster')
    return
  }
  ctx.log.info(`To delete:\n${what.map((w) => `  - ${w}`).join('\n')}`)
  await confirm(ctx)
  // each removed and waited on until gone; a failure does not stop the others
  await removeAll(ctx, found)
  ctx.log.ok(`removed: ${what.join('; ')}`)
}

if (isMain(import.meta)) await main(import.meta, about, run)
