'use strict';
/**
 * Section 2, dispatch cost: a trivial task through WorkerPool.run versus raw piscina with
 * the same fixed pool, in this process, closed loop with a fixed number of tasks in flight.
 */
const { join } = require('node:path');
const { Piscina } = require('piscina');
const { baselineBuild, EXPRESS_REVISION } = require('./baseline-build.cjs');
const { closedLoop } = require('./closed-loop.cjs');
const { fmt, heading, interleave, median, pairedRatio, table, verdict } = require('./lib.cjs');

const THREADS = 2;
const IN_FLIGHT = 64;
const GOAL = 1 / 1.15;
const ADD_WORKER = join(__dirname, 'fixtures', 'add.worker.cjs');

/**
 * Runs `count` tasks with IN_FLIGHT of them outstanding. Returns tasks/s and the CPU time
 * per task of the whole process (main and pool threads), which depends less than wall time
 * on how the shared cores were scheduled during the round.
 */
async function dispatchRound(run, count) {
  let sum = 0;
  const cpuBefore = process.cpuUsage();
  const { errors, firstError, wall } = await closedLoop(run, {
    concurrency: IN_FLIGHT,
    count,
    onResult: (result) => (sum += result),
  });
  const { user, system } = process.cpuUsage(cpuBefore);
  if (errors > 0) throw firstError;
  const expected = (count * (count - 1)) / 2 + count; // Σ (i + 1)
  if (sum !== expected) throw new Error(`wrong results: sum ${sum}, expected ${expected}`);
  return { perSecond: count / wall, cpuUs: (user + system) / count };
}

function rawPiscina() {
  return new Piscina({
    filename: ADD_WORKER,
    minThreads: THREADS,
    maxThreads: THREADS,
    idleTimeout: Infinity,
    stricterFIFO: true,
  });
}

/**
 * A started WorkerPool of the build in `root` (this checkout, or the baseline build) and its
 * `run` for the trivial task.
 */
function startPool(root) {
  const { Logger } = require(require.resolve('@nestjs/common', { paths: [root] }));
  Logger.overrideLogger(['error', 'warn']); // no "pool started" lines in the tables
  const { WorkerPool, defineThreadTask } = require(
    join(root, 'dist', 'concurrency', 'worker-pool', 'index.js'),
  );
  const addTask = defineThreadTask()(ADD_WORKER, 'add');
  const pool = new WorkerPool({
    threads: THREADS,
    maxQueue: 100_000,
    taskTimeoutMs: 30_000,
    inlineConcurrency: 1,
    maxHeapMb: 512,
    shutdownTimeoutMs: 1000,
    // Raw piscina's threads run at nice 0. At the service's default +10, every other process
    // on a shared machine runs before the pool's threads: a scheduling policy, not dispatch
    // cost, and on a loaded machine it alone made the pool's main thread wait for its
    // threads about once per task.
    niceIncrement: 0,
  });
  pool.onModuleInit();
  return { pool, run: (i) => pool.run(addTask, { a: i, b: 1 }) };
}

/**
 * `run(i)` for the trivial task on `piscina` behind WorkerPool's own FIFO admission (its
 * RunLane) of `slots`: at most that many tasks inside piscina, without signals or timers.
 * With `slots` = THREADS, as WorkerPool does, what it costs is the hand-off: the next task
 * reaches a thread only after the last one's promise settled.
 */
function behindLane(piscina, slots) {
  const { RunLane } = require('../../dist/concurrency/admission/run-lane.js');
  const lane = new RunLane(slots);
  const waiting = new Map();
  const start = (i) =>
    piscina.run({ a: i, b: 1 }, { name: 'add' }).finally(() => waiting.get(lane.release())?.());
  return (i) => {
    const ticket = {};
    if (lane.enter(ticket)) return start(i);
    return new Promise((go) => waiting.set(ticket, go)).then(() => {
      waiting.delete(ticket);
      return start(i);
    });
  };
}

