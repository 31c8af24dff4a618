#!/usr/bin/env -S npx zx
// Seed §1 사전 준비, as the stack table (lib/core/plan.ts) has it:
//   - the preflight every script runs first: kubectl, helm, the target context, the cluster answering
//   - the app's namespace is there:   kubectl get ns ticketing   (missing: a warning; --require-app: an error)
//   - the monitoring namespace:       kubectl create ns monitoring   (left as it is when it exists)
// `npx zx scripts/01-namespace.mts --dry-run` prints these steps as a bash script to copy.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript(['namespace'], {
  en: 'Seed §1: check the app namespace (ticketing) and create the monitoring namespace.',
  ko: 'Seed §1: 앱 네임스페이스(ticketing)를 확인하고 monitoring 네임스페이스를 만듭니다.',
})

if (isMain(import.meta)) await main(import.meta, script)
