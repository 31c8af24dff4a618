// This machine's record of a run's helm operations that did not finish and may have left their release
// pending-*, kept when the API server could not be reached to mark the revision itself (ENDED_ANNOTATION):
// the outage that failed the run failed its helm too. The next run here heals such a release at once, as
// it would a marked one, rather than wait out --timeout for an operation no longer running. One JSON file
// in the user's state folder ($XDG_STATE_HOME, else ~/.local/state); entries older than a week are dropped.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ReleaseRef } from './exec.ts'
import { revisionLeftPending, type HistoryEntry } from './helm.ts'

export interface EndedHelm extends ReleaseRef {
  /** the API server's URL, as the kubeconfig names it: another cluster's release of the same name is not this */
  server: string
  /** when that helm started and ended, in ms since the epoch */
  startedAt: number
  endedAt: number
  /** whose helm it was, and when it ended, as the mark says it */
  note: string
}

const KEEP_MS = 7 * 24 * 60 * 60 * 1000

export function endedHelmsFile(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state')
  return path.join(state, 'k8s-monitoring-stack', 'ended-helms.json')
}

/** The records in a file's text; anything not shaped as one is left out (a file we cannot read is no record). */
export function parseEndedHelms(text: string): EndedHelm[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  return Array.isArray(parsed) ? parsed.filter(isEndedHelm) : []
}

function isEndedHelm(v: unknown): v is EndedHelm {
  const r = v as Partial<EndedHelm> | null
  return (
    typeof r === 'object' &&
    r !== null &&
    ['server', 'namespace', 'name', 'note'].every((k) => typeof r[k as keyof EndedHelm] === 'string') &&
    Number.isFinite(r.startedAt) &&
    Number.isFinite(r.endedAt)
  )
}

/** The records to keep once `added` are: those of the last week, and the new ones. */
export function withEndedHelms(records: EndedHelm[], added: EndedHelm[], now: number): EndedHelm[] {
  return [...records.filter((r) => now - r.endedAt < KEEP_MS), ...added]
}

/**
 * Whose helm left the release's newest revision pending-*, by the records: one on the same server and
 * release that ran while that revision was written (`revisionLeftPending`). Undefined when none did.
 */
export function endedHelmOf(
  records: EndedHelm[],
  server: string | undefined,
  release: ReleaseRef,
  history: HistoryEntry[],
): string | undefined {
  return records.find(
    (r) =>
      r.server === server &&
      r.namespace === release.namespace &&
      r.name === release.name &&
      revisionLeftPending(history, r) !== undefined,
  )?.note
}

export function readEndedHelms(file = endedHelmsFile()): EndedHelm[] {
  try {
    return parseEndedHelms(fs.readFileSync(file, 'utf8'))
  } catch {
    return []
  }
}

/** Adds records to the file: written whole to a temporary file, then renamed, so a reader never sees half. */
export function recordEndedHelms(added: EndedHelm[], file = endedHelmsFile(), now = Date.now()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const next = withEndedHelms(readEndedHelms(file), added, now)
  const partial = `${file}.${process.pid}`
  fs.writeFileSync(partial, `${JSON.stringify(next, null, 2)}\n`)
  fs.renameSync(partial, file)
}
