// The children a run starts, handled so that none can crash the script or outlive it: signalled
// only while they run, killed when they do not end, fed their input without a write error nobody
// listens to.
import type { PassThrough } from 'node:stream'
import type { ProcessPromise } from 'zx'

/**
 * Sends a signal to a child; one that has exited already is left alone. Not zx's kill(): it throws
 * "Too late to kill the process" for a child that has exited, and lists the process tree with `ps`
 * first (kubectl and helm start no children of their own).
 */
export function signalChild(child: ProcessPromise, signal: NodeJS.Signals): void {
  child.child?.kill(signal)
}

/** Signals a child, gives it `graceMs` to end, then kills it; resolves once it is gone. */
export async function endChild(child: ProcessPromise, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const ended = child.then(
    () => {},
    () => {},
  )
  await started(child)
  signalChild(child, signal)
  let timer: NodeJS.Timeout | undefined
  const graceOver = new Promise<'grace over'>((resolve) => {
    timer = setTimeout(() => resolve('grace over'), graceMs)
  })
  try {
    if ((await Promise.race([ended, graceOver])) === 'grace over') signalChild(child, 'SIGKILL')
  } finally {
    clearTimeout(timer)
  }
  await ended
}

/**
 * Writes a command's input once its stdin can fail quietly: a child ended before it read all of it
 * (a signal to the whole process group, a kubectl that failed at once) would make the write fail
 * with EPIPE, an error nobody listens to, which crashes the script. Its exit code says what happened.
 */
export async function feed(child: ProcessPromise, input: PassThrough, text: string): Promise<void> {
  // zx pipes `input` to its stdin as it starts the process
  await started(child)
  child.stdin?.on('error', () => {})
  input.end(text)
}

/** Resolves once zx has started the process (it does on a later turn of the event loop), or it has settled. */
async function started(child: ProcessPromise): Promise<void> {
  let settled = false
  const settle = () => {
    settled = true
  }
  void child.then(settle, settle)
  while (!child.child && !settled) await new Promise((resolve) => setImmediate(resolve))
}
