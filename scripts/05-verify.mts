#!/usr/bin/env -S npx zx
// Seed §5 설치 확인 and ✅ 체크포인트: one line per check, ✅/❌ with what explains a ❌.
// Exit code 0 only when every check passes; --json for machines.
import { ExitError } from '../lib/core/errors.ts'
import { isMain, main } from '../lib/run/main.ts'
import { type Context } from '../lib/steps/context.ts'
import { verifyStack } from '../lib/steps/verify.ts'

export const about = {
  summary: 'Seed §5: check every checkpoint (pods, releases, webhooks, Grafana datasources); exit 1 if any fails.',
}

export async function run(ctx: Context) {
  // §5 every pod Running, and the checkpoint list
  const report = await verifyStack(ctx)
  if (!report.ok) throw new ExitError(1)
}

if (isMain(import.meta)) await main(import.meta, about, run)
