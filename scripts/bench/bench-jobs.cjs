'use strict';
/**
 * Section 6, async jobs (BullMQ on a redis-server of the bench's own): one service with
 * two app workers (the cluster), each a BullMQ worker. Measures the same reports queued
 * (POST /jobs/pdf-report, then completion) against rendered by the synchronous route, the
 * enqueue latency, the time from a SIGKILL of the app worker running a job to its
 * completion by the other (or its replacement), and /health/live while 500 jobs drain.
 */
const { join } = require('node:path');
const { Queue } = require('bullmq');
const IORedis = require('ioredis');
const {
  baselineRatios,
  fmt,
  heading,
  interleave,
  measureIdle,
  median,
  perRound,
  percentile,
  sleep,
  table,
  verdict,
} = require('./lib.cjs');
const { startLoad } = require('./load.cjs');
const { report, shortReport, slowTable } = require('./payloads.cjs');
const { freePort, startRedis, startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const APP_WORKERS = 2;
/** Jobs of one throughput round, and POSTs in flight while enqueueing them. */
const BATCH = 40;
const POSTERS = 4;
const DRAIN_JOBS = 500;
const STALLED_MS = 5_000;
/** Seconds the long job of the SIGKILL rounds renders, by a calibration on the service. */
const LONG_S = 5;
/**
 * A bound on its table: REPORT_LIMITS.rows, the longest table a report may have (some 2.2
 * times the 9,000 rows this machine needs on Node 24), and the service's limits that let a
 * table that long render to its end: pages (57 per 1,000 rows), JSON body (120 bytes per
 * row) and the pool thread's heap (pdfkit keeps every page until the footers are drawn: up
 * to 150 KB per row live, 200 with room for the heap's growing factor).
 */
const LONG_MAX_ROWS = 20_000;
const LONG_LIMITS = {
  PDF_MAX_PAGES: String(Math.ceil(LONG_MAX_ROWS * 0.06) + 10),
  PDF_MAX_BODY_BYTES: String(Buffer.byteLength(JSON.stringify(slowTable(LONG_MAX_ROWS))) + 1024),
  WORKER_MAX_HEAP_MB: String(Math.ceil((LONG_MAX_ROWS * 200) / 1024) + 256),
};
const GOAL_DRAIN_OVER_IDLE = 3;

async function post(url, body) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const answer = await response.json();
  if (response.status !== 202)
    throw new Error(`enqueue: ${response.status} ${JSON.stringify(answer)}`);
  return { id: answer.id, ms: performance.now() - started };
}

/** POSTs `count` jobs, `POSTERS` at a time; resolves to their ids and latencies. */
async function enqueue(server, body, count) {
  const url = `${server.url}/jobs/pdf-report`;
  const done = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      while (next < count) {
        next++;
        done.push(await post(url, body));
      }
    }),
  );
  return done;
}

/** Finished jobs (completed + failed) in the queue, read with BullMQ itself. */
async function finished(queue) {
  const counts = await queue.getJobCounts('completed', 'failed');
  return { total: counts.completed + counts.failed, failed: counts.failed };
}

async function waitFinished(queue, target, timeoutMs = 300_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const now = await finished(queue);
    if (now.total >= target) return now;
    if (Date.now() > end)
      throw new Error(`jobs: ${now.total}/${target} finished after ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function jobView(server, id) {
  return (await fetch(`${server.url}/jobs/${id}`)).json();
}

/** The pid of the app worker running job `id` now, from the probe port's /health. */
async function runnerPid(probes, id) {
  const health = await (await fetch(`${probes}/health`)).json();
  const runner = Object.values(health.details).find((w) => w.jobs?.runningIds?.includes(id));
  return runner?.pid;
}

async function throughputRound(variant, { server, queue, body, duration }) {
  if (variant === 'sync') {
    const load = startLoad({
      url: `${server.url}/pdf/report`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: APP_WORKERS,
    });
    try {
      await sleep(500);
      const r = await load.measure(duration);
      return { perSecond: r.perSecond, failures: r.other + r.errors };
    } finally {
      await load.stop();
    }
  }
  const before = await finished(queue);
  const started = performance.now();
  const posted = await enqueue(server, body, BATCH);
  const after = await waitFinished(queue, before.total + BATCH);
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: BATCH / seconds,
    failures: after.failed - before.failed,
    enqueueMs: posted.map((p) => p.ms),
  };
}

/**
 * The long job's table: about LONG_S of rendering on this machine and runtime (Node 24
 * renders it faster than Node 20), from the fastest of three 2,000-row renders through the
 * synchronous route, at most LONG_MAX_ROWS. Per row a table gets slower as it grows (pdfkit
 * keeps its pages), steeply up to some 2,000 rows: sized from 500 rows, a "5 s" table
 * rendered in 12-13 s here; from 2,000 rows, in 5.6-6 s.
 */
async function longTable(server) {
  const sample = 2_000;
  const body = JSON.stringify(slowTable(sample));
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const response = await fetch(`${server.url}/pdf/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`jobs: calibration render: ${response.status}`);
    fastest = Math.min(fastest, performance.now() - started);
  }
  const msPerRow = fastest / sample;
  const rows = Math.min(LONG_MAX_ROWS, Math.ceil((LONG_S * 1000) / msPerRow));
  return { rows, msPerRow, body: JSON.stringify(slowTable(rows)) };
}

