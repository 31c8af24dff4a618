#!/usr/bin/env -S npx zx
// `npm run teardown`: the install plan in reverse — operator, cert-manager, tempo, loki,
// kube-prometheus-stack — removing only what these scripts installed, each waited on until gone.
// CRDs and the monitoring namespace stay unless --purge. Asks first on a terminal; --yes elsewhere.
// `--dry-run` prints the same removals as a bash script.
import { isMain, main } from '../lib/run/main.ts'
import { teardownScript } from '../lib/run/teardown.ts'

export const script = teardownScript(
  'Remove what the scripts installed, in reverse order ' + '(--purge: also the CRDs and the monitoring namespace).',
)

if (isMain(import.meta)) await main(import.meta, script)
