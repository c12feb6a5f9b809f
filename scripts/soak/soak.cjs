'use strict';
/**
 * The chaos soak: the real cluster (`node dist/main.js`, 2 app workers, probe
 * port on) under mixed traffic over HTTP on 127.0.0.1, while a chaos loop kills, stops and
 * restarts its processes; invariants checked from outside (HTTP, signals, /proc, the probe
 * port) and reported at the end. RELIABILITY.md explains each invariant and how it is judged.
 *
 *   npm run soak -- --minutes=N [--seed=N]
 */
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join, relative } = require('node:path');
const { Chaos, DEFAULT_KINDS } = require('./chaos.cjs');
const { INVARIANTS, evaluate } = require('./invariants.cjs');
const { Monitor, fmtS } = require('./monitor.cjs');
const { readOptions } = require('./options.cjs');
const { loadAverage, listProcesses, readArgv } = require('./proc.cjs');
const { chaosTable, examples, invariantsTable, requestsTable } = require('./report.cjs');
const { createRandom } = require('./random.cjs');
const { ROOT, Service, freePort, signal, sleep } = require('./service.cjs');
const { Client, Ledger } = require('./traffic.cjs');
const {
  COMMANDS,
  COMMANDS_FILE,
  listedWorkloads,
  makeImages,
  requestKinds,
  tokenOf,
} = require('./workload.cjs');

const WORKERS = 2;
/**
 * The service's configuration. Deadlines are short, so that a broken one shows within the
 * run; the timeouts that depend on how busy the machine is (heartbeats, start) keep the
 * service's defaults. SHUTDOWN_TIMEOUT_MS (a drain, SIGHUP included) must outlast the
 * longest deadline, or a drain may cut a request that is still within it.
 */
const TASK_TIMEOUT_MS = 5000; // WORKER_TASK_TIMEOUT_MS; commands: commands.soak.json
const KILL_GRACE_MS = 1000; // CHILD_PROCESS_KILL_GRACE_MS (default 2000)
const HEARTBEAT_INTERVAL_MS = 1000; // the default
const HEARTBEAT_TIMEOUT_MS = 5000; // the default
const START_TIMEOUT_MS = 30_000; // the default
const SHUTDOWN_TIMEOUT_MS = 10_000; // the default
/** Default 10 s: the chaos loop only disturbs workers older than this, so 5 s lets it act more often. */
const STABLE_UPTIME_MS = 5000;

/** The grace past a deadline. */
const GRACE_MS = 2000;
/** /health/live has no deadline of its own yet: the soak holds it to this one. */
const PROBE_DEADLINE_MS = 5000;
/** How long past deadline + grace a client waits before it calls a request unanswered. */
const GIVE_UP_AFTER_MS = 15_000;
const CHAOS_GAP_MS = [1500, 4000];

const LIMITS = {
  workers: WORKERS,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
  stableMs: STABLE_UPTIME_MS,
  // A command may outlive its request by the grace plus the SIGTERM → SIGKILL grace.
  leftoverMs: GRACE_MS + KILL_GRACE_MS,
  // A spawn helper polls for its parent every 250 ms.
  helperMs: GRACE_MS,
  // A stopped worker shows as up until it missed two heartbeats.
  healthToleranceMs: 2 * HEARTBEAT_INTERVAL_MS + 1000,
  // Fewer ready workers than planned: at most the watchdog's timeout (a stopped worker),
  // the start timeout of its replacement (the supervisor's own bound) and the grace.
  replaceBoundMs: HEARTBEAT_TIMEOUT_MS + START_TIMEOUT_MS + GRACE_MS,
  // SIGTERM: drain for SHUTDOWN_TIMEOUT_MS, then the primary kills stragglers 2 s later.
  shutdownBoundMs: SHUTDOWN_TIMEOUT_MS + 2000 + GRACE_MS,
};

