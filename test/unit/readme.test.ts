// README.ko.md is kept in step with README.md: the same sections and tables, the same commands in
// its code blocks, every command, script and flag the English README names; and both name every
// setting the code has. Prose may differ; what a user types, and where they find it, may not.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { settingDefs } from '../../lib/core/config.ts'
import { root } from '../tools/extract.mts'

/** What a user types, as named in a README: `npm run X`, `scripts/*.mts` and `--flags`. */
function namedInReadme(markdown: string): { commands: string[]; scripts: string[]; flags: string[] } {
  const all = (re: RegExp) => [...new Set([...markdown.matchAll(re)].map((m) => m[1]))].sort()
  return {
    // a script name may have a colon inside (test:e2e), not at its end; a line break may split the command
    commands: all(/npm\s+run\s+([a-z][\w:-]*\w)/g).map((name) => `npm run ${name}`),
    scripts: all(/(scripts\/[\w.-]+\.mts)/g),
    // --flag, --flag=value (the flag only), --<repo>-repo; not a bare `--`
    flags: all(/(?<![\w-])(--[a-z<][a-z0-9<>-]*)/g),
  }
}

/**
 * What two translations must share: heading levels in order; each table's column count, row count
 * and the code spans of each row's first cell (setting names, scripts, messages); each code block's
 * commands (comments and blank lines left out), but of a `text` block (output, which is translated
 * too) only that it is there.
 */
function structureOf(markdown: string) {
  const headings: string[] = []
  const tables: { columns: number; keys: string[] }[] = []
  const code: string[][] = []
  let block: string[] | undefined
  let output = false
  let table: string[][] | undefined
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      if (block) code.push(output ? ['(output)'] : block)
      output = line === '```text'
      block = block ? undefined : []
      continue
    }
    if (block) {
      const command = line.replace(/(^|\s)#.*$/, '').trimEnd()
      if (command) block.push(command)
      continue
    }
    if (line.startsWith('|')) {
      if (!table) tables.push({ columns: 0, keys: [] })
      table = [...(table ?? []), cells(line)]
      const [header, , ...rows] = table
      tables[tables.length - 1] = { columns: header.length, keys: rows.map((row) => codeSpans(row[0]).join(' ')) }
      continue
    }
    table = undefined
    const heading = /^(#{1,6}) /.exec(line)
    if (heading) headings.push(heading[1])
  }
  return { headings, tables, code }
}

/** A table row's cells; a `|` inside a code span is no border. */
function cells(row: string): string[] {
  const out = ['']
  let inCode = false
  for (const ch of row.trim().slice(1, -1)) {
    if (ch === '`') inCode = !inCode
    if (ch === '|' && !inCode) out.push('')
    else out[out.length - 1] += ch
  }
  return out.map((c) => c.trim())
}

const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1])

/**
 * The settings a README names: each `--flag`, and for a table row of many (`--<release>-version`)
 * every name its last cell lists in code (`loki`, `tempo` …).
 */
function settingsNamed(markdown: string): Set<string> {
  const named = new Set([...markdown.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*[a-z0-9])/g)].map((m) => m[1]))
  for (const line of markdown.split('\n').filter((l) => l.startsWith('|'))) {
    const row = cells(line)
    const suffix = /^`--<[a-z]+>(-[a-z]+)`/.exec(row[0])?.[1]
    if (suffix) for (const name of codeSpans(row.at(-1)!)) named.add(`${name}${suffix}`)
  }
  return named
}

const read = (name: string) => fs.readFileSync(path.join(root, name), 'utf8')

// namedInReadme

const namedTest = suite('namedInReadme')

namedTest('works: commands, scripts and flags, each once, sorted', () => {
  const md = 'Run `npm run all -- --dry-run`, then `npm run all`; or `npx zx scripts/02-lgtm.mts --timeout=5m`.'
  assert.equal(namedInReadme(md), {
    commands: ['npm run all'],
    scripts: ['scripts/02-lgtm.mts'],
    flags: ['--dry-run', '--timeout'],
  })
})

for (const [name, md, expected] of [
  ['a placeholder flag', '`--<release>-version`', ['--<release>-version']],
  ['a bare -- separator is not a flag', 'npm run all -- --json', ['--json']],
  ['a flag inside another word is not a flag', 'node-options=--import=tsx and a--b', ['--import']],
] as [string, string, string[]][]) {
  namedTest(name, () => {
    assert.equal(namedInReadme(md).flags, expected)
  })
}

namedTest('a command split over two lines, and a colon after it', () => {
  assert.equal(namedInReadme('E2E_LAYERS=v35 npm run\ntest:e2e runs one; npm run demo: the flow').commands, [
    'npm run demo',
    'npm run test:e2e',
  ])
})

namedTest.run()

// structureOf

const structureTest = suite('structureOf')

