#!/usr/bin/env -S npx zx
// `npm run status`: what is in the cluster now — releases, workloads, webhooks. Read-only.
import { isMain, main } from '../lib/run/main.ts'
import { frameSettings, type Script } from '../lib/run/sections.ts'
import { statusView } from '../lib/steps/status.ts'
import { readSnapshot } from '../lib/steps/verify.ts'
import { renderStatus, statusJson } from '../lib/ui/status.ts'

export const script = {
  summary: {
    en: `Show the state of the stack (releases, ready pods per workload, webhooks); changes nothing. --json for \
machines.`,
    ko: `스택의 상태(릴리스, 워크로드별 준비된 파드, 웹훅)를 보여 줍니다. 아무것도 \
바꾸지 않습니다. 기계용은 --json.`,
  },
  settings: () => [...frameSettings, 'namespace', 'json'],
  async run(ctx) {
    // one round of reads, the same the checkpoint report uses
    const view = statusView(ctx.config, await readSnapshot(ctx), ctx.cluster)
    ctx.log.print(ctx.config.json ? statusJson(view) : renderStatus(view, ctx.log.c))
  },
} satisfies Script

if (isMain(import.meta)) await main(import.meta, script)
