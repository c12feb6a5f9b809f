/** Variables the children get from the service's environment unless configured otherwise. */
export const DEFAULT_ENV_ALLOWLIST: readonly string[] = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/**
 * Options of {@link ChildProcessModule}. The limits are defaults that each
 * `ChildProcessRunner.run` / `stream` call may override.
 */
export interface ChildProcessModuleOptions {
  /**
   * Where processes are forked. `'helper-process'` (default): from a small helper process
   * that hands each command's pipes to the service over IPC, so the service's event loop
   * never blocks in fork() (src/concurrency/spawn). `'in-process'`: from the service itself,
   * simplest, each spawn blocking its event loop for milliseconds that grow with its memory.
   */
  spawner?: 'helper-process' | 'in-process';
  /** Commands that run at once; the rest wait in arrival order. Default: 4. */
  maxConcurrency?: number;
  /** Commands that may wait for a slot; past it, `CommandQueueFullError`. Default: 64. */
  maxQueue?: number;
  /** Deadline of a command, queue wait included; 0 disables it. Default: 30 000 ms. */
  timeoutMs?: number;
  /** How long a process group gets between SIGTERM and SIGKILL. Default: 2 000 ms. */
  killGraceMs?: number;
  /** Bytes a command may write to stdout before its group is killed. Default: 10 MiB. */
  maxOutputBytes?: number;
  /** Kill a command silent on stdout and stderr for this long; 0 disables it. Default: 0 (off). */
  idleTimeoutMs?: number;
  /** Bytes of stderr kept per command, the last ones (a tail). Default: 64 KiB. */
  maxStderrBytes?: number;
  /**
   * Executables that may run, as bare names (`gzip`) or absolute paths. A command passes when
   * it names an entry exactly or resolves to the same file as one (`/usr/bin/gzip` with `gzip`
   * listed, `sh` with `/bin/sh`). Default: undefined, any executable.
   */
  allowedExecutables?: readonly string[];
  /**
   * Variables copied from the service's environment into every child's; callers add more
   * with `env`. Default: PATH, LANG, LC_ALL, TZ, TMPDIR: the search path, locale and time
   * zone that change how tools behave, none of them secret. HOME is left out so commands do
   * not read the service user's dotfiles; add it here or pass it in `env` where one must.
   */
  envAllowlist?: readonly string[];
  /**
   * On shutdown, how long running and queued commands may finish before their groups are
   * killed. Default: 10 000 ms.
   */
  shutdownTimeoutMs?: number;
  /** `Retry-After` seconds suggested when the queue is full. Default: 1. */
  retryAfterSeconds?: number;
}

export type ResolvedChildProcessOptions = Required<
  Omit<ChildProcessModuleOptions, 'allowedExecutables'>
> &
  Pick<ChildProcessModuleOptions, 'allowedExecutables'>;

export function resolveChildProcessOptions(
  options: ChildProcessModuleOptions,
): ResolvedChildProcessOptions {
  return {
    spawner: options.spawner ?? 'helper-process',
    maxConcurrency: options.maxConcurrency ?? 4,
    maxQueue: options.maxQueue ?? 64,
    timeoutMs: options.timeoutMs ?? 30_000,
    killGraceMs: options.killGraceMs ?? 2_000,
    maxOutputBytes: options.maxOutputBytes ?? 10 * 1024 * 1024,
    idleTimeoutMs: options.idleTimeoutMs ?? 0,
    maxStderrBytes: options.maxStderrBytes ?? 64 * 1024,
    allowedExecutables: options.allowedExecutables,
    envAllowlist: options.envAllowlist ?? DEFAULT_ENV_ALLOWLIST,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
  };
}
