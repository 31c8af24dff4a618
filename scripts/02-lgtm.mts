#!/usr/bin/env -S npx zx
// Seed §2 LGTM 스택 설치: Prometheus + Grafana (kube-prometheus-stack, with the Loki and Tempo
// datasources of values/grafana-values.yaml), Loki (loki-stack, without its own Grafana and
// Prometheus), Tempo. Each release is installed, upgraded, healed or left alone as it needs.
import { isMain, main, type Context } from '../lib/main.ts'
import { addRepos, checkChartVersions, installRelease, waitForReleases } from '../lib/release.ts'

export const about = {
  summary: 'Seed §2: install kube-prometheus-stack, loki (loki-stack) and tempo into the monitoring namespace.',
}

export async function run(ctx: Context) {
  // §2.1 helm repositories grafana and prometheus-community, added and updated
  await addRepos(ctx, ['grafana', 'prometheus-community'])
  await checkChartVersions(ctx, ['kube-prometheus-stack', 'loki', 'tempo'])
  // §2.2 Prometheus & Grafana: kube-prometheus-stack, with values/grafana-values.yaml (Loki and Tempo datasources)
  await installRelease(ctx, 'kube-prometheus-stack')
  // §2.3 Loki: loki-stack, without its own Grafana and Prometheus (values/loki-stack-values.yaml)
  await installRelease(ctx, 'loki')
  // §2.4 Tempo
  await installRelease(ctx, 'tempo')
  // §5 their pods Running and Ready (all three start side by side)
  await waitForReleases(ctx, ['kube-prometheus-stack', 'loki', 'tempo'])
}

if (isMain(import.meta)) await main(import.meta, about, run)
