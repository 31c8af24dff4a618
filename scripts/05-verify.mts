#!/usr/bin/env -S npx zx
// Seed §5 설치 확인 and ✅ 체크포인트: kubectl get pods -n monitoring, -n cert-manager, and the
// checkpoint list, one line per check, ✅/❌ with what explains a ❌. Each line comes from the stack
// table (lib/core/plan.ts): the workloads, webhooks and releases of each step, and the datasources.
// Exit code 0 only when every check passes; --json for machines.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript(['verify'], {
  en: 'Seed §5: check every checkpoint (pods, releases, webhooks, Grafana datasources); exit 1 if any fails.',
  ko: `Seed §5: 모든 체크포인트(파드, 릴리스, 웹훅, Grafana 데이터소스)를 점검합니다. \
하나라도 실패하면 exit 1.`,
})

if (isMain(import.meta)) await main(import.meta, script)
