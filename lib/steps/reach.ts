// The preflight's first question, asked by the script's frame before the rest of the preflight has
// loaded: the tools found, and the server asked its version. kubectl, a Go binary, takes ~50 ms to
// start and connect; asked here, that start overlaps the loading of the modules the preflight goes
// on with, and a script reaches its cluster 8–16 ms sooner (CONTRIBUTING.md, the benchmark).
import path from 'node:path'
import { type ProcessOutput, which } from 'zx/core'
import { bundledToolsDir } from '../tools/bundled.ts'
import { isTransient } from '../tools/exec.ts'
import { versionCmd } from '../tools/kubectl.ts'
import type { Context } from './context.ts'

export interface FirstAnswers {
  /** where kubectl and helm are on PATH (the bundled ones first with --use-bundled-tools); null: not found */
  kubectlPath: string | null
  helmPath: string | null
  /** the server's version, asked once both tools are found (never offline) */
  serverVersion?: Promise<ProcessOutput>
}

/**
 * Puts the bundled tools first on this process's PATH when asked to (every command and watch of the
 * run inherits it), finds kubectl and helm, and asks the server's version unless offline or a tool
 * is missing. The answer is not awaited here: the preflight judges it once it has read the rest.
 */
export async function askServerFirst(
  ctx: Pick<Context, 'config' | 'runner' | 'target'>,
  offline: boolean,
): Promise<FirstAnswers> {
  if (ctx.config.useBundledTools) process.env.PATH = `${await bundledToolsDir()}${path.delimiter}${process.env.PATH}`
  const [kubectlPath, helmPath] = await Promise.all([
    which('kubectl', { nothrow: true }),
    which('helm', { nothrow: true }),
  ])
  if (offline || !kubectlPath || !helmPath) return { kubectlPath, helmPath }
  const serverVersion = reachServer(ctx)
  // judged by the preflight once loaded; an interrupt meanwhile must not be an unhandled rejection
  serverVersion.catch(() => undefined)
  return { kubectlPath, helmPath, serverVersion }
}

/**
 * One try within kubectl's 4 s request timeout: a server that does not answer is unreachable, and
 * the user hears so at once, from the preflight alone (no outage begins: it never answered). One
 * that answers with a stumble (500, 429) is tried again.
 */
export async function reachServer(ctx: Pick<Context, 'runner' | 'target'>) {
  const once = await ctx.runner.once({ ...versionCmd(ctx.target), unobserved: true })
  return once.exitCode !== 0 && answeredWithAStumble(once.stderr) ? ctx.runner.probe(versionCmd(ctx.target)) : once
}

/** The server answered, with an error worth another try (500, 429): not silence, which is no answer. */
export function answeredWithAStumble(stderr: string): boolean {
  return (
    isTransient(stderr) && !/i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout/i.test(stderr)
  )
}
