#!/usr/bin/env -S npx zx
// `npm run teardown`: the install plan in reverse — operator, cert-manager, tempo, loki,
// kube-prometheus-stack — removing only what these scripts installed, each waited on until gone.
// CRDs stay unless --purge, which refuses while they hold custom resources not ours; the namespace
// goes only if these scripts created it and it holds nothing else. Asks first on a terminal; --yes elsewhere.
// `--dry-run` prints the same removals as a bash script.
import { isMain, main } from '../lib/run/main.ts'
import { teardownScript } from '../lib/run/teardown.ts'

export const script = teardownScript({
  en: 'Remove what the scripts installed, in reverse order (--purge: also the CRDs and the monitoring namespace).',
  ko: `스크립트가 설치한 것을 역순으로 제거합니다 (--purge: CRD와 monitoring \
네임스페이스까지).`,
})

if (isMain(import.meta)) await main(import.meta, script)
