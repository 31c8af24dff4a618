#!/usr/bin/env -S npx zx
// `npm run export`: every seed section as a standalone bash script (01-namespace.sh … 05-verify.sh,
// all.sh, teardown.sh) in one folder, with the values files they name. No cluster needed.
import { exportScript } from '../lib/run/export.ts'
import { isMain, main } from '../lib/run/main.ts'

export const script = exportScript(
  'Write each step of seed 05 as a bash script into --export-dir (default ./steps), ' +
    'with the values files; the same commands --dry-run prints.',
)

if (isMain(import.meta)) await main(import.meta, script)
