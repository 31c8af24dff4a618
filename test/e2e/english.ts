// What counts as an English sentence under a Korean locale (test/e2e/korean.test.ts): in a line,
// after removing what is not prose — `backticks`, 'quotes', "quotes", {label selectors}, URLs, and
// words with digits, dots, slashes, = or - (commands, flags, versions, paths, object names) — three or
// more English words in a row, or two in a line with no Hangul at all. The names in `names` (tools,
// products, Kubernetes kinds and states, which Korean text keeps as they are) neither count nor break
// a row. A status line that is a command is the command. Quoted tool output is not ours to
// translate: the lines indented under a command's output or a pod's last events, and an event's or
// a tool's own message after ` — `. A row of the report (`   ✅ title  detail`) is read as two
// sentences, its title and its detail: a Korean title must not excuse an English detail.
import { stripVTControlCharacters } from 'node:util'

/** Names Korean text keeps in their own spelling. */
const names = new Set(
  (
    'Prometheus Grafana Loki Tempo Promtail Alloy Alertmanager OpenTelemetry Operator Collector Instrumentation ' +
    'Helm helm Kubernetes kubectl kube-sim cert-manager webhook API OTLP CA CRD DNS TLS HTTP ' +
    'Service Secret Deployment StatefulSet DaemonSet Pod Job Issuer Certificate ConfigMap Namespace ' +
    'Pending Running Terminating ImagePullBackOff ErrImagePull CrashLoopBackOff Unschedulable ' +
    'ticketing monitoring stdout stderr bash values'
  ).split(' '),
)

/** The English sentences in `text`, each with its line. */
export function englishSentences(text: string): string[] {
  const found: string[] = []
  let quotedBelow: number | undefined
  for (const raw of stripVTControlCharacters(text).split('\n').flatMap(reportColumns)) {
    // a step's tag (`§2.4 tempo │ `) and a status mark are not prose
    const line = raw.replace(/^.*? │ /, '').replace(/^[\s✓✗…!-]*/, (m) => ' '.repeat(m.length))
    const indent = /^\s*/.exec(line)![0].length
    // a command's output and a pod's events, quoted under their heading, are the tool's, not ours
    if (quotedBelow !== undefined && indent > quotedBelow && line.trim()) continue
    quotedBelow = /(Command output|명령 출력|last events|최근 이벤트):\s*$/.test(line) ? indent : undefined
    const prose = line
      // a status line that is a command (`… helm upgrade --install loki grafana/loki-stack 2.10.3 (2.0s)`)
      .replace(/^\s*(npm run|npx zx|helm|kubectl) .*?(?= \(\d+(\.\d)?s\)$|$)/, ' ')
      .replace(/ — .*$/, '')
      .replace(/`[^`]*`|'[^']*'|"[^"]*"|\{[^}]*\}/g, ' ')
      .replace(/https?:\/\/\S+/g, ' ')
      // a command named in prose: `npm run grafana`, `npx zx scripts/05-verify.mts`, `helm history`
      .replace(/\b(npm run( --silent)?|npx zx|helm|kubectl) [\w:/.-]+/g, ' ')
    let row = 0
    let words = 0
    for (const token of prose.split(/\s+/).filter(Boolean)) {
      const word = token.replace(/^[([]+|[)\],.:;!?…]+$/g, '')
      if (names.has(word)) continue
      const english = /^[A-Za-z]+(?:'[a-z]+)?$/.test(word)
      row = english ? row + 1 : 0
      words += english ? 1 : 0
      if (row === 3) break
    }
    if (row >= 3 || (words >= 2 && !/[\uac00-\ud7a3]/.test(prose))) found.push(raw.trim())
  }
  return [...new Set(found)]
}

/** A report row as its two columns (the title is padded with two spaces or more), any other line as it is. */
function reportColumns(line: string): string[] {
  const row = /^(\s*[✅❌] )(.+?) {2,}(\S.*)$/.exec(line)
  return row ? [`${row[1]}${row[2]}`, `${row[1]}${row[3]}`] : [line]
}
