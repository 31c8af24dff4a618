#!/usr/bin/env -S npx zx
// `npm run status`: what is in the cluster now — releases, workloads, webhooks. Read-only.
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { renderStatus } from '../lib/ui/status.ts'
import { statusView } from '../lib/steps/status.ts'
import { readSnapshot } from '../lib/steps/verify.ts'

export const about = {
  summary: 'Show the state of the stack (releases, ready pods per workload, webhooks); changes nothing. --json for machines.',
}

export async function run(ctx: Context) {
  // one round of reads, the same the checkpoint report uses
  const view = statusView(ctx.config, await readSnapshot(ctx))
  ctx.log.print(ctx.config.json ? JSON.stringify(view, null, 2) : renderStatus(view, ctx.log.c))
}

if (isMain(import.meta)) await main(import.meta, about, run)
