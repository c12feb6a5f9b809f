'use strict';
/**
 * Section 1, event-loop protection: /health/live latency idle and while long PDF reports
 * are rendered, on the service (A: PDF on the worker pool) and on a baseline server
 * (B: the same renderReport in-line on its event loop).
 */
const { join, relative } = require('node:path');
const {
  DISTURBED_TAIL_MS,
  IDLE_ATTEMPTS,
  baselineRatios,
  cpuCells,
  fmt,
  heading,
  interleave,
  measureIdle,
  median,
  pairedRatio,
  percentile,
  sleep,
  table,
  verdict,
} = require('./lib.cjs');
const { latencyChart } = require('./chart.cjs');
const { startLoad } = require('./load.cjs');
const { longReport, pdfPageCount } = require('./payloads.cjs');
const { get, ownCpuSeconds, startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const PDF_CONNECTIONS = 4;
const MIN_PAGES = 20;
const GOAL_LOADED_OVER_IDLE = 3;

/** POSTs the report once; checks it is a PDF of ≥ MIN_PAGES pages. */
async function checkReport(server, body) {
  const started = performance.now();
  const response = await fetch(`${server.url}/pdf/report`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const millis = performance.now() - started;
  const pages = pdfPageCount(bytes);
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !type.startsWith('application/pdf') || pages < MIN_PAGES) {
    throw new Error(
      `${server.name}: /pdf/report gave ${response.status} ${type}, ${pages} pages: ${bytes.subarray(0, 200)}`,
    );
  }
  return { pages, bytes: bytes.length, millis };
}

/** After a loaded phase (drained, see load.cjs): waits until the server is ready and quick. */
async function settle(server) {
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    const status = await get(server.port, '/health/ready', 5000);
    if (status === 200 && performance.now() - started < 10) break;
    await sleep(250);
  }
  await sleep(300);
}

async function phase(server, seconds, pdfBody) {
  const pdf = pdfBody
    ? startLoad({
        url: `${server.url}/pdf/report`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: pdfBody,
        connections: PDF_CONNECTIONS,
      })
    : undefined;
  if (pdf) await sleep(1000); // let the pool (or the event loop) fill up first
  const health = startLoad({ url: `${server.url}/health/live`, connections: 1 });
  try {
    await sleep(300);
    const cpu = { server: server.cpuSeconds, 'load gen': ownCpuSeconds };
    const [h, p] = await Promise.all([health.measure(seconds, cpu), pdf?.measure(seconds)]);
    return {
      p50: percentile(h.latencies, 50),
      p99: percentile(h.latencies, 99),
      max: percentile(h.latencies, 100),
      samples: h.ok,
      healthFailures: h.other + h.errors,
      pdfPerSecond: p?.perSecond ?? 0,
      pdfFailures: p ? p.other + p.errors : 0,
      cores: h.cores,
      perSecond: h.ok / h.seconds,
    };
  } finally {
    await Promise.all([health.stop(), pdf?.stop()]);
    if (pdf) await settle(server);
  }
}

