'use strict';
/**
 * Section 5, the cluster: `node dist/main.js` as a cluster with 1 worker, with
 * `auto` workers, and with the cluster off. Measures, in interleaved rounds: PDF reports/s
 * 1 worker vs auto; GET /health/live req/s and p99 with the primary in front (1 worker)
 * vs no primary, over keep-alive connections and with a new connection per request; time
 * from spawn to all workers ready; RSS of the primary and of each worker.
 */
const http = require('node:http');
const { join } = require('node:path');
const {
  cpuCells,
  compareRates,
  fmt,
  heading,
  interleave,
  median,
  pairedRatio,
  perRound,
  percentile,
  sleep,
  table,
  verdict,
} = require('./lib.cjs');
const { measureLoad } = require('./load.cjs');
const { pdfPageCount, shortReport } = require('./payloads.cjs');
const {
  HOST,
  cpuSecondsOf,
  freePort,
  machineCpuSeconds,
  memoryOf,
  ownCpuSeconds,
  startServer,
} = require('./processes.cjs');

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
/** This section has many windows; it caps them so that it stays near 2.5 minutes. */
const WINDOW_CAP_S = 3;
const STARTUP_REPS = 5;
const POLL_MS = 20;
const PDF_CONNECTIONS = 4;
const TINY_CONNECTIONS = 8;
const HEALTH_CONNECTIONS = 8;
/**
 * CLUSTER_WORKER_START_TIMEOUT_MS: the bench measures start-up, it does not test the watchdog.
 * At its default (30 s) the primary killed a worker still booting at a load average of 37.
 */
const BASE_ENV = {
  WORKER_POOL_MAX_QUEUE: '10000',
  SHUTDOWN_TIMEOUT_MS: '2000',
  CLUSTER_WORKER_START_TIMEOUT_MS: '120000',
};

const MODES = {
  off: { label: 'cluster off (CLUSTER_ENABLED=false)', env: { CLUSTER_ENABLED: 'false' } },
  one: { label: 'cluster, 1 worker (CLUSTER_WORKERS=1)', env: { CLUSTER_WORKERS: '1' } },
  auto: { label: 'cluster, auto workers (CLUSTER_WORKERS=auto)', env: { CLUSTER_WORKERS: 'auto' } },
};

