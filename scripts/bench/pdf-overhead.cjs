'use strict';
/**
 * Where the CPU of a report through the service goes beyond the render's own (BENCHMARKS.md,
 * 3a), with section 3a's report and load (4 connections, 2 threads) against its direct loop
 * (renderReportTask on raw piscina, 4 in flight). After `npm run build`:
 *
 *   node scripts/bench/pdf-overhead.cjs threads [--rounds=3] [--seconds=6] [--env=K=V,…]
 *       CPU ms per report of each side by thread group (threads.cjs: main, pool threads, V8's
 *       GC and compiler threads, libuv's pool), in interleaved rounds. `--env` adds a second
 *       service with those environment variables (e.g. `--env=WORKER_POOL_NICE=0`).
 *   node scripts/bench/pdf-overhead.cjs perf [--warmup=10] [--seconds=8] [--leaves=N]
 *       The main thread of each side by perf-main-thread.cjs: ms per report by the nearest
 *       frame of a known kind, and with `--leaves` by the function sampled.
 */
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { fmt, interleave, median, parseEnv, table } = require('./lib.cjs');
const { measureLoad } = require('./load.cjs');
const { shortReport } = require('./payloads.cjs');
const {
  PERF_EXEC_ARGV,
  mainThreadKinds,
  printProfile,
  profileSides,
} = require('./perf-main-thread.cjs');
const { startRunner, startServer } = require('./processes.cjs');
const { threadKinds, withThreadCores } = require('./threads.cjs');

const ROOT = join(__dirname, '..', '..');
const THREADS = 2;
const CONCURRENCY = 4;
/** Section 3a's service settings. */
const SERVICE_ENV = {
  CLUSTER_ENABLED: 'false',
  WORKER_POOL_THREADS: String(THREADS),
  WORKER_POOL_MAX_QUEUE: '10000',
  SHUTDOWN_TIMEOUT_MS: '2000',
};
const PDF_KINDS = mainThreadKinds([
  'PDF route (controller, validation, glyph check)',
  /workloads\/pdf/,
]);

/** The service as a side: `measure(s)` loads it for half a second, then counts reports. */
async function serviceSide(name, env, body, execArgv = []) {
  const server = await startServer(name, join(ROOT, 'dist', 'main.js'), env, { execArgv });
  const load = {
    url: `${server.url}/pdf/report`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONCURRENCY,
  };
  return {
    name,
    pid: server.pid,
    measure: async (seconds) => (await measureLoad(load, seconds)).ok,
    stop: () => server.stop(),
  };
}

/** The direct loop as a side. */
async function directSide(report, execArgv = []) {
  const direct = await startRunner(
    'direct',
    { mode: 'pdf', threads: THREADS, concurrency: CONCURRENCY, report },
    {},
    { execArgv },
  );
  return {
    name: 'direct',
    pid: direct.pid,
    measure: async (seconds) => (await direct.request({ type: 'round', seconds })).ops,
    stop: () => direct.stop(),
  };
}

async function threads({ rounds, seconds, env }) {
  const report = shortReport();
  const body = JSON.stringify(report);
  const sides = [await serviceSide('service', SERVICE_ENV, body)];
  try {
    if (env)
      sides.push(await serviceSide(`service ${env}`, { ...SERVICE_ENV, ...parseEnv(env) }, body));
    sides.push(await directSide(report));
    for (const side of sides) {
      await side.measure(3); // warm-up
      side.kinds = threadKinds(side.pid); // a pause of a second or two, before any window
    }
    const results = await interleave(sides, rounds, async (side) => {
      // threadCores over `reports`: CPU seconds per report, by group.
      const { reports, threadCores } = await withThreadCores(
        side.pid,
        side.kinds,
        async () => ({ reports: await side.measure(seconds) }),
        'reports',
      );
      const ms = Object.fromEntries(Object.entries(threadCores).map(([g, s]) => [g, s * 1000]));
      return { perSecond: reports / seconds, ms };
    });
    const groups = [
      ...new Set(sides.flatMap((s) => results.get(s).flatMap((r) => Object.keys(r.ms)))),
    ]
      .filter((g) => sides.some((s) => median(results.get(s).map((r) => r.ms[g] ?? 0)) > 0.005))
      .sort();
    console.log(
      `CPU ms per report by thread group, ${seconds} s windows, ${rounds} interleaved rounds, medians ` +
        `(${THREADS} threads, ${CONCURRENCY} in flight on every side):\n`,
    );
    const cell = (side, pick) => fmt.num(median(results.get(side).map(pick)), 2);
    table(
      ['side', 'reports/s', 'all threads', ...groups],
      sides.map((side) => [
        side.name,
        cell(side, (r) => r.perSecond),
        cell(side, (r) => Object.values(r.ms).reduce((a, b) => a + b, 0)),
        ...groups.map((g) => cell(side, (r) => r.ms[g] ?? 0)),
      ]),
    );
  } finally {
    for (const side of sides) await side.stop();
  }
}

async function perf({ warmup, seconds, leaves }) {
  const report = shortReport();
  const body = JSON.stringify(report);
  const warm = (start) => async () => {
    const side = await start();
    await side.measure(warmup);
    return side;
  };
  const columns = await profileSides(
    [
      {
        name: 'service',
        start: warm(() => serviceSide('service', SERVICE_ENV, body, PERF_EXEC_ARGV)),
      },
      { name: 'direct', start: warm(() => directSide(report, PERF_EXEC_ARGV)) },
    ],
    { seconds, kinds: PDF_KINDS },
  );
  printProfile(columns, { kinds: PDF_KINDS, leaves, per: 'report', seconds, warmup });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string' },
      warmup: { type: 'string', default: '10' },
      env: { type: 'string' },
      leaves: { type: 'string', default: '0' },
    },
  });
  const mode = positionals[0];
  if (mode === 'threads') {
    return threads({
      rounds: Number(values.rounds),
      seconds: Number(values.seconds ?? 6),
      env: values.env,
    });
  }
  if (mode === 'perf') {
    return perf({
      warmup: Number(values.warmup),
      seconds: Number(values.seconds ?? 8),
      leaves: Number(values.leaves),
    });
  }
  console.error('usage: node scripts/bench/pdf-overhead.cjs threads|perf [options]');
  process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