/** SIGKILL of the app worker that runs a job → the job completed by another: ms. */
async function killRound({ server, probes, longBody }) {
  const [{ id }] = await enqueue(server, longBody, 1);
  let pid;
  for (let i = 0; i < 2400 && !pid; i++) {
    await sleep(25);
    pid = await runnerPid(probes, id);
  }
  if (!pid) throw new Error('jobs: no app worker reported the long job running');
  process.kill(pid, 'SIGKILL');
  const killedAt = performance.now();
  const killedAtWall = Date.now();
  for (;;) {
    const job = await jobView(server, id).catch(() => undefined);
    if (job?.status === 'completed') {
      // Its last start must follow the kill: a job that finished before the kill reached it
      // (/health's list of running jobs can be a moment old) measured nothing.
      if (Date.parse(job.startedAt) < killedAtWall) {
        throw new Error('jobs: the long job completed before its SIGKILL: make it longer');
      }
      return performance.now() - killedAt;
    }
    if (job?.status === 'failed') {
      throw new Error(`jobs: the killed job failed instead of completing: ${job.error}`);
    }
    if (performance.now() - killedAt > 300_000) throw new Error('jobs: not completed after 300 s');
    await sleep(25);
  }
}

/**
 * /health/live p99 idle, then while DRAIN_JOBS short jobs drain: the jobs are queued with the
 * queue paused (so the POSTs are not in the window), and the window runs from the resume
 * until the last of them finishes (at most `duration`). A disturbed idle window is measured
 * again (lib.cjs, measureIdle).
 */
async function drainRound({ server, queue, duration }) {
  const health = async (seconds, { start, until } = {}) => {
    const load = startLoad({ url: `${server.url}/health/live`, connections: 1 });
    try {
      await sleep(300);
      await start?.();
      const window = await load.measure(seconds, {}, { until: until?.() });
      return {
        p50: percentile(window.latencies, 50),
        p99: percentile(window.latencies, 99),
        seconds: window.seconds,
      };
    } finally {
      await load.stop();
    }
  };
  const idle = await measureIdle(() => health(duration));
  const before = await finished(queue);
  const target = before.total + DRAIN_JOBS;
  await queue.pause();
  let loaded;
  try {
    await enqueue(server, JSON.stringify(shortReport()), DRAIN_JOBS);
    loaded = await health(duration, {
      start: () => queue.resume(),
      until: () => waitFinished(queue, target),
    });
  } finally {
    await queue.resume();
  }
  const left = target - (await finished(queue)).total;
  await waitFinished(queue, target);
  return { idle, loadedP99: loaded.p99, windowSeconds: loaded.seconds, leftAfterWindow: left };
}