function serviceEnv(port, healthPort) {
  return {
    PORT: String(port),
    HEALTH_PORT: String(healthPort),
    CLUSTER_ENABLED: 'true',
    CLUSTER_WORKERS: String(WORKERS),
    CLUSTER_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
    CLUSTER_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
    CLUSTER_STABLE_UPTIME_MS: String(STABLE_UPTIME_MS),
    CLUSTER_WORKER_START_TIMEOUT_MS: String(START_TIMEOUT_MS),
    COMMANDS_CONFIG: COMMANDS_FILE,
    WORKER_TASK_TIMEOUT_MS: String(TASK_TIMEOUT_MS),
    CHILD_PROCESS_TIMEOUT_MS: String(TASK_TIMEOUT_MS),
    CHILD_PROCESS_KILL_GRACE_MS: String(KILL_GRACE_MS),
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  };
}

function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${rev} (src modified)` : rev;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  const runMs = Math.round(options.minutes * 60_000);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const runId = process.pid;
  const replay =
    `npm run soak -- --minutes=${options.minutes} --seed=${options.seed}` +
    (options.clients !== 4 ? ` --clients=${options.clients}` : '') +
    (options.chaos.join(',') !== DEFAULT_KINDS.join(',')
      ? ` --chaos=${options.chaos.join(',') || 'none'}`
      : '');
  const startedAt = new Date();
  const loadBefore = loadAverage();
  console.log(
    `# Chaos soak: seed ${options.seed}, ${options.minutes} min, ${options.clients} clients, ${WORKERS} app workers`,
  );
  console.log(`replay: ${replay}`);
  console.log(
    `started ${startedAt.toISOString()}, git ${gitRevision()}, Node ${process.version}, ` +
      `${os.availableParallelism()} CPUs, load average ${loadBefore.join(' ')}`,
  );

  const images = await makeImages(ROOT);
  // The service's log is the soak's evidence: it lives in the project's ignored
  // bench-results/, not in a shared temporary directory that something else may clean.
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'bench-results', 'soak-'));
  const port = await freePort();
  const healthPort = await freePort();
  const service = new Service({ env: serviceEnv(port, healthPort), dir });
  console.log(
    `service: primary pid ${service.pid}, app port ${port}, probe port ${healthPort}, log ${service.logFile}`,
  );

  let interrupted = false;
  let chaos;
  const cleanup = () => {
    chaos?.release();
    service.killAll();
    killTokened(runId);
  };
  process.on('exit', cleanup);
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(name, () => {
      interrupted = true;
      console.error(
        `\nsoak: ${name}: killing the service (pid ${service.pid}) and everything it started`,
      );
      cleanup();
      process.exit(130);
    });
  }

  await service.waitReady(healthPort, WORKERS, 60_000);
  console.log(
    `ready after ${(now() / 1000).toFixed(1)} s; traffic and chaos for ${runMs / 1000} s`,
  );

  const ledger = new Ledger();
  const monitor = new Monitor({ service, ledger, now, runId, healthPort, limits: LIMITS });
  chaos = new Chaos({
    service,
    monitor,
    rnd: createRandom(options.seed, 'chaos'),
    now,
    kinds: options.chaos,
    gapMs: CHAOS_GAP_MS,
    limits: LIMITS,
    log: (e) => {
      if (options.verbose) {
        const extra = [
          e.ms !== undefined ? `${e.ms} ms` : '',
          e.workerPid ? `worker ${e.workerPid}` : '',
          e.outcome ?? '',
        ]
          .filter(Boolean)
          .join(', ');
        console.log(
          `${fmtS(e.at)} chaos: ${e.kind} pid ${e.pid}${extra ? ` (${extra})` : ''}${e.sent ? '' : ' (not sent: gone)'}`,
        );
      }
    },
  });
  monitor.stops = chaos.stops;
  monitor.start();

  const kinds = requestKinds({
    workloads: listedWorkloads(ROOT),
    images,
    taskTimeoutMs: TASK_TIMEOUT_MS,
    probeDeadlineMs: PROBE_DEADLINE_MS,
    runId,
  });
  const end = now() + runMs;
  const running = () => now() < end && service.running && !interrupted;
  const clients = Array.from({ length: options.clients }, (_, i) =>
    new Client(i + 1, {
      port,
      rnd: createRandom(options.seed, `client ${i + 1}`),
      kinds,
      ledger,
      now,
      graceMs: GRACE_MS,
      probeDeadlineMs: PROBE_DEADLINE_MS,
      giveUpAfterMs: GIVE_UP_AFTER_MS,
    }).run(running),
  );
  const chaosDone = chaos.run(running);
  const progress = setInterval(() => {
    const workers = [...monitor.workers.values()].filter((w) => w.diedAt === undefined).length;
    console.log(
      `${fmtS(now())}: ${ledger.records.length} requests, ${chaos.events.length} chaos events, ` +
        `${workers} workers alive (${monitor.readyWorkers.size} ready)`,
    );
  }, 15_000);

  await Promise.race([sleep(runMs), service.exited]);
  const primaryDied = !service.running ? { ...service.exit, at: now() } : undefined;
  await chaosDone;
  chaos.release();
  await Promise.all(clients);
  clearInterval(progress);
  const trafficEnded = now();
  // The last chaos event may have left a worker to replace; then time for leftovers to show.
  await monitor.waitForWorkers(LIMITS.replaceBoundMs);
  await sleep(LIMITS.leftoverMs + 500);
  await monitor.stop();

  const terminatedAt = Date.now();
  const exit = primaryDied ? service.exit : await service.terminate(LIMITS.shutdownBoundMs);
  const shutdownMs = exit ? exit.at - terminatedAt : undefined;
  await sleep(500); // helpers poll for their parent every 250 ms
  monitor.finalSweep();
  cleanup();

  const { judge, judged, results, outages } = evaluate({
    ledger,
    chaos,
    monitor,
    limits: LIMITS,
    graceMs: GRACE_MS,
    runMs,
    trafficEnded,
    end: { primaryDied, exit, shutdownMs },
    logFile: service.logFile,
  });

  // Report.
  const broken = Object.keys(INVARIANTS).filter((id) => !results[id].ok);
  const loadAfter = loadAverage();
  const cpu = process.cpuUsage();
  const soakCpu = `the soak's own CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`;
  const lines = [
    '',
    `## Soak summary: seed ${options.seed}, ${options.minutes} min (${(trafficEnded / 1000).toFixed(0)} s incl. start), ` +
      `load average ${loadBefore.join(' ')} → ${loadAfter.join(' ')}, ${soakCpu}`,
    '',
    requestsTable(
      judged,
      kinds.map((k) => k.name),
    ),
    '',
    chaosTable(chaos.events, chaos.deferred, options.chaos, judge),
    '',
    invariantsTable(results),
  ];
  const detail = examples(results);
  if (detail) lines.push('', detail);
  const keepLog = broken.length > 0 || options.keep;
  lines.push(
    '',
    keepLog
      ? `service log: ${service.logFile} (request ids soak-<number>)`
      : 'service log removed (--keep keeps it)',
    `replay: ${replay}`,
    broken.length === 0
      ? 'RESULT: OK, every invariant held'
      : `RESULT: BROKEN: ${broken.map((id) => INVARIANTS[id]).join('; ')}`,
  );
  console.log(lines.join('\n'));
  if (options.json) {
    writeFileSync(
      options.json,
      JSON.stringify(
        {
          seed: options.seed,
          options,
          startedAt: startedAt.toISOString(),
          loadAverage: { before: loadBefore, after: loadAfter },
          env: serviceEnv(port, healthPort),
          commands: COMMANDS,
          invariants: results,
          outcomes: Object.fromEntries(judged.map((i) => [i.record.seq, i.outcome])),
          notOk: judged
            .filter((i) => i.outcome !== 'ok')
            .map((i) => ({ outcome: i.outcome, ...i.record })),
          events: chaos.events,
          stops: chaos.stops,
          outages,
          rss: monitor.rss,
        },
        null,
        2,
      ),
    );
    console.log(`json: ${relative(process.cwd(), options.json)}`);
  }
  if (!keepLog) rmSync(dir, { recursive: true, force: true });
  return broken.length === 0 ? 0 : 1;
}

/** Kills any process still carrying this run's token (a command orphaned beyond the tree). */
function killTokened(runId) {
  for (const p of listProcesses()) {
    if (p.state !== 'Z' && tokenOf(readArgv(p.pid), runId) !== undefined)
      signal(p.pid, p.start, 'SIGKILL');
  }
}

// A bug in the soak must not read as a broken invariant (exit code 1); 'exit' still cleans up.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    console.error(`soak: ${error?.stack ?? error}`);
    process.exit(2);
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`soak: ${error.stack ?? error}`);
    process.exit(2);
  },
);
