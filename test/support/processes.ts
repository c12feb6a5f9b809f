import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
  state: string;
  argv: string[];
}

/** Every live (not zombie) process, read from /proc. */
export function listProcesses(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      found.push({ pid: Number(entry), ppid: Number(ppid), state, argv });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Live processes whose command line is exactly `command` (argv joined by spaces). */
export function processesRunning(command: string): number[] {
  return listProcesses()
    .filter((process) => process.argv.join(' ') === command)
    .map((process) => process.pid);
}

/** Live descendants of `pid` (children, their children, …), with their command lines. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const all = listProcesses();
  const found: ProcessEntry[] = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = all.filter((process) => parents.has(process.ppid));
    found.push(...children);
    parents = new Set(children.map((process) => process.pid));
  }
  return found;
}

/** Whether `pid` is a live process (a zombie counts: it is not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
