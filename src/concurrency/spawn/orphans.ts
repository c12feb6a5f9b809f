import { readdir, readFile } from 'node:fs/promises';

/**
 * Marks a spawn helper and every process it starts: its value, one per helper, is in their
 * environment. A helper killed between starting a command and reporting its pid leaves that
 * command unknown to the service and re-parented away from the helper; the mark is how it is
 * still found (and a process forked but not yet exec'd carries the helper's own environment).
 */
export const SPAWN_TAG_VARIABLE = 'SPAWN_HELPER_TAG';

function kill(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL'); // its group (grandchildren too), then itself (no group yet)
    } catch {
      // gone, or not a group leader yet
    }
  }
}

/**
 * SIGKILLs every live process whose environment carries `tag` (`SPAWN_TAG_VARIABLE`), with
 * its process group. Reads Linux's /proc; elsewhere it finds nothing. Returns the pids found.
 */
export async function killTagged(tag: string): Promise<number[]> {
  const mark = `${SPAWN_TAG_VARIABLE}=${tag}`;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
        if (!environ.split('\0').includes(mark)) return;
        found.push(Number(entry));
        kill(Number(entry));
      }),
  );
  return found;
}

/** SIGKILLs a process the service will never watch, with its group. */
export function killUnwatched(pid: number): void {
  kill(pid);
}
