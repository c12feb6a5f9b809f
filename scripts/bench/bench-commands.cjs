'use strict';
/**
 * Section 4, child processes: what ChildProcessRunner costs over a bare spawn loop, and
 * whether the event loop keeps answering while commands start and while they stream a lot
 * of output. Runs in this process, with a ballast that gives it the memory of a running
 * service (fork() copies page tables, so its cost grows with the forking process's memory).
 */
const { fork, spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { join } = require('node:path');
const { closedLoop } = require('./closed-loop.cjs');
const {
  baselineRatios,
  fmt,
  heading,
  interleave,
  measureIdle,
  median,
  pairedRatio,
  percentile,
  resolvedRatio,
  table,
  verdict,
} = require('./lib.cjs');
const { startLoopProbe } = require('./loop-probe.cjs');
const { cpuSecondsOf, startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const CLIENTS = 2;

const CONCURRENCY = 4;
const RUNS = 300;
const STREAM_BYTES = 100_000_000;
const BALLAST_MB = 150;
const GOAL_RATE = 0.8;
const GOAL_DELAY = 3;

/** monitorEventLoopDelay's finest resolution, 1 ms: its figures are compared with that step. */
const ELD_RESOLUTION_MS = 1;

/**
 * Starts one window on this process's event loop with both instruments: the loop probe
 * (loop-probe.cjs, microseconds: the verdicts use it) and monitorEventLoopDelay (1 ms, shown
 * beside it). The returned function ends the window and gives `{ p50, p99, max }` of the probe
 * and `eld: { p99, max }`.
 */
function loopWindow(probe) {
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();
  probe.reset();
  return () => {
    eld.disable();
    return { ...probe.read(), eld: { p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 } };
  };
}

/** Runs `job` RUNS times, CONCURRENCY at once, and records the event loop meanwhile. */
async function burst(job, probe) {
  const end = loopWindow(probe);
  const { errors, firstError, perSecond } = await closedLoop(job, {
    concurrency: CONCURRENCY,
    count: RUNS,
  });
  const loop = end();
  if (errors > 0) throw firstError;
  return { perSecond, ...loop };
}

/** One idle window of this process's loop (measured again while disturbed: lib.cjs). */
function idleWindow(probe, ms = 1000) {
  return measureIdle(async () => {
    const end = loopWindow(probe);
    await sleep(ms);
    return end();
  });
}

function bareSpawn() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [], { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

/**
 * Table rows for variants measured on a loop, against the idle windows of the same rounds:
 * the probe's p99 and its ratio to idle over the rounds whose idle window was undisturbed,
 * then monitorEventLoopDelay's p99, its ratio (or "below resolution") and its max.
 */
function loopCells(list, idle) {
  const { rounds, discarded } = baselineRatios(
    list.map((r) => r.p99),
    idle,
  );
  const eldP99 = median(list.map((r) => r.eld.p99));
  const eldIdle = median(idle.map((r) => r.eld.p99));
  return [
    fmt.ms(median(list.map((r) => r.p99))),
    list === idle
      ? '1.00×'
      : `${fmt.ratio(median(rounds))}${discarded > 0 ? ` (${discarded} left out)` : ''}`,
    fmt.ms(eldP99),
    list === idle ? '1.00×' : resolvedRatio(eldP99, eldIdle, ELD_RESOLUTION_MS),
    fmt.ms(median(list.map((r) => r.eld.max))),
  ];
}

const LOOP_HEADERS = [
  'loop wait p99 (probe)',
  'vs idle (paired)',
  'ELD p99',
  'ELD vs idle',
  'ELD max',
];

function describeIdle(idle) {
  const retried = idle.filter((r) => r.attempts > 1).length;
  const left = idle.filter((r) => r.disturbed).length;
  return (
    `Idle windows: ${idle.length}, ${retried} measured again, ${left} still disturbed and left ` +
    `out of the ratios (p50/p99 of each: ${idle.map((r) => `${fmt.ms(r.p50)}/${fmt.ms(r.p99)}`).join(', ')}).`
  );
}

async function benchCommands({ rounds }) {
  heading(
    '4. Child processes: ChildProcessRunner vs bare spawn, event loop during spawns and streams',
  );
  const { Logger } = require('@nestjs/common');
  Logger.overrideLogger(['error', 'warn']);
  const { ChildProcessRunner } = require('../../dist/concurrency/child-process/index.js');
  const ballast = Array.from({ length: BALLAST_MB }, () => Buffer.alloc(1024 * 1024, 1));
  const runners = {
    helper: new ChildProcessRunner({ maxConcurrency: CONCURRENCY, spawner: 'helper-process' }),
    inProcess: new ChildProcessRunner({ maxConcurrency: CONCURRENCY, spawner: 'in-process' }),
  };
  const probe = startLoopProbe();
  try {
    await runners.helper.run('true', []); // start the helper process outside the rounds
    const variants = [
      {
        name: 'ChildProcessRunner, helper-process spawner (default)',
        job: () => runners.helper.run('true', []),
      },
      {
        name: 'ChildProcessRunner, in-process spawner',
        job: () => runners.inProcess.run('true', []),
      },
      { name: 'bare child_process.spawn loop', job: bareSpawn },
      { name: 'idle (no spawns)', idle: true },
    ];
    const results = await interleave(variants, Math.max(rounds, 3), (v) =>
      v.idle ? idleWindow(probe) : burst(v.job, probe),
    );
    const [helper, inProcess, bare, idle] = variants.map((v) => results.get(v));
    const rate = (list) => list.map((r) => r.perSecond);
    console.log(
      `\`/bin/true\` ${RUNS} times per round, ${CONCURRENCY} at once, ${idle.length} interleaved rounds; ` +
        `this process holds a ${BALLAST_MB} MiB ballast (RSS ${fmt.mib(process.memoryUsage().rss)}). ` +
        'Loop wait: how long a message from a worker thread waited for the event loop ' +
        '(scripts/bench/loop-probe.cjs, µs); ELD: monitorEventLoopDelay (1 ms resolution, its ' +
        'figures include its own 1 ms interval), a ratio only when the two differ by 5 steps or more.\n',
    );
    table(
      ['variant', 'runs/s (median)', 'vs bare spawn (paired)', ...LOOP_HEADERS],
      [
        ...[helper, inProcess, bare].map((list, i) => [
          variants[i].name,
          fmt.num(median(rate(list))),
          fmt.ratio(pairedRatio(rate(list), rate(bare))),
          ...loopCells(list, idle),
        ]),
        [variants[3].name, '', '', ...loopCells(idle, idle)],
      ],
    );
    console.log(`\n${describeIdle(idle)}`);

    // Streaming: one command writes 100 MB; its stdout is read to the end as it comes.
    const stream = async () => {
      const end = loopWindow(probe);
      const started = performance.now();
      const { stdout, result } = await runners.helper.stream(
        'head',
        ['-c', String(STREAM_BYTES), '/dev/zero'],
        { maxOutputBytes: STREAM_BYTES },
      );
      let bytes = 0;
      for await (const chunk of stdout) bytes += chunk.length;
      await result;
      const seconds = (performance.now() - started) / 1000;
      const loop = end();
      if (bytes !== STREAM_BYTES) throw new Error(`streamed ${bytes} bytes`);
      return { mbPerSecond: bytes / 1e6 / seconds, ...loop };
    };
    const streamVariants = [
      { name: 'streaming 100 MB of stdout', run: stream },
      { name: 'idle', run: () => idleWindow(probe) },
    ];
    const streamed = await interleave(streamVariants, Math.max(rounds, 3), (v) => v.run());
    const [s, i] = streamVariants.map((v) => streamed.get(v));
    console.log(
      '\nStreaming: `head -c 100000000 /dev/zero` through ChildProcessRunner.stream, stdout read to its end in this process.\n',
    );
    table(
      ['variant', 'MB/s (median)', ...LOOP_HEADERS],
      [
        [streamVariants[0].name, fmt.num(median(s.map((r) => r.mbPerSecond))), ...loopCells(s, i)],
        ['idle', '', ...loopCells(i, i)],
      ],
    );
    console.log(`\n${describeIdle(i)}`);
    const service = await streamToClients(rounds);
    const overIdle = (list, base) =>
      baselineRatios(
        list.map((r) => r.p99),
        base,
      );
    const runnerDelay = overIdle(helper, idle);
    const streamDelay = overIdle(s, i);
    return {
      verdicts: [
        verdict(
          'commands runs/s runner/bare spawn',
          rate(helper).map((r, k) => r / rate(bare)[k]),
          GOAL_RATE,
        ),
        verdict(
          'loop wait p99 during spawn burst / idle (runner)',
          runnerDelay.rounds,
          GOAL_DELAY,
          {
            atMost: true,
            discarded: runnerDelay.discarded,
          },
        ),
        verdict(
          'loop wait p99 during spawn burst / idle (in-process)',
          overIdle(inProcess, idle).rounds,
          undefined,
          { discarded: overIdle(inProcess, idle).discarded },
        ),
        verdict(
          'bench-process loop wait p99 while reading 100 MB / idle',
          streamDelay.rounds,
          GOAL_DELAY,
          {
            atMost: true,
            discarded: streamDelay.discarded,
          },
        ),
        ...service,
      ],
    };
  } finally {
    ballast.length = 0;
    await probe.stop();
    // The helper spawner unrefs its host process while idle and close() waits for its exit:
    // with nothing else pending, this process would end right there, before the summary.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await Promise.all(Object.values(runners).map((r) => r.onApplicationShutdown()));
    } finally {
      clearInterval(keepAlive);
    }
  }
}

/** Bytes per second each rate-bounded client reads: 2 of them fill about a 1 Gbit/s link. */
const CLIENT_RATE = 50_000_000;
const WINDOW_SECONDS = 3;
const PROBE_INTERVAL_MS = 10;

/**
 * GET `url` every PROBE_INTERVAL_MS on one keep-alive connection, as a load balancer's probe
 * would (a closed loop of probes would itself keep the service busy), recording latencies.
 */
function probeHealth(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  let stopped = false;
  const once = () =>
    new Promise((resolve, reject) => {
      const from = performance.now();
      http
        .get(url, { agent }, (response) => {
          response.resume().once('end', () => {
            if (response.statusCode !== 200) reject(new Error(`health: ${response.statusCode}`));
            else resolve(latencies.push(performance.now() - from));
          });
        })
        .once('error', reject);
    });
  const running = (async () => {
    while (!stopped) {
      await once();
      await sleep(PROBE_INTERVAL_MS);
    }
  })();
  return {
    latencies,
    async stop() {
      stopped = true;
      try {
        await running;
      } finally {
        agent.destroy();
      }
    },
  };
}

/** A line protocol client for fixtures/loop-delay.preload.cjs inside the service. */
async function connectProbe(path) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const socket = await new Promise((resolve, reject) => {
        const s = net.connect(path, () => resolve(s)).once('error', reject);
      });
      let buffered = '';
      const waiting = [];
      socket.setEncoding('utf8').on('data', (text) => {
        buffered += text;
        for (let end; (end = buffered.indexOf('\n')) >= 0; buffered = buffered.slice(end + 1)) {
          waiting.shift()(JSON.parse(buffered.slice(0, end)));
        }
      });
      return {
        ask: (line) =>
          new Promise((resolve) => {
            waiting.push(resolve);
            socket.write(`${line}\n`);
          }),
        close: () => socket.destroy(),
      };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** The download clients (fixtures/download-clients.cjs), a process of their own. */
function startClients() {
  const child = fork(join(__dirname, 'fixtures', 'download-clients.cjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise((resolve, reject) => {
      child.once('message', (m) =>
        m.type === 'error' ? reject(new Error(`download clients: ${m.message}`)) : resolve(m),
      );
    });
  return {
    pid: child.pid,
    cpuSeconds: () => cpuSecondsOf(child.pid),
    start: (options) => child.send({ type: 'start', ...options }),
    async stop() {
      const answer = next();
      child.send({ type: 'stop' });
      return answer;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    },
  };
}

/**
 * The service, `node dist/main.js` (CLUSTER_ENABLED=false: the measured process is the one that
 * serves HTTP and runs the commands), with the bench's loop-delay probe preloaded. Per window:
 * the service's own event-loop delay and GC pauses, and GET /health/live latency seen by one
 * autocannon connection from this process; idle, and while CLIENTS clients in another process
 * download 100 MB each from POST /commands/zeros again and again, at full speed or each at
 * CLIENT_RATE.
 */
async function streamToClients(rounds) {
  const socketPath = join(tmpdir(), `bench-loop-delay-${process.pid}.sock`);
  rmSync(socketPath, { force: true });
  const server = await startServer('service', join(ROOT, 'dist', 'main.js'), {
    COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.bench.json'),
    CLUSTER_ENABLED: 'false',
    NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'loop-delay.preload.cjs')}`,
    BENCH_LOOP_DELAY_SOCKET: socketPath,
  });
  const probe = await connectProbe(socketPath);
  const clients = startClients();
  try {
    const health = `${server.url}/health/live`;
    const url = `${server.url}/commands/zeros`;
    const variants = [
      { name: 'idle' },
      { name: `${CLIENTS} clients at full speed`, bytesPerSecond: 0 },
      { name: `${CLIENTS} clients at ${CLIENT_RATE / 1e6} MB/s each`, bytesPerSecond: CLIENT_RATE },
    ];
    /** One window: the service's loop (both instruments), its GC, the probe's latency, CPU. */
    const window = async (v) => {
      if (v.bytesPerSecond !== undefined) {
        clients.start({ url, clients: CLIENTS, bytesPerSecond: v.bytesPerSecond });
      }
      const probing = probeHealth(health);
      let loop;
      const cpu = { service: server.cpuSeconds(), clients: clients.cpuSeconds() };
      try {
        await sleep(500);
        await probe.ask('reset');
        probing.latencies.length = 0;
        cpu.service = server.cpuSeconds();
        cpu.clients = clients.cpuSeconds();
        await sleep(WINDOW_SECONDS * 1000);
        loop = await probe.ask('read');
        cpu.service = (server.cpuSeconds() - cpu.service) / WINDOW_SECONDS;
        cpu.clients = (clients.cpuSeconds() - cpu.clients) / WINDOW_SECONDS;
      } finally {
        await probing.stop();
      }
      const streamed = v.bytesPerSecond === undefined ? undefined : await clients.stop();
      return {
        ...loop,
        health: percentile(probing.latencies, 99),
        cores: cpu,
        mbPerSecond: streamed && streamed.bytes / 1e6 / streamed.seconds,
      };
    };
    const results = await interleave(variants, Math.max(rounds, 3), (v) =>
      v.bytesPerSecond === undefined ? measureIdle(() => window(v)) : window(v),
    );
    const [idle, ...busy] = variants.map((v) => results.get(v));
    console.log(
      `\nThe service (\`node dist/main.js\`, CLUSTER_ENABLED=false), ${WINDOW_SECONDS} s windows, ` +
        `${idle.length} interleaved rounds, measured from inside by a bench preload ` +
        '(fixtures/loop-delay.preload.cjs): how long a message from a worker thread waited for its ' +
        'event loop (loop-probe.cjs, µs), monitorEventLoopDelay (1 ms), GC pauses; and GET ' +
        `/health/live latency (one request every ${PROBE_INTERVAL_MS} ms from the bench process); ` +
        `idle and while ${CLIENTS} clients in another process download 100 MB each from POST ` +
        '/commands/zeros, again and again.\n',
    );
    table(
      [
        'variant',
        ...LOOP_HEADERS,
        'GC pauses / time',
        'health p99 (probe)',
        'MB/s to clients',
        'CPU cores service / clients',
      ],
      variants.map((v, i) => {
        const r = i === 0 ? idle : busy[i - 1];
        return [
          v.name,
          ...loopCells(r, idle),
          `${fmt.num(median(r.map((x) => x.gc.count)))} / ${fmt.ms(median(r.map((x) => x.gc.ms)))}`,
          fmt.ms(median(r.map((x) => x.health))),
          i === 0 ? '' : fmt.num(median(r.map((x) => x.mbPerSecond))),
          `${median(r.map((x) => x.cores.service)).toFixed(2)} / ${median(r.map((x) => x.cores.clients)).toFixed(2)}`,
        ];
      }),
    );
    console.log(`\n${describeIdle(idle)}`);
    return variants.slice(1).map((v, i) => {
      const { rounds: ratios, discarded } = baselineRatios(
        busy[i].map((x) => x.p99),
        idle,
      );
      return verdict(
        `service loop wait p99 while streaming to ${v.name} / idle`,
        ratios,
        GOAL_DELAY,
        { atMost: true, discarded },
      );
    });
  } finally {
    clients.kill();
    probe.close();
    await server.stop();
    rmSync(socketPath, { force: true });
  }
}

module.exports = { benchCommands, streamToClients };
