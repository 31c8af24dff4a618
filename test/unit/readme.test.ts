// README.ko.md is kept in step with README.md: every command, script and flag the English README
// names is named in the Korean one too. Prose may differ; what a user types may not.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
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
