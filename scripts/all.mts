#!/usr/bin/env -S npx zx
// `npm run all`: seed §1–§5 as one plan, the stack table's (lib/core/plan.ts). Each step starts once
// what it needs is done, so Loki, Tempo, Prometheus and cert-manager install side by side, and the
// operator waits only for cert-manager; the report runs even after a failure, then the summary.
// `npm run --silent all -- --dry-run > install.sh` writes every step as one bash script to copy.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript('all', {
  en: `Seed §1–§5 in one run: namespaces, LGTM stack, cert-manager, OpenTelemetry Operator, then the checkpoint \
report.`,
  ko: `Seed §1–§5를 한 번에: 네임스페이스, LGTM 스택, cert-manager, OpenTelemetry Operator, 그리고 \
체크포인트 리포트.`,
})

if (isMain(import.meta)) await main(import.meta, script)