const sample = [
  '# Title',
  '## Settings',
  '| Flag | Meaning |',
  '| --- | --- |',
  '| `--timeout=10m` | how long each wait may take |',
  '| `--yes` / `--purge` | teardown |',
  '| plain | no code |',
  '| `get secret | base64 -d` | a pipe in code |',
  '',
  '```bash',
  '# a comment line',
  'npm run all -- --dry-run > install.sh   # every step',
  '',
  '```',
  '```text',
  'All 20 checks passed.',
  '```',
  '### More',
].join('\n')

structureTest('works: heading levels, tables by their first-column keys, code blocks by their commands', () => {
  assert.equal(structureOf(sample), {
    headings: ['#', '##', '###'],
    tables: [{ columns: 2, keys: ['--timeout=10m', '--yes --purge', '', 'get secret | base64 -d'] }],
    code: [['npm run all -- --dry-run > install.sh'], ['(output)']],
  })
})

structureTest('a translation of the prose and comments has the same structure', () => {
  const korean = sample
    .replace('Settings', '설정')
    .replace('how long each wait may take', '각 대기의 최대 시간')
    .replace('# every step', '# 모든 단계')
    .replace('All 20 checks passed.', '점검 20개 모두 통과했습니다.')
  assert.equal(structureOf(korean), structureOf(sample))
})

for (const [what, change] of [
  ['a row less', (md: string) => md.replace('| `--yes` / `--purge` | teardown |\n', '')],
  ['another key', (md: string) => md.replace('`--timeout=10m`', '`--timeout=5m`')],
  ['another heading level', (md: string) => md.replace('### More', '## More')],
  ['another command', (md: string) => md.replace('> install.sh', '> steps.sh')],
  ['a code block less', (md: string) => md.replace('```text\nAll 20 checks passed.\n```\n', '')],
] as [string, (md: string) => string][]) {
  structureTest(`${what}: another structure`, () => {
    assert.not.equal(structureOf(change(sample)), structureOf(sample))
  })
}

structureTest.run()

// settingsNamed

const settingsTest = suite('settingsNamed')

settingsTest('works: flags, and the names a placeholder row lists', () => {
  const md = [
    'Run with `--help`; `--dry-run=true` too.',
    '| `--<release>-version` | `STACK_<RELEASE>_VERSION` | chart version per release: `loki`, `tempo` |',
  ].join('\n')
  assert.equal([...settingsNamed(md)].sort(), ['dry-run', 'help', 'loki-version', 'tempo-version'])
})

settingsTest.run()

// README.ko.md

const parityTest = suite('README.ko.md')

parityTest('works: README.md links to it at the top', () => {
  const top = read('README.md').split('\n').slice(0, 5).join('\n')
  assert.match(top, /\(README\.ko\.md\)/)
})

const english = namedInReadme(read('README.md'))
const korean = read('README.ko.md')

for (const kind of ['commands', 'scripts', 'flags'] as const) {
  parityTest(`names every one of README.md's ${kind}`, () => {
    assert.ok(english[kind].length > 0, `README.md names ${kind}`)
    const missing = english[kind].filter(
      (name) => !(kind === 'commands' ? namedInReadme(korean).commands.includes(name) : korean.includes(name)),
    )
    assert.equal(
      missing,
      [],
      `README.ko.md lacks ${missing.join(', ')} (named in README.md): add them where the Korean text says the same`,
    )
  })
}

parityTest('has the same structure: headings, tables and their first-column keys, code blocks', () => {
  const en = structureOf(read('README.md'))
  const ko = structureOf(korean)
  assert.equal(ko.headings, en.headings, 'the same headings at the same levels, in the same order')
  assert.equal(ko.tables.length, en.tables.length, 'as many tables')
  en.tables.forEach((table, i) => {
    assert.equal(ko.tables[i], table, `table ${i + 1}: the same columns, rows and first-column keys`)
  })
  assert.equal(ko.code, en.code, 'the same commands in the code blocks')
})

for (const file of ['README.md', 'README.ko.md']) {
  parityTest(`${file} names every setting of lib/core/config.ts`, () => {
    const named = settingsNamed(read(file))
    const missing = settingDefs.map((d) => d.flag).filter((flag) => !named.has(flag))
    assert.equal(missing, [], `${file} lacks ${missing.map((f) => `--${f}`).join(', ')}: add it to its settings table`)
  })
}

parityTest("names the workshop's three checkpoint sentences", () => {
  for (const sentence of [
    '네임스페이스에 Prometheus, Grafana, Loki, Tempo 파드가 실행 중이다.',
    '네임스페이스에 cert-manager 파드가 실행 중이다.',
    '네임스페이스에 opentelemetry-operator 파드가 실행 중이다.',
  ]) {
    assert.ok(korean.includes(sentence), sentence)
  }
})

parityTest.run()
