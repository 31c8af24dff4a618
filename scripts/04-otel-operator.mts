#!/usr/bin/env -S npx zx
// Seed §4 OpenTelemetry Operator 설치, as the stack table (lib/core/plan.ts) has it:
//   ⚠️ cert-manager (§3) must answer first: checked, and refused with nothing changed when it does not
//   helm repo add open-telemetry; helm repo update
//   helm install opentelemetry-operator --set manager.collectorImage.repository=otel/opentelemetry-collector-k8s
//   wait until its pod is Ready and its webhook answers (a server-side dry run of an Instrumentation)
// `npx zx scripts/04-otel-operator.mts --dry-run` prints these steps as a bash script to copy.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript(['otel-operator'], {
  en: 'Seed §4: install the OpenTelemetry Operator (needs cert-manager from scripts/03-cert-manager.mts).',
  ko: 'Seed §4: OpenTelemetry Operator를 설치합니다 (scripts/03-cert-manager.mts의 cert-manager 필요).',
})

if (isMain(import.meta)) await main(import.meta, script)
