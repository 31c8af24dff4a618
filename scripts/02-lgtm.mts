#!/usr/bin/env -S npx zx
// Seed §2 LGTM 스택 설치: Prometheus + Grafana (kube-prometheus-stack, with the Loki and Tempo
// datasources of values/grafana-values.yaml), Loki (loki-stack, without its own Grafana and
// Prometheus), Tempo. Each release is installed, upgraded, healed or left alone as it needs.
import { isMain, main, type Context } from '../lib/main.ts'
import { addRepos, checkChartVersions, installRelease } from '../lib/release.ts'

export const about = {
  summary: 'Seed §2: install kube-prometheus-stack, loki (loki-stack) and tempo into the monitoring namespace.',
}

export async function run(ctx: Context) {
  // §2.1 helm repo add grafana …; helm repo add prometheus-community …; helm repo update
  await addRepos(ctx, ['grafana', 'prometheus-community'])
  await checkChartVersions(ctx, ['kube-prometheus-stack', 'loki', 'tempo'])
  // §2.2 helm install kube-prometheus-stack prometheus-community/kube-prometheus-stack -f grafana-values.yaml
  await installRelease(ctx, 'kube-prometheus-stack')
  // §2.3 helm install loki grafana/loki-stack --set grafana.enabled=false --set prometheus.enabled=false
  await installRelease(ctx, 'loki')
  // §2.4 helm install tempo grafana/tempo
  await installRelease(ctx, 'tempo')
}

if (isMain(import.meta)) await main(import.meta, about, run)
