#!/usr/bin/env -S npx zx
// Seed §3 cert-manager 설치: the release manifest, then the seed's warning as code: the step is
// done only when the three deployments are available AND the webhook answers.
import { applyCertManager, waitForCertManager } from '../lib/steps/certmanager.ts'
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'

export const about = {
  summary: 'Seed §3: apply the cert-manager manifest and wait until its webhook answers.',
}

export async function run(ctx: Context) {
  // §3 cert-manager v1.14.5: its release manifest, applied
  await applyCertManager(ctx)
  // §3 wait until the cert-manager pods are Running, and its webhook answers
  await waitForCertManager(ctx)
}

if (isMain(import.meta)) await main(import.meta, about, run)
