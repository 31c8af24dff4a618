#!/usr/bin/env -S npx zx
// Seed §2 LGTM 스택 설치, as the stack table (lib/core/plan.ts) has it:
//   §2.1 helm repo add prometheus-community, grafana (current: grafana-community); helm repo update
//   §2.2 helm install kube-prometheus-stack -f values/grafana-values.yaml (with the Loki, Tempo datasources)
//   §2.3 helm install loki grafana/loki-stack, without its own Grafana and Prometheus
//        (current: community Loki, and Alloy shipping the pods' logs)
//   §2.4 helm install tempo grafana/tempo
//   §5   each release's pods Running and Ready; the releases go side by side, none needs another.
//   A release at its pin with the same values is left alone; one left failed is healed first.
// `npx zx scripts/02-lgtm.mts --dry-run` prints these steps as a bash script to copy.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript(['lgtm'], {
  en: 'Seed §2: install kube-prometheus-stack, loki (loki-stack), tempo (--profile current: community ones, alloy).',
  ko: 'Seed §2: kube-prometheus-stack, loki(loki-stack), tempo 설치 (--profile current: 커뮤니티 차트, alloy)',
})

if (isMain(import.meta)) await main(import.meta, script)
