/**
 * Every message ChildProcessRunner produces, in one place. They name the executable as the
 * caller gave it, never its arguments (which may carry user input) nor the resolved path.
 */
export const ChildProcessMessages = {
  queueFull: (maxQueue: number) =>
    `The command queue is full (${maxQueue} commands waiting); try again shortly`,
  closed: () => 'The command runner is shutting down and takes no new commands',
  failed: (executable: string, exitCode: number | null, signal: string | null) =>
    signal === null
      ? `Command ${executable} exited with code ${exitCode}`
      : `Command ${executable} was killed by ${signal}`,
  timedOut: (executable: string, timeoutMs: number) =>
    `Command ${executable} did not finish within ${timeoutMs} ms`,
  idle: (executable: string, idleTimeoutMs: number) =>
    `Command ${executable} produced no output for ${idleTimeoutMs} ms`,
  outputTooLarge: (executable: string, maxOutputBytes: number) =>
    `Command ${executable} wrote more than ${maxOutputBytes} bytes to stdout`,
  aborted: (executable: string) => `Command ${executable} was cancelled`,
  helperLost: (executable: string) =>
    `Command ${executable} was lost: the spawn helper stopped answering or died; try again`,
  spawnFailed: (executable: string, code: string) =>
    `Command ${executable} could not be started (${code})`,
  notFound: (executable: string, reason: string) => `Executable ${executable} ${reason}`,
  notAllowed: (executable: string) => `Executable ${executable} is not in the allowlist`,
  invalid: (executable: string, reason: string) => `Invalid command ${executable}: ${reason}`,
} as const;
