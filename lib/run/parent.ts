// The process that started the script, watched as a terminal would be: its going away is a
// hang-up. And nohup respected: a hang-up ignored when Node started is not ours to act on.
import fs from 'node:fs'

/** How often the parent is looked at: a syscall, no process started. */
export const PARENT_POLL_MS = 500

/**
 * Calls `onGone` once the process that started the script is gone, as a hang-up. npm, stopped with
 * SIGTERM, passes it to the shell it runs the script in and exits: the shell dies of it, and the
 * script, never signalled, would go on in the background and finish the install after the caller
 * had its exit code. Node has no parent-death signal, so the parent is polled.
 */
export function watchParent(onGone: () => void): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    // the parent often died of a signal sent to its whole process group, this process included: the
    // signal, if pending, is handled in this turn of the event loop before setImmediate's callbacks
    setImmediate(onGone)
  }, PARENT_POLL_MS)
  timer.unref()
  if (orphanedAtStart({ startedByNpm: Boolean(process.env.npm_lifecycle_event), parentAgeSeconds: parentAge() })) {
    clearInterval(timer)
    setImmediate(onGone)
  }
  return () => clearInterval(timer)
}

/**
 * npm stopped while Node was still loading the script: its shell died before the script could note
 * its parent, and it was adopted by init or a subreaper, which started long before it. A script npm
 * starts has that shell (or npm itself, when the shell execs it) as its parent, started moments
 * earlier.
 */
export function orphanedAtStart(facts: { startedByNpm: boolean; parentAgeSeconds?: number }): boolean {
  return facts.startedByNpm && facts.parentAgeSeconds !== undefined && facts.parentAgeSeconds > 60
}

/** How long before this process its parent started, from /proc (Linux); unknown elsewhere. */
function parentAge(): number | undefined {
  try {
    const read = (pid: string) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return (startTicksIn(read('self')) - startTicksIn(read(String(process.ppid)))) / 100
  } catch {
    return undefined
  }
}

/** A process's start in clock ticks since boot (USER_HZ, 100 a second): field 22 of its /proc/<pid>/stat. */
export function startTicksIn(stat: string): number {
  // counted after the command name, which is in parentheses and may hold spaces: the 3rd field comes first
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
}

/** Whether SIGHUP was ignored when Node started (nohup), from /proc (Linux). */
export function hangupIgnored(): boolean {
  try {
    return hangupIgnoredIn(fs.readFileSync('/proc/self/status', 'utf8'))
  } catch {
    return false
  }
}

/** SIGHUP's bit (the lowest) in the SigIgn mask of a /proc/<pid>/status. */
export function hangupIgnoredIn(status: string): boolean {
  const ignored = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1]
  return ignored !== undefined && (BigInt(`0x${ignored}`) & 1n) === 1n
}