async function benchHealth({ duration, rounds, poolThreads }) {
  heading('1. Event-loop protection: /health/live latency, idle vs while 20+ page PDFs render');
  const body = JSON.stringify(longReport());
  const servers = [];
  try {
    const a = await startServer('A service (pool)', join(ROOT, 'dist', 'main.js'), {
      // One process against one process: the comparison is pool vs in-line, not cluster.
      CLUSTER_ENABLED: 'false',
      WORKER_POOL_MAX_QUEUE: '10000',
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...(poolThreads ? { WORKER_POOL_THREADS: String(poolThreads) } : {}),
    });
    servers.push(a);
    const b = await startServer('B baseline (in-line)', join(__dirname, 'baseline-server.cjs'));
    servers.push(b);
    const checks = new Map();
    for (const server of servers) {
      // Warm-up: enough requests at once to reach (and JIT-compile on) every pool thread.
      await Promise.all(Array.from({ length: PDF_CONNECTIONS }, () => checkReport(server, body)));
      checks.set(server, await checkReport(server, body));
    }
    const one = checks.get(a);
    console.log(
      `Report: 1000-row 4-column table, ${one.pages} pages, ${fmt.num(one.bytes / 1024)} KiB PDF; ` +
        `one request alone: A ${fmt.ms(checks.get(a).millis)}, B ${fmt.ms(checks.get(b).millis)}.`,
    );
    console.log(
      `A = node dist/main.js (WORKER_POOL_THREADS=${poolThreads ?? 'unset = one per CPU'}, WORKER_POOL_MAX_QUEUE=10000); ` +
        `B = scripts/bench/baseline-server.cjs. Health: 1 connection; PDF load: ${PDF_CONNECTIONS} connections; ` +
        `${duration} s windows, ${rounds} interleaved rounds, medians.\n`,
    );

    // An idle window disturbed by other work is measured again (lib.cjs, measureIdle); a round
    // whose idle window stays disturbed is left out of the loaded/idle ratio, and counted.
    const results = await interleave(servers, rounds, async (server) => ({
      idle: await measureIdle(() => phase(server, duration)),
      loaded: await phase(server, duration, body),
    }));

    const summary = new Map();
    for (const server of servers) {
      const list = results.get(server);
      const pick = (state, key) => median(list.map((r) => r[state][key]));
      summary.set(server, {
        idleP50: pick('idle', 'p50'),
        idleP99: pick('idle', 'p99'),
        loadedP50: pick('loaded', 'p50'),
        loadedP99: pick('loaded', 'p99'),
        // Per round, loaded vs the idle phase just before it (undisturbed rounds only).
        p99Ratios: baselineRatios(
          list.map((r) => r.loaded.p99),
          list.map((r) => r.idle),
        ),
        pdfPerSecond: pick('loaded', 'pdfPerSecond'),
        failures: list.reduce(
          (n, r) => n + r.idle.healthFailures + r.loaded.healthFailures + r.loaded.pdfFailures,
          0,
        ),
        peakRss: server.memory().peakRss,
        cpu: cpuCells(list.map((r) => r.loaded))[0],
      });
    }
    table(
      [
        'server',
        'idle p50',
        'idle p99',
        'loaded p50',
        'loaded p99',
        'loaded/idle p99',
        'PDFs/s under load',
        'non-2xx+errors',
        'CPU cores under load',
        'peak RSS',
      ],
      servers.map((server) => {
        const s = summary.get(server);
        return [
          server.name,
          fmt.ms(s.idleP50),
          fmt.ms(s.idleP99),
          fmt.ms(s.loadedP50),
          fmt.ms(s.loadedP99),
          fmt.ratio(median(s.p99Ratios.rounds)),
          fmt.num(s.pdfPerSecond, 2),
          fmt.num(s.failures),
          s.cpu,
          fmt.mib(s.peakRss),
        ];
      }),
    );
    console.log(
      `\nPer round (health p99 idle → loaded, health samples, PDFs/s; an idle window counts as ` +
        `disturbed when its p99 is more than ${DISTURBED_TAIL_MS} ms above its p50, and is measured again, at most ` +
        `${IDLE_ATTEMPTS} times; "left out" marks a round whose idle window stayed disturbed):`,
    );
    table(
      ['server', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)],
      servers.map((server) => [
        server.name,
        ...results
          .get(server)
          .map(
            (r) =>
              `${fmt.ms(r.idle.p50)}/${fmt.ms(r.idle.p99)} idle p50/p99` +
              `${r.idle.attempts > 1 ? ` (attempt ${r.idle.attempts})` : ''}` +
              `${r.idle.disturbed ? ' left out' : ''} → ${fmt.ms(r.loaded.p99)} ` +
              `(n=${r.loaded.samples}, ${fmt.num(r.loaded.pdfPerSecond, 1)}/s)`,
          ),
      ]),
    );
    const chart = join(ROOT, 'docs', 'bench', 'health-latency.svg');
    latencyChart(chart, {
      title: 'GET /health/live latency, idle and while 20+ page PDFs render',
      subtitle:
        `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, 2 shared cores, ` +
        `${rounds} interleaved rounds × ${duration} s, medians; log scale`,
      groups: servers.map((server) => {
        const s = summary.get(server);
        return {
          name: server.name,
          bars: [
            { label: 'idle p50', ms: s.idleP50 },
            { label: 'idle p99', ms: s.idleP99 },
            { label: 'under PDF load p50', ms: s.loadedP50 },
            { label: 'under PDF load p99', ms: s.loadedP99 },
          ],
        };
      }),
    });
    console.log(`\nChart: ${relative(ROOT, chart)}`);
    const sa = summary.get(a);
    const sb = summary.get(b);
    const loaded = (server, key) => results.get(server).map((r) => r.loaded[key]);
    console.log(
      `\nB/A under load (median of per-round ratios): health p50 ` +
        `${fmt.ratio(pairedRatio(loaded(b, 'p50'), loaded(a, 'p50')))}, p99 ` +
        `${fmt.ratio(pairedRatio(loaded(b, 'p99'), loaded(a, 'p99')))}. ` +
        `loaded/idle p99, median of undisturbed rounds: A ${fmt.ratio(median(sa.p99Ratios.rounds))} ` +
        `(${sa.p99Ratios.rounds.map((r) => fmt.ratio(r)).join(', ')}; ${sa.p99Ratios.discarded} left out), ` +
        `B ${fmt.ratio(median(sb.p99Ratios.rounds))} (${sb.p99Ratios.discarded} left out).`,
    );
    return {
      verdicts: [
        verdict('health p99 loaded/idle, service (A)', sa.p99Ratios.rounds, GOAL_LOADED_OVER_IDLE, {
          atMost: true,
          goalText: `≤ ${GOAL_LOADED_OVER_IDLE}×`,
          discarded: sa.p99Ratios.discarded,
        }),
      ],
      raw: {
        checks: Object.fromEntries([...checks].map(([s, c]) => [s.name, c])),
        summary: Object.fromEntries([...summary].map(([s, v]) => [s.name, v])),
        rounds: Object.fromEntries([...results].map(([s, v]) => [s.name, v])),
      },
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

module.exports = { benchHealth };
