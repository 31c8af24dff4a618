// The children a run starts, handled so that none can crash the script or outlive it: signalled
// only while they run, killed when they do not end, fed their input without a write error nobody
// listens to.
import fs from 'node:fs'
import type { PassThrough } from 'node:stream'
import type { ProcessPromise } from 'zx/core'

/**
 * Sends a signal to a child and to every process it started; one that has exited already is left
 * alone. kubectl and helm start no children of their own, but the `kubectl` first on PATH may be a
 * wrapper script (asdf and mise shims, `minikube kubectl`): signalled alone, the wrapper would end
 * and leave its kubectl holding our pipe, and the wait for it would never end. Not zx's kill(): it
 * throws "Too late to kill the process" for a child that has exited, and runs `ps` for every call.
 */
export function signalChild(child: ProcessPromise, signal: NodeJS.Signals): void {
  const pid = child.child?.pid
  if (pid === undefined || child.child?.exitCode !== null || child.child?.signalCode !== null) return
  // the descendants first: a wrapper that ends first would leave them to init, out of our reach
  for (const descendant of descendantsOf(pid).reverse()) {
    try {
      process.kill(descendant, signal)
    } catch {
      // it ended meanwhile
    }
  }
  child.child?.kill(signal)
}

/**
 * A process's descendants, parents before their children, read from /proc (Linux). Elsewhere none
 * are found and only the child itself is signalled.
 */
export function descendantsOf(pid: number, proc = '/proc'): number[] {
  const found: number[] = []
  const visit = (parent: number) => {
    for (const child of childrenOf(parent, proc)) {
      found.push(child)
      visit(child)
    }
  }
  visit(pid)
  return found
}

function childrenOf(pid: number, proc: string): number[] {
  try {
    // one file per thread: a child started from any thread is listed under that thread
    return fs
      .readdirSync(`${proc}/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`${proc}/${pid}/task/${task}/children`, 'utf8').split(' '))
      .filter((field) => field.trim() !== '')
      .map(Number)
  } catch {
    return []
  }
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
