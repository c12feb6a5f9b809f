'use strict';
/**
 * Instructions per dispatched task, counted by callgrind: a figure that does not move with
 * the load of a shared machine, unlike tasks/s or CPU time (BENCHMARKS.md §2).
 *
 *   npm run build && node scripts/bench/dispatch-instructions.cjs [variant,...] [--tasks=N]
 *
 * Each variant runs twice under `valgrind --tool=callgrind`, with 3000 and 3000 + N tasks
 * (64 in flight, 2 threads, the section's trivial task), and the difference divided by N is
 * what one more task costs: start-up, module loading and JIT warm-up cancel out. Printed per
 * thread group: the main thread (where dispatch happens) and the whole process. A run takes
 * minutes (valgrind runs about 50 times slower than node).
 *
 * With `--child <variant> <tasks>` it is the measured program itself.
 */
const { execFile } = require('node:child_process');
const { readdirSync, readFileSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs, promisify } = require('node:util');

const THREADS = 2;
const IN_FLIGHT = 64;
const BASE_TASKS = 3000;
const ADD_WORKER = join(__dirname, 'fixtures', 'add.worker.cjs');
const DIST = join(__dirname, '..', '..', 'dist', 'concurrency');

/** The variants, as in bench-dispatch.cjs. Each returns `run(i)` and `close()`. */
const VARIANTS = {
  pool() {
    const { Logger } = require('@nestjs/common');
    Logger.overrideLogger(['error', 'warn']);
    const { WorkerPool, defineThreadTask } = require(join(DIST, 'worker-pool', 'index.js'));
    // A deadline far away: under valgrind 20 000 tasks take minutes.
    const pool = new WorkerPool({
      threads: THREADS,
      maxQueue: 100_000,
      taskTimeoutMs: 3_600_000,
      niceIncrement: 0, // as raw piscina (see bench-dispatch.cjs)
    });
    pool.onModuleInit();
    const add = defineThreadTask()(ADD_WORKER, 'add');
    return { run: (i) => pool.run(add, { a: i, b: 1 }), close: () => pool.onApplicationShutdown() };
  },
  raw() {
    const raw = rawPiscina();
    return { run: (i) => raw.run({ a: i, b: 1 }, { name: 'add' }), close: () => raw.destroy() };
  },
  signal() {
    const raw = rawPiscina();
    return {
      run: (i) => raw.run({ a: i, b: 1 }, { name: 'add', signal: new AbortController().signal }),
      close: () => raw.destroy(),
    };
  },
};

function rawPiscina() {
  const { Piscina } = require('piscina');
  return new Piscina({
    filename: ADD_WORKER,
    minThreads: THREADS,
    maxThreads: THREADS,
    idleTimeout: Infinity,
    stricterFIFO: true,
  });
}

async function child(variant, count) {
  const { run, close } = VARIANTS[variant]();
  let issued = 0;
  let sum = 0;
  const loop = async () => {
    while (issued < count) {
      const result = await run(issued++);
      sum += result; // not `sum += await …`: that reads `sum` before the await
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  if (sum !== (count * (count - 1)) / 2 + count) throw new Error(`wrong results: sum ${sum}`);
  await close();
}

/** Runs one variant with `count` tasks under callgrind; returns Ir of the main thread and in all. */
async function count(variant, tasks) {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-callgrind-'));
  try {
    await promisify(execFile)(
      'valgrind',
      [
        '--tool=callgrind',
        '--separate-threads=yes',
        `--callgrind-out-file=${join(dir, 'out')}`,
        process.execPath,
        __filename,
        '--child',
        variant,
        String(tasks),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const totals = readdirSync(dir).map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return { file, ir: Number(/^totals: (\d+)/m.exec(text)?.[1] ?? 0) };
    });
    return {
      main: totals.find((t) => t.file.endsWith('-01'))?.ir ?? Number.NaN,
      all: totals.reduce((sum, t) => sum + t.ir, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { child: { type: 'boolean' }, tasks: { type: 'string', default: '10000' } },
  });
  if (values.child) return child(positionals[0], Number(positionals[1]));
  const variants = (positionals[0] ?? 'pool,raw').split(',');
  const extra = Number(values.tasks);
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}`);
  // All runs at once: instruction counts do not depend on how the cores are shared.
  const runs = await Promise.all(
    variants.map(async (v) => {
      const [small, large] = await Promise.all([
        count(v, BASE_TASKS),
        count(v, BASE_TASKS + extra),
      ]);
      return { v, main: (large.main - small.main) / extra, all: (large.all - small.all) / extra };
    }),
  );
  console.log(`Instructions per task (callgrind, ${BASE_TASKS} vs ${BASE_TASKS + extra} tasks):`);
  const base = runs.find((r) => r.v === 'raw');
  for (const r of runs) {
    const vsRaw = base ? ` (${(r.main / base.main).toFixed(2)}× raw)` : '';
    console.log(
      `  ${r.v.padEnd(6)} main thread ${Math.round(r.main).toLocaleString('en-US')}${vsRaw}, ` +
        `whole process ${Math.round(r.all).toLocaleString('en-US')}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
