'use strict';
/**
 * Section 4, child processes: what ChildProcessRunner costs over a bare spawn loop, and
 * whether the event loop keeps answering while commands start and while they stream a lot
 * of output. Runs in this process, with a ballast that gives it the memory of a running
 * service (fork() copies page tables, so its cost grows with the forking process's memory).
 */
const { fork, spawn } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { join } = require('node:path');
const {
  fmt,
  heading,
  interleave,
  median,
  pairedRatio,
  percentile,
  table,
  verdict,
} = require('./lib.cjs');
const { startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const CLIENTS = 2;

const CONCURRENCY = 4;
const RUNS = 300;
const STREAM_BYTES = 100_000_000;
const BALLAST_MB = 150;
const GOAL_RATE = 0.8;
const GOAL_DELAY = 3;

/** Runs `job` RUNS times, CONCURRENCY at once, and records the event loop's delay meanwhile. */
async function closedLoop(job) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let issued = 0;
  h.enable();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued++ < RUNS) await job();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  h.disable();
  return { perSecond: RUNS / seconds, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

async function idleDelay(ms) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(ms);
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

function bareSpawn() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [], { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', resolve);
  });
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
    const results = await interleave(variants, Math.max(rounds, 3), async (v) =>
      v.idle ? idleDelay(1000) : closedLoop(v.job),
    );
    const [helper, inProcess, bare, idle] = variants.map((v) => results.get(v));
    const idleP99 = idle.map((r) => r.p99);
    console.log(
      `\`/bin/true\` ${RUNS} times per round, ${CONCURRENCY} at once, ${idle.length} interleaved rounds; ` +
        `this process holds a ${BALLAST_MB} MiB ballast (RSS ${fmt.mib(process.memoryUsage().rss)}). Event-loop delay from monitorEventLoopDelay (1 ms resolution).\n`,
    );
    table(
      [
        'variant',
        'runs/s (median)',
        'vs bare spawn (paired)',
        'loop delay p99',
        'p99 vs idle (paired)',
        'loop delay max',
      ],
      [
        [
          variants[0].name,
          fmt.num(median(helper.map((r) => r.perSecond))),
          fmt.ratio(
            pairedRatio(
              helper.map((r) => r.perSecond),
              bare.map((r) => r.perSecond),
            ),
          ),
          fmt.ms(median(helper.map((r) => r.p99))),
          fmt.ratio(
            pairedRatio(
              helper.map((r) => r.p99),
              idleP99,
            ),
          ),
          fmt.ms(median(helper.map((r) => r.max))),
        ],
        [
          variants[1].name,
          fmt.num(median(inProcess.map((r) => r.perSecond))),
          fmt.ratio(
            pairedRatio(
              inProcess.map((r) => r.perSecond),
              bare.map((r) => r.perSecond),
            ),
          ),
          fmt.ms(median(inProcess.map((r) => r.p99))),
          fmt.ratio(
            pairedRatio(
              inProcess.map((r) => r.p99),
              idleP99,
            ),
          ),
          fmt.ms(median(inProcess.map((r) => r.max))),
        ],
        [
          variants[2].name,
          fmt.num(median(bare.map((r) => r.perSecond))),
          '1.00×',
          fmt.ms(median(bare.map((r) => r.p99))),
          fmt.ratio(
            pairedRatio(
              bare.map((r) => r.p99),
              idleP99,
            ),
          ),
          fmt.ms(median(bare.map((r) => r.max))),
        ],
        [
          variants[3].name,
          '',
          '',
          fmt.ms(median(idleP99)),
          '1.00×',
          fmt.ms(median(idle.map((r) => r.max))),
        ],
      ],
    );

    // Streaming: one command writes 100 MB; its stdout is read to the end as it comes.
    const stream = async () => {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const started = performance.now();
      const { stdout, result } = await runners.helper.stream(
        'head',
        ['-c', String(STREAM_BYTES), '/dev/zero'],
        {
          maxOutputBytes: STREAM_BYTES,
        },
      );
      let bytes = 0;
      for await (const chunk of stdout) bytes += chunk.length;
      await result;
      const seconds = (performance.now() - started) / 1000;
      h.disable();
      if (bytes !== STREAM_BYTES) throw new Error(`streamed ${bytes} bytes`);
      return { mbPerSecond: bytes / 1e6 / seconds, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    };
    const streamVariants = [
      { name: 'streaming 100 MB of stdout', run: stream },
      { name: 'idle', run: () => idleDelay(1000) },
    ];
    const streamed = await interleave(streamVariants, Math.max(rounds, 3), (v) => v.run());
    const [s, i] = streamVariants.map((v) => streamed.get(v));
    console.log(
      '\nStreaming: `head -c 100000000 /dev/zero` through ChildProcessRunner.stream, stdout read to its end in this process.\n',
    );
    table(
      ['variant', 'MB/s (median)', 'loop delay p99', 'p99 vs idle (paired)', 'loop delay max'],
      [
        [
          streamVariants[0].name,
          fmt.num(median(s.map((r) => r.mbPerSecond))),
          fmt.ms(median(s.map((r) => r.p99))),
          fmt.ratio(
            pairedRatio(
              s.map((r) => r.p99),
              i.map((r) => r.p99),
            ),
          ),
          fmt.ms(median(s.map((r) => r.max))),
        ],
        [
          'idle',
          '',
          fmt.ms(median(i.map((r) => r.p99))),
          '1.00×',
          fmt.ms(median(i.map((r) => r.max))),
        ],
      ],
    );
    const service = await streamToClients(rounds);
    return {
      verdicts: [
        verdict(
          'commands runs/s runner/bare spawn',
          pairedRatio(
            helper.map((r) => r.perSecond),
            bare.map((r) => r.perSecond),
          ),
          GOAL_RATE,
        ),
        verdict(
          'loop p99 during spawn burst / idle (runner)',
          pairedRatio(
            helper.map((r) => r.p99),
            idleP99,
          ),
          GOAL_DELAY,
          { atMost: true },
        ),
        verdict(
          'loop p99 during spawn burst / idle (in-process)',
          pairedRatio(
            inProcess.map((r) => r.p99),
            idleP99,
          ),
        ),
        verdict(
          'bench-process loop p99 while reading 100 MB / idle',
          pairedRatio(
            s.map((r) => r.p99),
            i.map((r) => r.p99),
          ),
          GOAL_DELAY,
          { atMost: true },
        ),
        ...service,
      ],
    };
  } finally {
    ballast.length = 0;
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

function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ, 100 on Linux
  } catch {
    return Number.NaN;
  }
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
    const results = await interleave(variants, Math.max(rounds, 3), async (v) => {
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
        loop,
        health: percentile(probing.latencies, 99),
        cores: cpu,
        mbPerSecond: streamed && streamed.bytes / 1e6 / streamed.seconds,
      };
    });
    const [idle, ...busy] = variants.map((v) => results.get(v));
    const idleP99 = idle.map((r) => r.loop.p99);
    console.log(
      `\nThe service (\`node dist/main.js\`, CLUSTER_ENABLED=false), ${WINDOW_SECONDS} s windows, ${idle.length} interleaved rounds: its own event-loop delay (monitorEventLoopDelay, 1 ms resolution, from a bench preload) and GC pauses, and GET /health/live latency (one request every ${PROBE_INTERVAL_MS} ms from the bench process); idle and while ${CLIENTS} clients in another process download 100 MB each from POST /commands/zeros, again and again.\n`,
    );
    const rows = variants.map((v, i) => {
      const r = i === 0 ? idle : busy[i - 1];
      return [
        v.name,
        fmt.ms(median(r.map((x) => x.loop.p99))),
        i === 0
          ? '1.00×'
          : fmt.ratio(
              pairedRatio(
                r.map((x) => x.loop.p99),
                idleP99,
              ),
            ),
        fmt.ms(median(r.map((x) => x.loop.max))),
        `${fmt.num(median(r.map((x) => x.loop.gc.count)))} / ${fmt.ms(median(r.map((x) => x.loop.gc.ms)))}`,
        fmt.ms(median(r.map((x) => x.health))),
        i === 0 ? '' : fmt.num(median(r.map((x) => x.mbPerSecond))),
        `${median(r.map((x) => x.cores.service)).toFixed(2)} / ${median(r.map((x) => x.cores.clients)).toFixed(2)}`,
      ];
    });
    table(
      [
        'variant',
        'service loop delay p99',
        'p99 vs idle (paired)',
        'loop delay max',
        'GC pauses / time',
        'health p99 (probe)',
        'MB/s to clients',
        'CPU cores service / clients',
      ],
      rows,
    );
    return variants.slice(1).map((v, i) =>
      verdict(
        `service loop p99 while streaming to ${v.name} / idle`,
        pairedRatio(
          busy[i].map((x) => x.loop.p99),
          idleP99,
        ),
        GOAL_DELAY,
        { atMost: true },
      ),
    );
  } finally {
    clients.kill();
    probe.close();
    await server.stop();
    rmSync(socketPath, { force: true });
  }
}

module.exports = { benchCommands, streamToClients };
