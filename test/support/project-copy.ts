import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const NOT_COPIED = new Set([
  'node_modules',
  'dist',
  '.git',
  'coverage',
  'bench-results',
  '.primary.pid',
]);

/**
 * A copy of this repository in a temporary folder, as a user's clone would be (no build
 * output, no git), with `node_modules` linked rather than copied. Remove it with
 * {@link removeProjectCopy}.
 */
export function copyProject(prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(ROOT, copy, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(relative(ROOT, source)),
  });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

export function removeProjectCopy(copy: string): void {
  if (!copy) return;
  rmSync(join(copy, 'node_modules'), { force: true }); // the link, never what it points to
  rmSync(copy, { recursive: true, force: true });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <script> ...args` in `copy` (`npm` when `script` is 'npm'), without the test's
 * command allowlist or jest's worker id in its environment. Never rejects.
 */
export function runInCopy(copy: string, script: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.COMMANDS_CONFIG;
  delete env.JEST_WORKER_ID;
  const [file, argv] =
    script === 'npm' ? ['npm', args] : [process.execPath, [join(copy, script), ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: copy, env, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
