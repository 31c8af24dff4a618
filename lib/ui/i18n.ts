// The words of the checkpoint report and the closing summary, in English or in the workshop's own
// Korean (lib/core/text.ts picks the language and holds the pairs made below the ui floor).
// Commands, names and `--json` stay as they are, so what a script reads never depends on the locale.
import type { Lang } from '../core/text.ts'

export { languageOf, type Lang } from '../core/text.ts'

/** The report's group headings: the checkpoint sentences of seed §5 (✅ 체크포인트), then our own groups. */
export interface GroupTitles {
  monitoring: string
  'cert-manager': string
  operator: string
  releases: string
  datasources: string
  data: string
  grafana: string
  'section-06': string
}

export interface Messages {
  /** the headings, naming the stack's namespace in use (the seed's sentences say monitoring) */
  groups(namespace: string): GroupTitles
  /** after a green report: what section 06 creates and where it sends (Section06 in lib/core/stack.ts) */
  section06: { heading(appNamespace: string): string; traces: string; logs: string; endpoint: string }
  allPassed(total: number): string
  someFailed(failed: number, total: number): string
  summary: string
  total(time: string): string
  notRun: string
  changed: string
  /** what happened to a release or object (lib/core/plan.ts Outcome.action), when the language has its own words */
  actions: Record<string, string>
  nothingToDo: string
  /** a run that stopped early and changed nothing: not the same as having nothing to do */
  nothingChanged: string
  dryRun: string
  /** what comes after a green run */
  next: string
  /** what `npm run grafana` does, after the command */
  grafanaNext: string
}

export const messages: Record<Lang, Messages> = {
  en: {
    groups: (namespace) => ({
      monitoring: `Prometheus, Grafana, Loki and Tempo pods are running in namespace ${namespace}`,
      'cert-manager': 'cert-manager pods are running in namespace cert-manager',
      operator: `the opentelemetry-operator pod is running in namespace ${namespace}`,
      releases: 'helm releases are deployed at the pinned chart versions',
      datasources:
        "Grafana's datasources (Prometheus default, Loki, Tempo) are provisioned, each at a Service that serves",
      data: "Prometheus, Loki and Tempo take data in and give it back (through the API server's service proxy)",
      grafana: "Grafana is healthy, and every datasource passes Grafana's own health check",
      'section-06': 'the OpenTelemetry Operator admits what section 06 creates (a collector and an Instrumentation)',
    }),
    section06: {
      heading: (appNamespace) => `Next: section 06 creates, in namespace ${appNamespace}:`,
      traces: 'traces to',
      logs: 'logs to',
      endpoint: "the apps' OTLP endpoint",
    },
    allPassed: (total) => `All ${total} checks passed.`,
    someFailed: (failed, total) => `${failed} of ${total} checks failed.`,
    summary: 'Summary',
    total: (time) => `total ${time}`,
    notRun: 'not run',
    changed: 'changed',
    actions: {},
    nothingToDo: 'nothing to do: everything was already in place',
    nothingChanged: 'nothing was changed',
    dryRun: 'dry run: nothing was changed; stdout holds the steps as a bash script (npm run --silent … > steps.sh)',
    next: 'Next',
    grafanaNext: 'opens Grafana: its URL and user; the password to the clipboard (or --show-password)',
  },
  ko: {
    groups: (namespace) => ({
      monitoring: `${namespace} 네임스페이스에 Prometheus, Grafana, Loki, Tempo 파드가 실행 중이다.`,
      'cert-manager': 'cert-manager 네임스페이스에 cert-manager 파드가 실행 중이다.',
      operator: `${namespace} 네임스페이스에 opentelemetry-operator 파드가 실행 중이다.`,
      releases: 'Helm 릴리스가 고정된 차트 버전으로 배포되어 있다.',
      datasources: 'Grafana 데이터소스(Prometheus 기본, Loki, Tempo)가 응답하는 서비스를 가리킨다.',
      data: 'Prometheus, Loki, Tempo가 데이터를 받아 돌려준다 (API 서버의 서비스 프록시 경유).',
      grafana: 'Grafana가 정상이고, 모든 데이터소스가 Grafana 자체 상태 점검을 통과한다.',
      'section-06': 'OpenTelemetry Operator가 06장에서 만들 Collector와 Instrumentation을 받아들인다.',
    }),
    section06: {
      heading: (appNamespace) => `다음 단계: 06장에서 ${appNamespace} 네임스페이스에 만드는 것:`,
      traces: '트레이스 전송',
      logs: '로그 전송',
      endpoint: '앱의 OTLP 엔드포인트',
    },
    allPassed: (total) => `점검 ${total}개 모두 통과했습니다.`,
    someFailed: (failed, total) => `점검 ${total}개 중 ${failed}개가 실패했습니다.`,
    summary: '요약',
    total: (time) => `전체 ${time}`,
    notRun: '실행 안 함',
    changed: '변경됨',
    actions: {
      installed: '설치됨',
      upgraded: '업그레이드됨',
      replaced: '교체됨',
      removed: '제거됨',
      unchanged: '변경 없음',
      healed: '복구됨',
      applied: '적용됨',
      created: '생성됨',
      exists: '이미 있음',
      checked: '확인됨',
      failed: '실패',
    },
    nothingToDo: '할 일 없음: 모두 이미 설치되어 있습니다',
    nothingChanged: '변경된 것 없음',
    dryRun:
      '드라이 런: 아무것도 바꾸지 않았습니다. ' +
      'stdout에 단계별 bash 스크립트가 있습니다 (npm run --silent … > steps.sh)',
    next: '다음 단계',
    grafanaNext: 'Grafana 열기: URL과 사용자, 비밀번호는 클립보드로 복사 (또는 --show-password)',
  },
}

/** `text` padded with spaces to `columns` terminal columns (Hangul takes two). */
export function padColumns(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - displayWidth(text)))
}

/** How many terminal columns `text` takes (Hangul takes two). */
export function displayWidth(text: string): number {
  let width = 0
  for (const ch of text)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1
  return width
}
