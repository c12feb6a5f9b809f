import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

/** The CPUs this process may use, from its cgroup limits (see {@link detectCpuBudget}). */
export interface CpuBudget {
  /** Whole CPUs this container may use: floor of the tightest limit, at least 1. */
  cpus: number;
  /** The tightest limit before rounding (e.g. 1.5 for a 150000/100000 quota). */
  limit: number;
  /** Where the figure came from, for the log line: the file and its raw value. */
  source: string;
}

/** Where {@link detectCpuBudget} looks; each field is for tests, defaulting to the real source. */
export interface CpuBudgetSources {
  /** Where the cgroup file systems are mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /** This process's cgroup membership. Default `/proc/self/cgroup`. */
  procSelfCgroup?: string;
  /**
   * CPUs allowed by cpuset/affinity. Default `os.availableParallelism`, which on Node 24
   * (libuv >= 1.49) is already capped by the cgroup quota rounded down; on Node 20 it is not.
   */
  availableParallelism?: () => number;
}

interface Limit {
  cpus: number;
  source: string;
}

const PARALLELISM_SOURCE = 'os.availableParallelism()';

/**
 * The CPUs this process may really use: the tighter of its affinity (cpuset) and its cgroup
 * CPU quota (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), rounded down, at least 1 — never the
 * host's core count, which is what a container sees in the list of CPUs. Reads files
 * synchronously, once at startup; a missing or unreadable file means no limit from there.
 *
 * A quota wins a tie in whole CPUs: on Node 24 `os.availableParallelism()` has already applied
 * it (rounded down), and the budget must name the quota, with its exact value, on every Node.
 */
export function detectCpuBudget(sources: CpuBudgetSources = {}): CpuBudget {
  const root = sources.cgroupRoot ?? '/sys/fs/cgroup';
  const membership = readText(sources.procSelfCgroup ?? '/proc/self/cgroup') ?? '';
  let tightest: Limit = {
    cpus: parallelism(sources.availableParallelism ?? availableParallelism),
    source: PARALLELISM_SOURCE,
  };
  for (const limit of quotaLimits(root, membership)) {
    const fewer = whole(limit.cpus) - whole(tightest.cpus);
    const quotaTie =
      fewer === 0 && (tightest.source === PARALLELISM_SOURCE || limit.cpus < tightest.cpus);
    if (fewer < 0 || quotaTie) tightest = limit;
  }
  return { cpus: whole(tightest.cpus), limit: tightest.cpus, source: tightest.source };
}

/** Whole CPUs of a limit: rounded down, at least 1. */
function whole(cpus: number): number {
  return Math.max(1, Math.floor(cpus));
}

function parallelism(read: () => number): number {
  const value = Math.floor(read());
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

/** Every quota that applies to this process, from each cgroup line that names the cpu controller. */
function quotaLimits(root: string, membership: string): Limit[] {
  const limits: Limit[] = [];
  for (const line of membership.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, path] = match;
    if (id === '0' && controllers === '') {
      for (const dir of cgroupDirs(root, path)) limits.push(...v2Limit(dir));
      continue;
    }
    if (!controllers.split(',').includes('cpu')) continue;
    // Usually mounted as `cpu,cpuacct` with a `cpu` symlink; some hosts mount `cpu` alone.
    const mounts = new Set([controllers, 'cpu,cpuacct', 'cpu'].map((name) => `${root}/${name}`));
    for (const mount of mounts) {
      for (const dir of cgroupDirs(mount, path)) limits.push(...v1Limit(dir));
    }
  }
  return limits;
}

/**
 * `${mount}${path}` and each ancestor up to `mount`, since a parent's quota caps its children.
 * When that directory is not visible (a container that mounts only its own cgroup as the
 * root, or a path outside the cgroup namespace, shown as `/..`), the mount root alone.
 */
function cgroupDirs(mount: string, path: string): string[] {
  if (!path.startsWith('/') || path.split('/').includes('..')) return [mount];
  const leaf = posix.resolve(path); // drops '//' and a trailing '/'
  if (!isDirectory(`${mount}${leaf}`)) return [mount];
  const dirs: string[] = [];
  for (let dir = leaf; dir !== '/'; dir = posix.dirname(dir)) dirs.push(`${mount}${dir}`);
  dirs.push(mount);
  return dirs;
}

/** cgroup v2 `cpu.max`: "max <period>" (no limit) or "<quota> <period>" in microseconds. */
function v2Limit(dir: string): Limit[] {
  const file = `${dir}/cpu.max`;
  const raw = readText(file)?.trim();
  const match = raw === undefined ? null : /^(\d+)\s+(\d+)$/.exec(raw);
  if (!match) return [];
  const cpus = ratio(match[1], match[2]);
  return cpus === undefined ? [] : [{ cpus, source: `cgroup v2 cpu.max "${raw}" at ${dir}` }];
}

/** cgroup v1 `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us`. */
function v1Limit(dir: string): Limit[] {
  const quota = readText(`${dir}/cpu.cfs_quota_us`)?.trim();
  const period = readText(`${dir}/cpu.cfs_period_us`)?.trim();
  if (quota === undefined || period === undefined) return [];
  if (!/^\d+$/.test(quota) || !/^\d+$/.test(period)) return [];
  const cpus = ratio(quota, period);
  if (cpus === undefined) return [];
  const source = `cgroup v1 cpu.cfs_quota_us=${quota} cpu.cfs_period_us=${period} at ${dir}`;
  return [{ cpus, source }];
}

function ratio(quota: string, period: string): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
