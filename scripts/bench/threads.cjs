'use strict';
/**
 * CPU time of a process thread by thread, from /proc/<pid>/task/<tid>/stat (Linux), grouped
 * by what the threads are: where a process's CPU goes. On Node 20 every thread but libvips'
 * is called `node` (libuv names its pool threads only from 1.50, Node 22), so the threads are
 * told apart by the function each one started in, read once with gdb (`thread apply all bt`,
 * a pause of a second or two, taken before the measured windows). Without gdb, or for a thread
 * born after that look, only the name is known.
 */
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');

let clockTicks;

/** Map tid → { name, seconds } of every thread of `pid` now; empty where /proc is missing. */
function threadCpu(pid) {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  const threads = new Map();
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // Fields after the parenthesised name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / clockTicks;
      threads.set(Number(tid), { name, seconds });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return threads;
}

/** A thread's start function (the frame under `start_thread`) → its group. */
const START_FUNCTIONS = [
  [/threadpool\.c|uv__threadpool|\bworker \(arg/, 'libuv pool'],
  [/PlatformWorkerThread|DelayedTaskScheduler/, 'V8 platform (GC, compiler)'],
  [/Worker::StartThread/, 'worker threads (pool threads)'],
  [/inspector/, 'inspector'],
  [/vips|g_thread_proxy/, 'libvips'],
];

/**
 * Map tid → group of the threads of `pid` living now, from their start functions (gdb);
 * empty when gdb is missing or cannot attach.
 */
function threadKinds(pid) {
  let out;
  try {
    out = execFileSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return new Map();
  }
  const kinds = new Map();
  for (const block of out.split(/\n(?=Thread \d+ )/)) {
    const tid = Number(/\(LWP (\d+)\)/.exec(block)?.[1]);
    if (!tid) continue;
    const frames = block.split('\n').filter((line) => line.startsWith('#'));
    const start = frames.findIndex((line) => /start_thread/.test(line));
    const entry = start > 0 ? frames[start - 1] : '';
    const match = START_FUNCTIONS.find(([pattern]) => pattern.test(entry));
    if (tid === pid) kinds.set(tid, 'main');
    else if (match) kinds.set(tid, match[1]);
    // Running JavaScript (an idle piscina thread waits in Atomics.wait): gdb cannot unwind
    // through JIT frames down to the start function, but only worker threads run JS here.
    else if (/Builtins_/.test(block)) kinds.set(tid, 'worker threads (pool threads)');
  }
  return kinds;
}

/** The group a thread is counted in. */
function groupOf(pid, tid, name, kinds) {
  if (tid === pid) return 'main';
  const kind = kinds?.get(tid);
  if (kind) return kind;
  if (/vips/i.test(name)) return 'libvips';
  return `unknown (${name})`;
}

/**
 * CPU seconds per group between two `threadCpu` snapshots of `pid`, groups from `threadKinds`.
 * A thread born after `before` counts from zero; one that ended before `after` is lost (the
 * threads here live as long as their process).
 */
function cpuByGroup(pid, before, after, kinds) {
  const groups = {};
  for (const [tid, { name, seconds }] of after) {
    const group = groupOf(pid, tid, name, kinds);
    groups[group] = (groups[group] ?? 0) + seconds - (before.get(tid)?.seconds ?? 0);
  }
  return groups;
}

/**
 * Measures `pid`'s CPU by thread group over whatever `run()` does: resolves with run's result
 * and `threadCores`, each group's CPU seconds over `result[span]` seconds.
 */
async function withThreadCores(pid, kinds, run, span = 'seconds') {
  const before = threadCpu(pid);
  const result = await run();
  const groups = cpuByGroup(pid, before, threadCpu(pid), kinds);
  const threadCores = Object.fromEntries(
    Object.entries(groups).map(([group, seconds]) => [group, seconds / result[span]]),
  );
  return { ...result, threadCores };
}

module.exports = { threadCpu, threadKinds, cpuByGroup, withThreadCores };
