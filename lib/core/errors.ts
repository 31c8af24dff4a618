// The few ways a run can fail, each with the exit code and the text the user needs.
// lib/ throws these; only lib/run/main.ts prints them and sets the exit code.

/** Bad configuration or flags (exit 2), raised before any cluster call. Lists every problem at once. */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems with the settings`)
  }
}

/** The environment is not usable (no kubectl, no cluster, helm 2 …): exit 2, nothing changed. */
export class EnvironmentError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
  }
}

/** A step that could not go on: a failed command, a wait that ran out, a missing prerequisite. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly details: { command?: string; exitCode?: number | null; output?: string; hint?: string } = {},
  ) {
    super(message)
  }
}

/** Ends the run with this code after the output was already printed (e.g. a failing report). */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** A command not started because the run was interrupted: the signal handler says so, once. */
export class InterruptedError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof ExitError) return error.code
  if (error instanceof UsageError || error instanceof EnvironmentError) return 2
  return 1
}