/** A JSON log line of the service, or undefined for any other line. */
function logEvent(line) {
  try {
    const parsed = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the service in one of MODES and waits until every worker is ready: the primary's
 * log line says so, and fresh connections to /health/live have been answered by as many
 * distinct pids as there are workers (round robin hands each new connection to the next
 * listening worker). Times are from spawn, measured here and, for the log, by the primary.
 */
async function startService(mode) {
  const workers = new Map(); // slot -> { pid, readyMs }
  let plan; // the primary's (or the one process's) plan event
  let allReady;
  const logAllReady = new Promise((resolve) => (allReady = resolve));
  // The supervisor's events, matched by their fields (src/concurrency/cluster/cluster.events.ts).
  const onLine = (text) => {
    const line = logEvent(text);
    if (line?.event === 'worker-ready') workers.set(line.slot, { pid: line.pid, readyMs: line.ms });
    if (line?.event === 'all-ready') allReady({ count: line.workers, ms: line.ms });
    if (line?.event === 'plan') plan = line;
  };
  const server = await startServer(
    `service (${mode})`,
    MAIN,
    // The probe server (default port 9000) on a port of its own, as servers run side by side.
    { ...BASE_ENV, ...MODES[mode].env, HEALTH_PORT: String(await freePort()) },
    { pollMs: POLL_MS, onLine, readyTimeoutMs: 120_000 },
  );
  try {
    const fromLog = mode === 'off' ? undefined : await within(logAllReady, 120_000, 'all ready');
    const expected = fromLog?.count ?? 1;
    const seen = new Set();
    const deadline = Date.now() + 120_000;
    while (seen.size < expected) {
      const pid = await livePid(server.port);
      if (pid) seen.add(pid);
      else await sleep(POLL_MS);
      if (Date.now() > deadline) throw new Error(`${server.name}: only pids ${[...seen]} answered`);
    }
    const allPidsMs = performance.now() - server.spawnedAt;
    const bySlot = [...workers.entries()].sort(([a], [b]) => a - b);
    const workerPids = mode === 'off' ? [] : bySlot.map(([, w]) => w.pid);
    const pids = mode === 'off' ? [server.pid] : [server.pid, ...workerPids];
    return {
      ...server,
      mode,
      plan,
      workers,
      workerPids,
      logAllReadyMs: fromLog?.ms ?? Number.NaN,
      allPidsMs,
      cpu:
        mode === 'off'
          ? { server: server.cpuSeconds, 'load gen': ownCpuSeconds }
          : {
              primary: server.cpuSeconds,
              workers: () => workerPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
              'load gen': ownCpuSeconds,
            },
      processMemory: () => pids.map((pid) => ({ pid, ...memoryOf(pid) })),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function within(promise, millis, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no "${what}" log line within ${millis} ms`)),
      millis,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The pid in GET /health/live's answer, over a new connection (no agent, no keep-alive). */
function livePid(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/health/live', agent: false, timeout: 1000 });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text).info.process.pid);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** 3. Start-up: each mode started and stopped STARTUP_REPS times, interleaved. */
async function measureStartup() {
  const modes = ['off', 'one', 'auto'];
  const results = await interleave(modes, STARTUP_REPS, async (mode) => {
    const service = await startService(mode);
    const workerMs = [...service.workers.values()].map((w) => w.readyMs);
    await service.stop();
    return {
      firstReadyMs: service.readyMs,
      allPidsMs: service.allPidsMs,
      logAllReadyMs: service.logAllReadyMs,
      workerReadyMs: workerMs,
      workers: mode === 'off' ? 1 : service.workers.size,
    };
  });
  console.log(
    `### Start-up: spawn → ready (${STARTUP_REPS} starts per mode, interleaved, medians)\n\n` +
      `Outside: this process spawns \`node dist/main.js\` and polls every ${POLL_MS} ms, first ` +
      '`GET /health/ready` until 200, then `GET /health/live` over new connections until every ' +
      'worker pid has answered. Log: the primary\'s "all N workers ready in X ms" (ms since the ' +
      'primary started) and "worker N ready in X ms" (ms since that fork).\n',
  );
  const range = (values) =>
    values.length > 0 ? `${fmt.num(Math.min(...values))}–${fmt.num(Math.max(...values))}` : 'n/a';
  table(
    [
      'mode',
      'workers',
      'spawn → first 200 (median)',
      'spawn → all pids answer (median)',
      'range',
      'log: all ready (median)',
      'log: fork → worker ready (median)',
    ],
    modes.map((mode) => {
      const runs = results.get(mode);
      const all = runs.map((r) => r.allPidsMs);
      const perWorker = runs.flatMap((r) => r.workerReadyMs);
      return [
        MODES[mode].label,
        String(runs[0].workers),
        fmt.ms(median(runs.map((r) => r.firstReadyMs))),
        fmt.ms(median(all)),
        `${range(all)} ms`,
        mode === 'off' ? 'n/a' : fmt.ms(median(runs.map((r) => r.logAllReadyMs))),
        perWorker.length > 0 ? fmt.ms(median(perWorker)) : 'n/a',
      ];
    }),
  );
  return Object.fromEntries(modes.map((m) => [m, results.get(m)]));
}

/** 4. RSS of the primary and each worker (or the one process), from /proc/<pid>/status. */
function printMemory(services, idle) {
  console.log(
    '\n### Memory: RSS per process (VmRSS; peak = VmHWM, since start)\n\n' +
      'Idle: 2 s after all workers were ready, before any load. After load: once the PDF and ' +
      'health rounds above had ended.\n',
  );
  const rows = [];
  for (const service of services) {
    const after = service.processMemory();
    after.forEach((m, i) => {
      // processMemory lists the primary first, then the workers by slot.
      const role = service.mode === 'off' ? 'the one process' : i === 0 ? 'primary' : `worker ${i}`;
      rows.push([
        MODES[service.mode].label,
        `${role} (pid ${m.pid})`,
        fmt.mib(idle.get(service)[i].rss),
        fmt.mib(m.rss),
        fmt.mib(m.peakRss),
      ]);
    });
    const sum = (list, key) => list.reduce((total, m) => total + m[key], 0);
    rows.push([
      MODES[service.mode].label,
      '**all processes**',
      fmt.mib(sum(idle.get(service), 'rss')),
      fmt.mib(sum(after, 'rss')),
      '-',
    ]);
  }
  table(['mode', 'process', 'idle RSS', 'RSS after load', 'peak RSS'], rows);
}

/** Checks one report through `service` and returns its page count. */
async function checkPdf(service, body) {
  const response = await fetch(`${service.url}/pdf/report`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(
      `${service.name}: /pdf/report gave ${response.status}: ${bytes.subarray(0, 200)}`,
    );
  }
  return { pages: pdfPageCount(bytes), kib: bytes.length / 1024 };
}

/** CPU seconds per answered request of one round (all processes and the load generator). */
const cpuPerRequest = (r) => Object.values(r.cores).reduce((a, b) => a + b, 0) / r.perSecond;

const failures = (rounds) => rounds.reduce((n, r) => n + r.other + r.errors, 0);

/** "2 workers × 1 pool thread" from the plan event. */
const shortPlan = ({ mode, plan }) => {
  const threads = plan?.perWorker?.WORKER_POOL_THREADS;
  const head =
    mode === 'off' ? '1 process' : `${plan?.workers} worker${plan?.workers === 1 ? '' : 's'}`;
  return `${head} × ${threads} pool thread${threads === 1 ? '' : 's'}`;
};

/**
 * One load window on `service`, with the CPU of its processes and of the load generator,
 * and how busy the whole machine was (`machineCores`: every process, ours and others').
 */
async function measureOn(service, load, seconds) {
  const r = await measureLoad(load, seconds, 0.5, {
    ...service.cpu,
    machine: machineCpuSeconds,
  });
  const { machine, ...cores } = r.cores;
  return { ...r, cores, machineCores: machine };
}

/** Interleaved rounds of `load(service)` on each service (after a 1 s warm-up each), a table. */
async function compareServices(
  services,
  load,
  { window, rounds, unit, latency = true, cpuUnit = 'µs' },
) {
  const scale = cpuUnit === 'ms' ? 1e3 : 1e6;
  const measure = (service, seconds) => measureOn(service, load(service), seconds);
  for (const service of services) await measure(service, 1); // warm-up
  const results = await interleave(services, rounds, (service) => measure(service, window));
  const stat = (service, f) => median(results.get(service).map(f));
  const p99 = (service) => results.get(service).map((r) => percentile(r.latencies, 99));
  table(
    [
      'variant',
      'threads',
      `${unit}/s (median)`,
      'rounds',
      ...(latency ? ['p50', 'p99'] : []),
      'non-2xx+errors',
      'CPU cores used',
      `CPU ${cpuUnit} per ${unit}`,
      'machine busy',
    ],
    services.map((service) => {
      const list = results.get(service);
      return [
        MODES[service.mode].label,
        shortPlan(service) ?? '?',
        fmt.num(
          stat(service, (r) => r.perSecond),
          1,
        ),
        list.map((r) => fmt.num(r.perSecond, 1)).join(', '),
        ...(latency
          ? [
              fmt.ms(stat(service, (r) => percentile(r.latencies, 50))),
              fmt.ms(median(p99(service))),
            ]
          : []),
        fmt.num(failures(list)),
        cpuCells(list)[0],
        fmt.num(
          stat(service, (r) => cpuPerRequest(r) * scale),
          cpuUnit === 'ms' ? 2 : 1,
        ),
        `${stat(service, (r) => r.machineCores).toFixed(2)} of 2`,
      ];
    }),
  );
  return { services, results };
}

const NAMES = { off: 'off', one: '1 worker', auto: 'auto' };

/** Variant `a` against `b` of one comparison: paired (per-round) ratios of rate, p99, CPU. */
function pair({ services, results }, a, b) {
  const rounds = (mode) => results.get(services.find((s) => s.mode === mode));
  const p99 = (mode) => rounds(mode).map((r) => percentile(r.latencies, 99));
  return {
    name: `${a}/${b}`,
    ...compareRates(rounds(a), rounds(b)),
    p99: pairedRatio(p99(a), p99(b)),
    p99Rounds: perRound(p99(a), p99(b)),
  };
}

/** Prints "1 worker/off: 1.02× req/s, ..." for the pairs asked for; returns the pairs. */
function printRatios(group, pairs, unit, latency) {
  const ratios = pairs.map(([a, b]) => ({ a, b, ...pair(group, a, b) }));
  const lines = ratios.map(
    (r) =>
      `${NAMES[r.a]}/${NAMES[r.b]}: ${fmt.ratio(r.paired)} ${unit}s/s` +
      (latency ? `, p99 ${fmt.ratio(r.p99)}` : '') +
      `, CPU per ${unit} ${fmt.ratio(r.cpuPerOp)}`,
  );
  console.log(`\n${lines.join('; ')} (medians of per-round ratios).\n`);
  return ratios;
}

const strip = (results) =>
  Object.fromEntries(
    [...results].map(([service, rounds]) => [
      service.mode,
      rounds.map(({ latencies, ...r }) => ({ ...r, p99: percentile(latencies, 99) })),
    ]),
  );

async function benchCluster({ duration, rounds }) {
  heading('5. Cluster: 1 worker vs auto, primary in front vs none, start-up, memory');
  const window = Math.min(duration, WINDOW_CAP_S);
  const raw = {};
  raw.startup = await measureStartup();

  const services = [];
  try {
    for (const mode of ['off', 'one', 'auto']) services.push(await startService(mode));
    await sleep(2000);
    const idle = new Map(services.map((s) => [s, s.processMemory()]));
    console.log(
      `\nServers: ${services.map((s) => `${s.mode}: "${s.plan?.msg}"`).join('; ')}. ` +
        `${window} s windows (the lower of --duration and ${WINDOW_CAP_S}), ${rounds} interleaved ` +
        'rounds, 0.5 s of load before each window, medians. All servers run at once; the ones not ' +
        'measured sit idle.\n',
    );

    const base = shortReport();
    const pdfPayloads = [
      { name: 'short report', body: JSON.stringify(base), connections: PDF_CONNECTIONS },
      {
        name: 'tiny report',
        connections: TINY_CONNECTIONS,
        body: JSON.stringify({
          ...base,
          title: 'Tiny report',
          sections: [],
          table: { ...base.table, rows: base.table.rows.slice(0, 5) },
        }),
      },
    ];
    const pdf = {};
    for (const payload of pdfPayloads) {
      const checks = [];
      for (const service of services) checks.push(await checkPdf(service, payload.body));
      const { pages, kib } = checks[0];
      console.log(
        `### PDF, ${payload.name}: POST /pdf/report, ${payload.connections} connections ` +
          `(${pages} page${pages === 1 ? '' : 's'}, ${fmt.num(kib)} KiB)\n`,
      );
      pdf[payload.name] = await compareServices(
        services,
        (service) => ({
          url: `${service.url}/pdf/report`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload.body,
          connections: payload.connections,
        }),
        { window, rounds, unit: 'report', cpuUnit: 'ms' },
      );
      pdf[payload.name].ratios = printRatios(
        pdf[payload.name],
        [
          ['auto', 'one'],
          ['one', 'off'],
        ],
        'report',
        true,
      );
    }

    const health = {};
    for (const style of [
      {
        name: 'keep-alive',
        text: 'keep-alive (the primary hands each connection over once, then is out of the path)',
      },
      {
        name: 'connection per request',
        close: true,
        text:
          'a new connection per request (`Connection: close`; the primary accepts and hands over ' +
          "every one). No latency columns: autocannon's latencies across reconnects are not " +
          'valid (it reported a p50 near 1 s at thousands of req/s on 8 connections)',
      },
    ]) {
      console.log(`### GET /health/live, ${HEALTH_CONNECTIONS} connections, ${style.text}\n`);
      health[style.name] = await compareServices(
        services,
        (service) => ({
          url: `${service.url}/health/live`,
          headers: style.close ? { connection: 'close' } : undefined,
          connections: HEALTH_CONNECTIONS,
        }),
        { window, rounds, unit: 'request', latency: !style.close },
      );
      health[style.name].ratios = printRatios(
        health[style.name],
        [
          ['one', 'off'],
          ['auto', 'off'],
        ],
        'request',
        !style.close,
      );
    }

    printMemory(services, idle);

    const rawOf = ({ ratios, results }) => ({ ratios, rounds: strip(results) });
    raw.pdf = Object.fromEntries(Object.entries(pdf).map(([k, v]) => [k, rawOf(v)]));
    raw.health = Object.fromEntries(Object.entries(health).map(([k, v]) => [k, rawOf(v)]));
    raw.memory = services.map((s) => ({
      mode: s.mode,
      idle: idle.get(s),
      after: s.processMemory(),
    }));
    const find = (group, name) => group.ratios.find((r) => r.name === name);
    return {
      verdicts: [
        verdict(
          'cluster PDF short reports/s auto/1 worker',
          find(pdf['short report'], 'auto/one').rounds,
        ),
        verdict(
          'cluster PDF tiny reports/s auto/1 worker',
          find(pdf['tiny report'], 'auto/one').rounds,
        ),
        verdict(
          'cluster health req/s on/off, keep-alive',
          find(health['keep-alive'], 'one/off').rounds,
        ),
        verdict(
          'cluster health p99 on/off, keep-alive',
          find(health['keep-alive'], 'one/off').p99Rounds,
        ),
        verdict(
          'cluster health req/s on/off, conn per request',
          find(health['connection per request'], 'one/off').rounds,
        ),
      ],
      raw,
    };
  } finally {
    for (const service of services.reverse()) await service.stop();
  }
}

module.exports = { benchCluster };
