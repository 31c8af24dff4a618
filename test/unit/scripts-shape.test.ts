// Each seed section's script stays a short view of the plan that reads like the seed: at most 20
// lines, the section's heading first, and nothing but the frame and the plan imported.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { sections } from '../../lib/core/stack.ts'
import { projectRoot } from '../../lib/core/values.ts'

const test = suite('scripts/0*.mts')

for (const { script, heading } of Object.values(sections)) {
  test(`${script}: 20 lines or fewer, the seed's heading at the top, lib/run its only import`, () => {
    const lines = fs.readFileSync(path.join(projectRoot, script), 'utf8').trimEnd().split('\n')
    assert.ok(lines.length <= 20, `${lines.length} lines`)
    assert.ok(
      lines.slice(0, 3).some((l) => l.includes(heading.split(' ')[0])),
      `no ${heading} near the top`,
    )
    const imports = lines.filter((l) => l.startsWith('import ')).map((l) => /from '([^']+)'/.exec(l)?.[1])
    for (const from of imports) assert.match(from ?? '', /^\.\.\/lib\/run\//)
  })
}

test.run()
