#!/usr/bin/env -S npx zx
// `npm run export`: every seed section as a standalone bash script (01-namespace.sh … 05-verify.sh,
// all.sh, teardown.sh) in one folder, with the values files they name. No cluster needed.
import { exportScript } from '../lib/run/export.ts'
import { isMain, main } from '../lib/run/main.ts'

export const script = exportScript({
  en:
    'Write each step of seed 05 as a bash script into --export-dir (default ./steps), ' +
    'with the values files; the same commands --dry-run prints.',
  ko:
    'seed 05의 각 단계를 values 파일과 함께 bash 스크립트로' +
    ' --export-dir(기본값 ./steps)에 씁니다.' +
    ' --dry-run이 출력하는 것과 같은 명령입니다.',
})

if (isMain(import.meta)) await main(import.meta, script)
