#!/usr/bin/env -S npx zx
// Seed §3 cert-manager 설치, as the stack table (lib/core/plan.ts) has it:
//   kubectl apply -f https://github.com/cert-manager/cert-manager/releases/download/v1.14.5/cert-manager.yaml
//   wait until the cert-manager pods are Running, and (the seed's warning, as code) until its webhook
//   answers: a server-side dry run of an Issuer passes.
// `npx zx scripts/03-cert-manager.mts --dry-run` prints these steps as a bash script to copy.
import { isMain, main } from '../lib/run/main.ts'
import { sectionScript } from '../lib/run/sections.ts'

export const script = sectionScript(['cert-manager'], {
  en: 'Seed §3: apply the cert-manager manifest and wait until its webhook answers.',
  ko: 'Seed §3: cert-manager 매니페스트를 적용하고 웹훅이 응답할 때까지 기다립니다.',
})

if (isMain(import.meta)) await main(import.meta, script)
