#!/usr/bin/env -S npx zx
// Seed §1 사전 준비: the preflight (kubectl, helm, the target context, the cluster answering) runs
// first in every script; then the app's namespace is checked and `monitoring` is created.
import { checkAppNamespace, ensureNamespace } from '../lib/steps/namespaces.ts'
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'

export const about = {
  summary: 'Seed §1: check the app namespace (ticketing) and create the monitoring namespace.',
}

export async function run(ctx: Context) {
  // §1 the app's namespace (ticketing) is there
  await checkAppNamespace(ctx)
  // §1 the monitoring namespace
  await ensureNamespace(ctx, ctx.config.namespace)
}

if (isMain(import.meta)) await main(import.meta, about, run)
