#!/usr/bin/env -S npx zx
// `npm run grafana`: Grafana of the stack on this machine, where section 06 goes on. A port-forward
// until Ctrl-C, its URL and user; the admin password to the clipboard (or --show-password).
import { isMain, main } from '../lib/run/main.ts'
import { frameSettings, type Script } from '../lib/run/sections.ts'
import { openGrafana } from '../lib/steps/grafana.ts'

export const script = {
  summary: {
    en:
      "Open the stack's Grafana: a port-forward on 127.0.0.1 until Ctrl-C, its URL and user; the admin " +
      'password copied to the clipboard (printed only with --show-password). Changes nothing.',
    ko:
      '스택의 Grafana를 엽니다: Ctrl-C까지 127.0.0.1로 포트 포워드, URL과 사용자,' +
      ` 관리자 비밀번호는 클립보드로 복사(--show-password일 때만 출력). 아무것도 바꾸지 \
않습니다.`,
  },
  settings: () => [...frameSettings, 'namespace', 'grafana-port', 'show-password'],
  run: openGrafana,
} satisfies Script

if (isMain(import.meta)) await main(import.meta, script)
