'use strict';
/**
 * Where WorkerPool.run's dispatch cost over raw piscina goes (BENCHMARKS.md §2, Findings):
 * section 2's trivial task, 2 threads, 64 callers in flight, in this process, through raw
 * piscina with every task inside piscina, through raw piscina behind a RunLane of N slots
 * (at most N tasks inside piscina: N = 2 is WorkerPool's own, one per thread),
 * through raw piscina with only 2 callers, and through WorkerPool.run. After `npm run build`:
 *
 *   node scripts/bench/dispatch-handoff.cjs [--rounds=9] [--tasks=20000] [--before=DIR]
 *
 * `--before=DIR` also runs the WorkerPool of another build in the same interleaved rounds: a
 * directory holding that build's `dist/`, inside this checkout so that it finds node_modules.
 */
const { resolve } = require('node:path');
const { parseArgs } = require('node:util');
const { THREADS, behindLane, rawPiscina, startPool } = require('./bench-dispatch.cjs');
const { closedLoop } = require('./closed-loop.cjs');
const { fmt, interleave, median, perRound, table } = require('./lib.cjs');

const IN_FLIGHT = 64;
const ROOT = resolve(__dirname, '..', '..');

/** The trivial task on raw piscina with every task inside it. */
function raw(inFlight) {
  const piscina = rawPiscina();
  return {
    run: (i) => piscina.run({ a: i, b: 1 }, { name: 'add' }),
    close: () => piscina.destroy(),
    inFlight,
  };
}

function lane(slots) {
  const piscina = rawPiscina();
  return { run: behindLane(piscina, slots), close: () => piscina.destroy() };
}

function workerPool(root) {
  const { pool, run } = startPool(root);
  return { run, close: () => pool.onApplicationShutdown() };
}

async function round(variant, count) {
  let sum = 0;
  const usage = process.resourceUsage();
  const { errors, firstError, wall } = await closedLoop(variant.run, {
    concurrency: variant.inFlight ?? IN_FLIGHT,
    count,
    onResult: (result) => (sum += result),
  });
  const after = process.resourceUsage();
  if (errors > 0) throw firstError;
  if (sum !== (count * (count - 1)) / 2 + count) throw new Error(`${variant.name}: wrong sum`);
  const per = (key) => (after[key] - usage[key]) / count;
  return {
    perSecond: count / wall,
    cpuUs: per('userCPUTime') + per('systemCPUTime'),
    systemUs: per('systemCPUTime'),
    // Every thread of the process: a thread that sleeps (main in epoll, a pool thread in
    // Atomics.wait) and is woken again counts one.
    switches: per('voluntaryContextSwitches'),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '9' },
      tasks: { type: 'string', default: '20000' },
      before: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const tasks = Number(values.tasks);
  const variants = [
    { name: 'raw piscina', ...raw() },
    { name: `raw piscina, ${THREADS} callers`, ...raw(THREADS) },
    ...[2, 3, 4].map((slots) => ({ name: `raw piscina behind RunLane(${slots})`, ...lane(slots) })),
    { name: 'WorkerPool.run', ...workerPool(ROOT) },
    ...(values.before
      ? [{ name: 'WorkerPool.run, before', ...workerPool(resolve(values.before)) }]
      : []),
  ];
  for (const v of variants) await round(v, 5000); // warm-up, JIT
  const results = await interleave(variants, rounds, (v) => round(v, tasks));
  const base = results.get(variants[0]);
  const ratios = (v, key) =>
    perRound(
      results.get(v).map((r) => r[key]),
      base.map((r) => r[key]),
    );
  const cell = (list) =>
    `${fmt.ratio(median(list))} (${fmt.ratio(Math.min(...list))}–${fmt.ratio(Math.max(...list))})`;
  console.log(
    `${THREADS} threads, ${IN_FLIGHT} callers unless said, ${fmt.num(tasks)} tasks a round, ` +
      `${rounds} interleaved rounds; ratios to raw piscina: median of the per-round ratios (min–max).\n`,
  );
  table(
    [
      'variant',
      'tasks/s (median)',
      'tasks/s vs raw',
      'CPU µs per task',
      'CPU vs raw',
      'of it system µs',
      'sleeps per task',
    ],
    variants.map((v) => [
      v.name,
      fmt.num(median(results.get(v).map((r) => r.perSecond))),
      cell(ratios(v, 'perSecond')),
      fmt.num(median(results.get(v).map((r) => r.cpuUs)), 1),
      cell(ratios(v, 'cpuUs')),
      fmt.num(median(results.get(v).map((r) => r.systemUs)), 1),
      fmt.num(median(results.get(v).map((r) => r.switches)), 2),
    ]),
  );
  for (const v of variants) await v.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
