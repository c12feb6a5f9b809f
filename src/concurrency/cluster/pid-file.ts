import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/*
 * The primary's pid file: how `npm run reload` finds THIS service's primary, however it was
 * started (`npm start`, `npm run start:dev`, a shell), where a search by command line would
 * find another checkout's service or miss `nest start`'s `node … dist/main`.
 */

/** Why a pid file cannot be used: missing, not a pid, or naming a process that is not a primary. */
export class PidFileError extends Error {
  override readonly name = 'PidFileError';
}

/**
 * Writes this process's pid to `path` (whole, through a rename) and removes it when this
 * process exits, if it still holds this pid. Refuses, with a PidFileError, to replace a file
 * naming another primary that is still running (a second service started from this folder).
 */
export function writePidFile(path: string): void {
  const other = runningPrimary(path);
  if (other !== undefined && other !== process.pid) {
    throw new PidFileError(
      `${path} names pid ${other}, a primary still running: not replacing it ` +
        '(another service from this folder? Give this one its own CLUSTER_PID_FILE)',
    );
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${process.pid}\n`);
  renameSync(temporary, path);
  process.once('exit', () => {
    if (pidIn(path) !== process.pid) return;
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  });
}

/** The pid of the primary `path` names; a PidFileError says why there is none. */
export function readPrimaryPid(path: string): number {
  const pid = pidIn(path);
  if (pid === undefined) {
    throw new PidFileError(`no pid in ${path}: is the service running, as a cluster?`);
  }
  if (!isPrimary(pid)) {
    throw new PidFileError(
      `${path} names pid ${pid}, which is not a running primary (a stale file: remove it)`,
    );
  }
  return pid;
}

function runningPrimary(path: string): number | undefined {
  const pid = pidIn(path);
  return pid !== undefined && isPrimary(pid) ? pid : undefined;
}

function pidIn(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Alive and, where /proc tells (Linux), a node process running a `main` or `main.js`: a pid
 * left in a stale file may since belong to anything, and SIGHUP ends most processes.
 */
function isPrimary(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: another user's, not ours to signal either
  }
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return true; // no /proc here: alive is all we can know
  }
  return /node/.test(argv[0] ?? '') && argv.slice(1).some((arg) => /(^|\/)main(\.js)?$/.test(arg));
}
