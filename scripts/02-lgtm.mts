#!/usr/bin/env -S npx zx
// Seed §2 LGTM 스택 설치: Prometheus + Grafana (kube-prometheus-stack, with the Loki and Tempo
// datasources of values/grafana-values.yaml), Loki (loki-stack, without its own Grafana and
// Prometheus), Tempo. Each release is installed, upgraded, healed or left alone as it needs.
import { requireNamespace } from '../lib/steps/namespaces.ts'
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { hasRelease, releasesOf } from '../lib/core/config.ts'
import { addRepos, installRelease, removeOtherProfileReleases, waitForReleases } from '../lib/steps/release.ts'

export const about = {
  summary: 'Seed §2: install kube-prometheus-stack, loki (loki-stack) and tempo into the monitoring namespace (--profile current: community loki, alloy, community tempo).',
}

export async function run(ctx: Context) {
  const lgtm = releasesOf(ctx.config, 'lgtm').map((r) => r.name)
  // §1 the monitoring namespace, created by 01
  await requireNamespace(ctx, ctx.config.namespace)
  // §2.1 helm repositories grafana and prometheus-community (--profile current: and grafana-community), added and updated
  await addRepos(ctx, lgtm)
  // a --profile switch: the other profile's releases go first, so two log stacks never run side by side
  await removeOtherProfileReleases(ctx)
  // §2.2–2.4 side by side: none needs another, and kube-prometheus-stack's hook Jobs must not hold Loki back
  await Promise.all([
    // §2.2 Prometheus & Grafana: kube-prometheus-stack, with values/grafana-values.yaml (Loki and Tempo datasources)
    installRelease(ctx, 'kube-prometheus-stack'),
    // §2.3 Loki: loki-stack, without its own Grafana and Prometheus (values/loki-stack-values.yaml);
    // --profile current: community Loki, single binary (values/loki-values.yaml), and Alloy shipping the pods' logs
    installRelease(ctx, 'loki'),
    hasRelease(ctx.config, 'alloy') && installRelease(ctx, 'alloy'),
    // §2.4 Tempo
    installRelease(ctx, 'tempo'),
  ])
  // §5 their pods Running and Ready (all start side by side)
  await waitForReleases(ctx, lgtm)
}

if (isMain(import.meta)) await main(import.meta, about, run)
