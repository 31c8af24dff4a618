#!/usr/bin/env -S npx zx
// `npm run status`: what is in the cluster now — releases, workloads, webhooks. Read-only.
import { isMain, main } from '../lib/run/main.ts'
import { frameSettings, type Script } from '../lib/run/sections.ts'
import { statusView } from '../lib/steps/status.ts'
import { readSnapshot } from '../lib/steps/verify.ts'
import { renderStatus } from '../lib/ui/status.ts'

export const script = {
  summary:
    'Show the state of the stack (releases, ready pods per workload, webhooks); changes nothing. ' +
    '--json for machines.',
  settings: () => [...frameSettings, 'namespace', 'json'],
  async run(ctx) {
    // one round of reads, the same the checkpoint report uses
    const view = statusView(ctx.config, await readSnapshot(ctx), ctx.cluster)
    ctx.log.print(ctx.config.json ? JSON.stringify(view, null, 2) : renderStatus(view, ctx.log.c))
  },
} satisfies Script

if (isMain(import.meta)) await main(import.meta, script)