async function benchJobs({ duration, rounds }) {
  heading(`6. Async jobs: BullMQ through ${APP_WORKERS} app workers vs the synchronous route`);
  const redis = await startRedis();
  const client = new IORedis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('jobs', { connection: client });
  let server;
  try {
    const probePort = await freePort();
    server = await startServer('jobs (cluster)', join(ROOT, 'dist', 'main.js'), {
      CLUSTER_WORKERS: String(APP_WORKERS),
      WORKER_POOL_THREADS: '1',
      JOBS_CONCURRENCY: '1',
      WORKER_POOL_MAX_QUEUE: '10000',
      JOBS_MAX_WAITING: '100000',
      JOBS_STALLED_INTERVAL_MS: String(STALLED_MS),
      ...LONG_LIMITS,
      // The long report of the SIGKILL rounds must not time out on a busy shared machine.
      WORKER_TASK_TIMEOUT_MS: '300000',
      REDIS_URL: redis.url,
      HEALTH_PORT: String(probePort),
    });
    const probes = `http://127.0.0.1:${probePort}`;
    const body = JSON.stringify(report({ rows: 300, sections: 4 }));
    // Warm-up: both workers render once through each path.
    await enqueue(server, body, 4);
    await waitFinished(queue, 4);
    // About LONG_S of rendering: still running when the SIGKILL lands.
    const long = await longTable(server);
    console.log(
      `A service: ${APP_WORKERS} app workers, each 1 pool thread and JOBS_CONCURRENCY=1, ` +
        `JOBS_STALLED_INTERVAL_MS=${STALLED_MS}; a redis-server of its own. Report: 300-row ` +
        `table + 4 sections. sync: ${APP_WORKERS} connections for ${duration} s; jobs: ${BATCH} ` +
        `POSTed ${POSTERS} at a time, timed until the last completes. ${rounds} interleaved rounds. ` +
        `SIGKILL rounds: a ${long.rows}-row table (${fmt.num(long.msPerRow, 3)} ms per row by ` +
        `calibration: about ${LONG_S} s).\n`,
    );
    const context = { server, queue, body, longBody: long.body, probes, duration };
    const through = await interleave(['sync', 'jobs'], rounds, (variant) =>
      throughputRound(variant, context),
    );
    const kills = [];
    const drains = [];
    for (let round = 0; round < rounds; round++) {
      kills.push(await killRound(context));
      drains.push(await drainRound(context));
    }

    const sync = through.get('sync');
    const jobs = through.get('jobs');
    const enqueueMs = jobs.flatMap((r) => r.enqueueMs);
    const ratios = perRound(
      jobs.map((r) => r.perSecond),
      sync.map((r) => r.perSecond),
    );
    const ratio = median(ratios);
    // Rounds whose idle window stayed disturbed are left out of the ratio, and counted.
    const drain = baselineRatios(
      drains.map((d) => d.loadedP99),
      drains.map((d) => d.idle),
    );
    table(
      ['measure', 'median', 'min', 'max', 'per round'],
      [
        row(
          'sync PDFs/s',
          sync.map((r) => r.perSecond),
          (v) => fmt.num(v, 2),
        ),
        row(
          'jobs/s (enqueue → all completed)',
          jobs.map((r) => r.perSecond),
          (v) => fmt.num(v, 2),
        ),
        ['jobs/s ÷ sync/s (paired)', fmt.ratio(ratio), '', '', ''],
        [
          'enqueue p50 (all POSTs)',
          fmt.ms(percentile(enqueueMs, 50)),
          '',
          '',
          `n=${enqueueMs.length}`,
        ],
        ['enqueue p99 (all POSTs)', fmt.ms(percentile(enqueueMs, 99)), '', '', ''],
        row('SIGKILL → completed elsewhere', kills, fmt.ms),
        row(
          '/health/live p99 idle',
          drains.map((d) => d.idle.p99),
          fmt.ms,
        ),
        row(
          `/health/live p99, ${DRAIN_JOBS} jobs draining`,
          drains.map((d) => d.loadedP99),
          fmt.ms,
        ),
        [
          'drain p99 ÷ idle p99 (paired)',
          fmt.ratio(median(drain.rounds)),
          '',
          '',
          `${drain.rounds.map((r) => fmt.ratio(r)).join(', ')}` +
            (drain.discarded ? ` (${drain.discarded} left out: idle disturbed)` : ''),
        ],
        row(
          'drain window (resume → last job finished, at most the window)',
          drains.map((d) => d.windowSeconds * 1000),
          fmt.ms,
        ),
        [
          'jobs left at the end of each drain window',
          '',
          '',
          '',
          drains.map((d) => d.leftAfterWindow).join(', '),
        ],
        [
          'failed jobs / non-2xx',
          fmt.num([...sync, ...jobs].reduce((n, r) => n + r.failures, 0)),
          '',
          '',
          '',
        ],
      ],
    );
    return {
      verdicts: [
        verdict('jobs/s (enqueue → completed) / sync PDFs/s', ratios),
        verdict('health p99 while 500 jobs drain / idle', drain.rounds, GOAL_DRAIN_OVER_IDLE, {
          atMost: true,
          goalText: `≤ ${GOAL_DRAIN_OVER_IDLE}×`,
          discarded: drain.discarded,
        }),
      ],
      raw: { sync, jobs, kills, drains, long: { rows: long.rows, msPerRow: long.msPerRow } },
    };
  } finally {
    await server?.stop();
    await queue.close();
    client.disconnect();
    redis.stop();
  }
}

/** A table row: the median, min and max of `values`, and each round. */
function row(name, values, format) {
  return [
    name,
    format(median(values)),
    format(Math.min(...values)),
    format(Math.max(...values)),
    values.map(format).join(', '),
  ];
}

module.exports = { benchJobs };