async function benchDispatch({ tasks, rounds }) {
  heading('2. Dispatch cost: trivial task, WorkerPool.run vs raw piscina');
  const current = startPool(join(__dirname, '..', '..'));
  // The pool before its dispatch was reworked (an AbortController and EventTarget listeners
  // per task, FifoLane), from the build section 0 uses, for a before/after in the same run.
  const before = startPool(baselineBuild());
  const raw = rawPiscina();
  const rawSignal = rawPiscina();
  const rawGated = rawPiscina();
  const variants = [
    { name: 'WorkerPool.run', run: current.run },
    { name: 'raw piscina', run: (i) => raw.run({ a: i, b: 1 }, { name: 'add' }) },
    {
      name: 'raw piscina + AbortSignal',
      run: (i) =>
        rawSignal.run({ a: i, b: 1 }, { name: 'add', signal: new AbortController().signal }),
    },
    {
      name: `raw piscina behind WorkerPool's RunLane (≤ ${THREADS} in piscina)`,
      run: behindLane(rawGated, THREADS),
    },
    { name: `WorkerPool.run as of ${EXPRESS_REVISION} (before)`, run: before.run },
  ];
  const roundCount = Math.max(7, rounds); // rounds are short: more of them
  try {
    for (const v of variants) await dispatchRound(v.run, Math.min(tasks, 5000)); // warm-up, JIT
    const results = await interleave(variants, roundCount, (v) => dispatchRound(v.run, tasks));
    console.log(
      `${THREADS} threads each, ${IN_FLIGHT} tasks in flight, ${fmt.num(tasks)} tasks per round, ` +
        `${roundCount} interleaved rounds (in this process), medians.\n`,
    );
    const rates = (v) => results.get(v).map((r) => r.perSecond);
    const cpu = (v) => results.get(v).map((r) => r.cpuUs);
    const [pool_, raw_, signal_, , before_] = variants;
    table(
      [
        'variant',
        'tasks/s (median)',
        'vs raw piscina (paired)',
        'CPU µs per task',
        'CPU vs raw (paired)',
        'rounds (tasks/s)',
      ],
      variants.map((v) => [
        v.name,
        fmt.num(median(rates(v))),
        fmt.ratio(pairedRatio(rates(v), rates(raw_))),
        fmt.num(median(cpu(v)), 1),
        fmt.ratio(pairedRatio(cpu(v), cpu(raw_))),
        rates(v)
          .map((r) => fmt.num(r))
          .join(', '),
      ]),
    );
    const ratio = pairedRatio(rates(pool_), rates(raw_));
    const perRound = rates(pool_).map((r, i) => r / rates(raw_)[i]);
    console.log(
      `\nWorkerPool.run/raw piscina: ${fmt.ratio(ratio)} tasks/s, the median of ${roundCount} ` +
        `per-round ratios (min ${fmt.ratio(Math.min(...perRound))}, max ${fmt.ratio(Math.max(...perRound))}; ` +
        `ratio of medians ${fmt.ratio(median(rates(pool_)) / median(rates(raw_)))}), ` +
        `${fmt.ratio(pairedRatio(cpu(pool_), cpu(raw_)))} CPU per task. Against raw piscina + AbortSignal: ` +
        `${fmt.ratio(pairedRatio(rates(pool_), rates(signal_)))} tasks/s. WorkerPool gives every task a ` +
        `deadline timer, a run record that piscina takes as its abort signal, and its FIFO admission ` +
        `(at most ${THREADS} tasks inside piscina at a time). Against itself as of ${EXPRESS_REVISION}: ` +
        `${fmt.ratio(pairedRatio(rates(pool_), rates(before_)))} tasks/s, ` +
        `${fmt.ratio(pairedRatio(cpu(pool_), cpu(before_)))} CPU per task.`,
    );
    return {
      verdicts: [
        verdict('dispatch WorkerPool/raw piscina tasks/s', perRound, GOAL, {
          goalText: '≥ 0.87× (1/1.15)',
        }),
      ],
      raw: Object.fromEntries(variants.map((v) => [v.name, results.get(v)])),
    };
  } finally {
    await Promise.all([
      current.pool.onApplicationShutdown(),
      before.pool.onApplicationShutdown(),
      raw.destroy(),
      rawSignal.destroy(),
      rawGated.destroy(),
    ]);
  }
}

module.exports = { THREADS, behindLane, benchDispatch, rawPiscina, startPool };
