#!/usr/bin/env -S npx zx
// `npm run status`: what is in the cluster now — releases, workloads, webhooks, the cluster. Read-only, but
// for --check-inotify's pods (one per node, deleted once read).
import { isMain, main } from '../lib/run/main.ts'
import { frameSettings, type Script } from '../lib/run/sections.ts'
import { inotifyIfAsked, statusView } from '../lib/steps/status.ts'
import { readSnapshot } from '../lib/steps/verify.ts'
import { renderStatus, statusJson } from '../lib/ui/status.ts'

export const script = {
  summary: {
    en: `Show the state of the stack (releases, ready pods per workload, webhooks, the cluster); changes nothing \
(--check-inotify runs a short-lived pod per node to read its inotify limits). --json for machines.`,
    ko: `스택의 상태(릴리스, 워크로드별 준비된 파드, 웹훅, 클러스터)를 \
보여 줍니다. 아무것도 바꾸지 않습니다 (--check-inotify는 노드마다 잠깐 도는 \
파드로 inotify 한도를 읽습니다). 기계용은 --json.`,
  },
  settings: () => [...frameSettings, 'namespace', 'json', 'check-inotify', 'probe-image'],
  async run(ctx) {
    // one round of reads, the same the checkpoint report uses; the inotify probe's pods run meanwhile
    const [snapshot, inotify] = await Promise.all([readSnapshot(ctx), inotifyIfAsked(ctx)])
    const view = statusView(ctx.config, snapshot, ctx.cluster, inotify)
    ctx.log.print(ctx.config.json ? statusJson(view) : renderStatus(view, ctx.log.c))
  },
} satisfies Script

if (isMain(import.meta)) await main(import.meta, script)
