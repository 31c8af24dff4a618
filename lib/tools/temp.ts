// A private temporary folder for the length of one use: mkdtemp makes it readable by us only, and it is
// removed however the use ends.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  try {
    return await use(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
