'use strict';
/**
 * Section 4, child processes: what ChildProcessRunner costs over a bare spawn loop, and
 * whether the event loop keeps answering while commands start and while they stream a lot
 * of output. Runs in this process, with a ballast that gives it the memory of a running
 * service (fork() copies page tables, so its cost grows with the forking process's memory).
 */
const { spawn } = require('node:child_process');
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
const { measureLoad } = require('./load.cjs');
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
    const http = await streamToClients(rounds);
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
          'loop p99 while streaming 100 MB / idle',
          pairedRatio(
            s.map((r) => r.p99),
            i.map((r) => r.p99),
          ),
          GOAL_DELAY,
          { atMost: true },
        ),
      ],
    };
  } finally {
    ballast.length = 0;
    await Promise.all(Object.values(runners).map((r) => r.onApplicationShutdown()));
  }
}

/**
 * The service, `node dist/main.js`: /health/live latency (1 connection) idle, and while
 * CLIENTS clients download 100 MB each from POST /commands/zeros, over and over.
 */
async function streamToClients(rounds) {
  const server = await startServer('service', join(ROOT, 'dist', 'main.js'), {
    COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.bench.json'),
  });
  try {
    const health = { url: `${server.url}/health/live`, connections: 1 };
    let streaming = false;
    let streamedBytes = 0;
    const download = async () => {
      while (streaming) {
        const response = await fetch(`${server.url}/commands/zeros`, { method: 'POST' });
        for await (const chunk of response.body) streamedBytes += chunk.length;
      }
    };
    const variants = [{ name: 'idle' }, { name: 'streaming' }];
    const results = await interleave(variants, Math.max(rounds, 3), async (v) => {
      if (v.name === 'idle') return measureLoad(health, 3, 0.5);
      streaming = true;
      streamedBytes = 0;
      const clients = Array.from({ length: CLIENTS }, download);
      const started = performance.now();
      const measured = await measureLoad(health, 3, 0.5);
      streaming = false;
      await Promise.all(clients);
      return {
        ...measured,
        mbPerSecond: streamedBytes / 1e6 / ((performance.now() - started) / 1000),
      };
    });
    const [idle, busy] = variants.map((v) =>
      results.get(v).map((r) => ({ ...r, p99: percentile(r.latencies, 99) })),
    );
    console.log(
      `\nThe service (\`node dist/main.js\`): GET /health/live, 1 connection, 3 s windows, idle and while ${CLIENTS} clients download 100 MB each from POST /commands/zeros, again and again.\n`,
    );
    table(
      ['variant', 'health p99', 'p99 vs idle (paired)', 'MB/s to clients'],
      [
        ['idle', fmt.ms(median(idle.map((r) => r.p99))), '1.00×', ''],
        [
          'streaming',
          fmt.ms(median(busy.map((r) => r.p99))),
          fmt.ratio(
            pairedRatio(
              busy.map((r) => r.p99),
              idle.map((r) => r.p99),
            ),
          ),
          fmt.num(median(busy.map((r) => r.mbPerSecond))),
        ],
      ],
    );
    return pairedRatio(
      busy.map((r) => r.p99),
      idle.map((r) => r.p99),
    );
  } finally {
    await server.stop();
  }
}

module.exports = { benchCommands };
