#!/usr/bin/env -S npx zx
// Seed §4 OpenTelemetry Operator 설치, with the seed's collector image. It refuses to start
// before cert-manager (§3) answers, which is what the seed warns about.
import { requireCertManager, waitForOperatorWebhook } from '../lib/steps/certmanager.ts'
import { requireNamespace } from '../lib/steps/namespaces.ts'
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { addRepos, installRelease, waitForReleases } from '../lib/steps/release.ts'

export const about = {
  summary: 'Seed §4: install the OpenTelemetry Operator (needs cert-manager from scripts/03-cert-manager.mts).',
}

export async function run(ctx: Context) {
  // §1 the monitoring namespace, created by 01
  await requireNamespace(ctx, ctx.config.namespace)
  // §3 ⚠️ cert-manager must be ready before the operator is installed
  await requireCertManager(ctx)
  // §4 helm repository open-telemetry, added and updated
  await addRepos(ctx, ['opentelemetry-operator'])
  // §4 OpenTelemetry Operator, with the collector image otel/opentelemetry-collector-k8s
  await installRelease(ctx, 'opentelemetry-operator')
  await waitForReleases(ctx, ['opentelemetry-operator'])
  await waitForOperatorWebhook(ctx)
}

if (isMain(import.meta)) await main(import.meta, about, run)
