// Stryker's command runner, per mutant: the unit tests of the mutated module, not the whole suite
// (which takes some 15 s a mutant: half a day for lib/'s 7,000 mutants on two cores). The runner
// names only the mutant's id (__STRYKER_ACTIVE_MUTANT__, in its sandbox: a copy of the project
// with every lib/ file instrumented); the lib/ file holding it is the one whose code asks for that
// id. A module's tests are the test/unit files that import it: a mutant that only the tests of
// another module would kill (one above it, or one whose fixtures builders.ts makes with it) counts
// as survived, so the score is a floor of the whole suite's. Plain JavaScript: it starts once per
// mutant, and node starts it in a tenth of the time tsx takes.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const UNIT = 'test/unit'

const id = process.env.__STRYKER_ACTIVE_MUTANT__
const tests = fs.readdirSync(UNIT).filter((f) => f.endsWith('.test.ts'))
const holder = id === undefined ? undefined : holderOf(id)
// the dry run (which must pass: Stryker then shows what failed), or a mutant found in no lib/ file: every test file
const chosen = holder === undefined ? tests : tests.filter((t) => importsOf(path.join(UNIT, t)).includes(holder))
// no unit test imports the mutated module: nothing of ours could kill the mutant, which survives
process.exit(!chosen.length || passes(chosen) ? 0 : 1)

/** Whether these test files pass, every test of them counted, with uvu's output passed on. */
function passes(files) {
  const pattern = `^(${files.map((t) => t.replace(/\./g, '\\.')).join('|')})$`
  // plain output: its counts are read below
  const env = { ...process.env, NODE_DISABLE_COLORS: '1' }
  const run = spawnSync('node_modules/.bin/uvu', ['-r', 'tsx', UNIT, pattern], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  process.stdout.write(run.stdout)
  process.stderr.write(run.stderr)
  return run.status === 0 && allPassed(run.stdout)
}

/**
 * By uvu's own count: a test that throws an error whose `details` is no string (our StepError)
 * ends its suite uncounted while uvu still exits 0; a test that did not pass kills the mutant.
 */
function allPassed(output) {
  const count = (what) => Number(new RegExp(`${what}:\\s+(\\d+)`).exec(output)?.[1])
  return count('Passed') + count('Skipped') === count('Total')
}

/** The lib/ file whose instrumented code asks whether this mutant is the active one. */
function holderOf(mutant) {
  const asks = `stryMutAct_9fa48("${mutant}")`
  return files('lib').find((f) => fs.readFileSync(f, 'utf8').includes(asks))
}

function files(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.ts'))
}

/** The project files a module imports by a relative path (statically or not). */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+\.m?ts)['"]/g)]
    .map((m) => path.join(path.dirname(file), m[1]))
    .filter((f) => fs.existsSync(f))
}
