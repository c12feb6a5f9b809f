'use strict';
/**
 * Where the CPU of a resize through the service goes beyond sharp's own (BENCHMARKS.md, 3b),
 * with section 3b's image, query and load (8 connections, 2 slots) against its direct loop
 * (resizeImage, 2 in flight). After `npm run build`:
 *
 *   node scripts/bench/image-overhead.cjs gc [--seconds=30] [--warmup=30] [--baseline=REVISION] [--flags=F] [--env=K=V,…]
 *       V8's garbage collections during the load (node --trace-gc-nvp): scavenges and
 *       mark-compacts, KiB allocated and promoted per resize, main-thread pauses per resize,
 *       the server's CPU per resize and its peak RSS. `--flags` adds node flags to a second
 *       run of this checkout's service (e.g. `--flags=--max-semi-space-size=8`), `--env`
 *       environment variables to another (e.g. `--env=HEAP_GROWING_PERCENT=0`).
 *   node scripts/bench/image-overhead.cjs floor [--rounds=5] [--seconds=5] [--warmup=30]
 *       The service against the floor of a resize through HTTP (image-floor-server.cjs: bare
 *       node:http, the same resizeImage, no framework), in interleaved rounds: CPU per resize
 *       of each server process, all threads and the main thread alone.
 *   node scripts/bench/image-overhead.cjs contend [--rounds=5] [--seconds=5]
 *       The direct loop alone and beside a process busy in 1 ms bursts (about 0.09 and 0.17
 *       cores), in interleaved rounds: the throughput two sharp pipelines lose to other work on
 *       the same cores, though together they use only about 1.6 of the 2.
 *   node scripts/bench/image-overhead.cjs isolate [--rounds=10]
 *       The direct loop in two processes, one of which first loads the app's modules
 *       (dist/app.module.js, as the service's process holds them): CPU per resize by thread.
 *   node scripts/bench/image-overhead.cjs perf [--warmup=30] [--seconds=8] [--baseline=REVISION] [--leaves=N]
 *       perf record (user-space CPU clock, call graphs, JIT names from --perf-basic-prof) of
 *       the main thread: ms per resize by the nearest frame of a known kind (HTTP parsing,
 *       Fastify, Nest, sharp …); with `--leaves`, also by the function sampled, the top N of
 *       each side. Needs `perf` and kernel.perf_event_paranoid ≤ 2.
 *
 * `--baseline=REVISION` measures the service as of REVISION too (baseline-build.cjs).
 */
const { fork } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { baselineBuild } = require('./baseline-build.cjs');
const { fmt, interleave, median, parseEnv, sleep, table } = require('./lib.cjs');
const { startLoad } = require('./load.cjs');
const { serviceHeapFlags } = require('./image-input.cjs');
const { photoLikeJpeg } = require('./payloads.cjs');
const {
  UV_THREADPOOL_SIZE,
  cpuSecondsOf,
  memoryOf,
  startRunner,
  startServer,
} = require('./processes.cjs');
const { cpuByGroup, threadCpu } = require('./threads.cjs');
const {
  PERF_EXEC_ARGV,
  mainThreadKinds,
  printProfile,
  profileSides,
} = require('./perf-main-thread.cjs');

const ROOT = join(__dirname, '..', '..');
const QUERY = 'width=300&format=jpeg';
const PARAMS = { width: 300, height: undefined, fit: 'cover', format: 'jpeg', quality: undefined };
const SERVICE_ENV = {
  CLUSTER_ENABLED: 'false',
  WORKER_INLINE_CONCURRENCY: '2',
  WORKER_POOL_MAX_QUEUE: '10000',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

async function testImage() {
  const { sharp } = require(join(ROOT, 'dist', 'workloads', 'image', 'sharp.js'));
  const data = await photoLikeJpeg(sharp);
  const dir = mkdtempSync(join(tmpdir(), 'image-overhead-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'input.jpg'), data);
  return { data, path: join(dir, 'input.jpg') };
}

const serviceLoad = (server, image) => ({
  url: `${server.url}/images/resize?${QUERY}`,
  method: 'POST',
  headers: { 'content-type': 'image/jpeg' },
  body: image.data,
  connections: 8,
});

/** The services to measure: this checkout's (also with `flags` or `env`), and REVISION's when asked. */
function services(baseline, flags, env) {
  return [
    { name: 'service', root: ROOT, execArgv: [] },
    ...(flags ? [{ name: `service ${flags}`, root: ROOT, execArgv: flags.split(' ') }] : []),
    ...(env ? [{ name: `service ${env}`, root: ROOT, execArgv: [], env: parseEnv(env) }] : []),
    ...(baseline
      ? [{ name: `service@${baseline}`, root: baselineBuild(baseline), execArgv: [] }]
      : []),
  ];
}

// ---- gc ----

/** Sums --trace-gc-nvp lines (`name=value` pairs) of a load window. */
function gcSummary(lines, resizes) {
  const events = lines
    .filter((line) => / gc=\S+ /.test(line))
    .map((line) => {
      const field = (name) => Number(new RegExp(` ${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
      return {
        kind: / gc=s /.test(line) ? 'scavenge' : 'mark-compact',
        pause: field('pause'),
        allocated: field('allocated'),
        promoted: field('promoted'),
      };
    });
  const sum = (key, kind) =>
    events.filter((e) => !kind || e.kind === kind).reduce((total, e) => total + e[key], 0);
  return {
    resizes,
    scavenges: events.filter((e) => e.kind === 'scavenge').length,
    markCompacts: events.filter((e) => e.kind === 'mark-compact').length,
    allocatedKiB: sum('allocated') / resizes / 1024,
    promotedKiB: sum('promoted') / resizes / 1024,
    scavengeMs: sum('pause', 'scavenge') / resizes,
    markCompactMs: sum('pause', 'mark-compact') / resizes,
  };
}

async function gc({ seconds, warmup, baseline, flags, env }) {
  const image = await testImage();
  const rows = [];
  for (const { name, root, execArgv, env: extra } of services(baseline, flags, env)) {
    const lines = [];
    const server = await startServer(
      name,
      join(root, 'dist', 'main.js'),
      { ...SERVICE_ENV, ...extra },
      { execArgv: ['--trace-gc-nvp', ...execArgv], onLine: (line) => lines.push(line) },
    );
    const load = startLoad(serviceLoad(server, image));
    await sleep(warmup * 1000);
    const from = lines.length;
    const window = await load.measure(seconds, { server: server.cpuSeconds });
    rows.push([
      name,
      {
        ...gcSummary(lines.slice(from), window.ok),
        cpuMs: ((window.cores.server * seconds) / window.ok) * 1000,
        peakRssMiB: memoryOf(server.pid).peakRss / 2 ** 20,
      },
    ]);
    const last = lines
      .slice(from)
      .filter((line) => / gc=(?!s )\S+ /.test(line))
      .at(-1);
    if (last) console.log(`${name}, last mark-compact: ${last}`);
    await load.stop();
    await server.stop();
  }
  const lines = [];
  const direct = await startRunner(
    'direct',
    { mode: 'image-inline', concurrency: 2, imagePath: image.path, params: PARAMS },
    {},
    { execArgv: ['--trace-gc-nvp'], onLine: (line) => lines.push(line) },
  );
  const from = lines.length;
  const round = await direct.request({ type: 'round', seconds });
  await sleep(200); // the last lines
  rows.push([
    'direct',
    { ...gcSummary(lines.slice(from), round.ops), cpuMs: NaN, peakRssMiB: NaN },
  ]);
  await direct.stop();
  console.log(
    `Garbage collection during ${seconds} s of load after ${warmup} s (node --trace-gc-nvp):\n`,
  );
  table(
    [
      'variant',
      'resizes',
      'scavenges',
      'mark-compacts',
      'KiB allocated / resize',
      'KiB promoted / resize',
      'scavenge pause ms / resize',
      'mark-compact pause ms / resize',
      'server CPU ms / resize',
      'peak RSS MiB',
    ],
    rows.map(([name, s]) => [
      name,
      fmt.num(s.resizes),
      fmt.num(s.scavenges),
      fmt.num(s.markCompacts),
      fmt.num(s.allocatedKiB),
      fmt.num(s.promotedKiB, 1),
      fmt.num(s.scavengeMs, 3),
      fmt.num(s.markCompactMs, 3),
      Number.isNaN(s.cpuMs) ? '' : fmt.num(s.cpuMs, 2),
      Number.isNaN(s.peakRssMiB) ? '' : fmt.num(s.peakRssMiB),
    ]),
  );
  console.log('\nPauses are wall time on the main thread, so a busy machine lengthens them.');
}

// ---- floor ----

async function floor({ rounds, seconds, warmup }) {
  const image = await testImage();
  const servers = [];
  try {
    servers.push(await startServer('service', join(ROOT, 'dist', 'main.js'), SERVICE_ENV));
    servers.push(
      await startServer(
        'bare node:http',
        join(__dirname, 'image-floor-server.cjs'),
        { FLOOR_PARAMS: JSON.stringify(PARAMS) },
        { execArgv: serviceHeapFlags() },
      ),
    );
    const loads = new Map(servers.map((server) => [server, startLoad(serviceLoad(server, image))]));
    await sleep(warmup * 1000);
    // Both warm up together; then each round loads and measures one server alone, after 1 s
    // of load of its own.
    for (const load of loads.values()) await load.stop();
    const results = await interleave(servers, rounds, async (server) => {
      const load = startLoad(serviceLoad(server, image));
      try {
        await sleep(1000);
        const before = threadCpu(server.pid);
        const window = await load.measure(seconds, { server: server.cpuSeconds });
        const groups = cpuByGroup(server.pid, before, threadCpu(server.pid));
        return {
          ms: ((window.cores.server * seconds) / window.ok) * 1000,
          mainMs: (groups.main / window.ok) * 1000,
          perSecond: window.ok / seconds,
        };
      } finally {
        await load.stop();
      }
    });
    const [service, bare] = servers.map((server) => results.get(server));
    console.log(
      `${seconds} s windows after ${warmup} s of load, ${rounds} interleaved rounds; CPU of each ` +
        `server process per resize (8 connections, 2 resizes at a time), medians:\n`,
    );
    table(
      ['server', 'resizes/s', 'CPU ms / resize', 'main thread ms / resize'],
      [service, bare].map((rows, i) => [
        servers[i].name,
        fmt.num(median(rows.map((r) => r.perSecond))),
        fmt.num(median(rows.map((r) => r.ms)), 2),
        fmt.num(median(rows.map((r) => r.mainMs)), 2),
      ]),
    );
    const ratios = service.map((r, i) => r.ms / bare[i].ms);
    console.log(
      `\nservice / floor, CPU per resize: ${fmt.ratio(median(ratios))} ` +
        `(rounds ${ratios.map((r) => fmt.ratio(r)).join(', ')})`,
    );
  } finally {
    for (const server of servers) await server.stop();
  }
}

// ---- contend ----

/** `--burn=BUSY_MS:IDLE_MS`: busy for BUSY_MS, then idle for IDLE_MS, until killed. */
function burnChild(spec) {
  const [busy, idle] = spec.split(':').map(Number);
  const tick = () => {
    const end = performance.now() + busy;
    while (performance.now() < end);
    setTimeout(tick, idle);
  };
  tick();
}

/**
 * The direct loop alone, and beside another process that takes some CPU in short bursts
 * (what the service's main thread, the load generator and V8's helpers do beside the
 * pipelines): how much throughput the pipelines lose to it on cores they did not saturate.
 */
async function contend({ rounds, seconds }) {
  const image = await testImage();
  const direct = await startRunner('direct', {
    mode: 'image-inline',
    concurrency: 2,
    imagePath: image.path,
    params: PARAMS,
  });
  // 1 ms busy in each 6 or 11 ms (about 0.17 and 0.09 cores); the service's main thread does
  // about 1 ms of work per resize, some 0.2 cores at 200 resizes/s.
  const burns = ['1:10', '1:5'];
  const results = new Map([['alone', []], ...burns.map((burn) => [burn, []])]);
  try {
    await direct.request({ type: 'round', seconds: 10 });
    for (let round = 0; round < rounds; round++) {
      for (const name of results.keys()) {
        const burner =
          name === 'alone' ? undefined : fork(__filename, [`--burn=${name}`], { stdio: 'ignore' });
        try {
          if (burner) await sleep(200);
          const cpuBefore = burner ? cpuSecondsOf(burner.pid) : 0;
          const result = await direct.request({ type: 'round', seconds });
          const cores = burner ? (cpuSecondsOf(burner.pid) - cpuBefore) / result.wall : 0;
          results.get(name).push({ perSecond: result.perSecond, cores });
        } finally {
          burner?.kill();
        }
      }
    }
  } finally {
    await direct.stop();
  }
  const alone = results.get('alone');
  console.log(
    `The direct loop (resizeImage, 2 in flight), alone and beside a process that is busy in ` +
      `1 ms bursts; ${seconds} s rounds, ${rounds} interleaved rounds, medians:\n`,
  );
  table(
    ['beside', "the other process's cores", 'resizes/s', 'resizes/s / alone (rounds)'],
    [...results].map(([name, list]) => {
      const ratios = list.map((r, i) => r.perSecond / alone[i].perSecond);
      return [
        name === 'alone' ? 'nothing' : `busy:idle ${name} ms`,
        fmt.num(median(list.map((r) => r.cores)), 2),
        fmt.num(median(list.map((r) => r.perSecond)), 1),
        `${fmt.ratio(median(ratios))} (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      ];
    }),
  );
}

// ---- isolate ----

/** The direct loop in this process (`--child [heavy]`), driven over IPC: CPU by thread. */
async function isolateChild(heavy) {
  if (heavy) require(join(ROOT, 'dist', 'app.module.js'));
  const { readFileSync } = require('node:fs');
  const { resizeImage } = require(join(ROOT, 'dist', 'workloads', 'image', 'image.resize.js'));
  const { resizeInput } = require('./image-input.cjs');
  const input = resizeInput(readFileSync(process.env.IMAGE_PATH), PARAMS);
  const op = () =>
    resizeImage(input, { signal: new AbortController().signal, deadline: Date.now() + 30_000 });
  process.on('message', async (count) => {
    const before = threadCpu(process.pid);
    let started = 0;
    const loop = async () => {
      while (started++ < count) await op();
    };
    await Promise.all([loop(), loop()]);
    const groups = cpuByGroup(process.pid, before, threadCpu(process.pid));
    const ms = (seconds) => (seconds / count) * 1000;
    const sum = (pick) => Object.entries(groups).reduce((t, [g, s]) => t + (pick(g) ? s : 0), 0);
    process.send({
      all: ms(sum(() => true)),
      main: ms(groups.main ?? 0),
      libvips: ms(groups.libvips ?? 0),
      other: ms(sum((g) => g !== 'main' && g !== 'libvips')),
      heapMiB: process.memoryUsage().heapUsed / 1024 / 1024,
    });
  });
  process.send('ready');
}

async function isolate({ rounds }) {
  const image = await testImage();
  const start = (heavy) =>
    new Promise((resolve) => {
      const child = fork(__filename, ['--child', heavy ? 'heavy' : 'light'], {
        env: { ...process.env, UV_THREADPOOL_SIZE, IMAGE_PATH: image.path },
      });
      child.once('message', () => resolve(child));
    });
  const ask = (child, count) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(count);
    });
  const light = await start(false);
  const heavy = await start(true);
  await ask(light, 100);
  await ask(heavy, 100);
  const results = { light: [], heavy: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['light', 'heavy'] : ['heavy', 'light'];
    for (const name of order) {
      results[name].push(await ask(name === 'light' ? light : heavy, 200));
    }
  }
  light.kill();
  heavy.kill();
  console.log(
    `The direct loop (resizeImage, 2 in flight, 200 resizes a round, ${rounds} interleaved rounds), ` +
      'CPU ms per resize (median of rounds):\n',
  );
  const cell = (list, key) => fmt.num(median(list.map((r) => r[key])), 2);
  table(
    ['process', 'JS heap', 'all threads', 'main', 'libvips', 'libuv pool + V8'],
    [
      ['direct loop alone', results.light],
      ['direct loop, app modules loaded', results.heavy],
    ].map(([name, list]) => [
      name,
      fmt.mib(list[0].heapMiB * 1024 * 1024),
      cell(list, 'all'),
      cell(list, 'main'),
      cell(list, 'libvips'),
      cell(list, 'other'),
    ]),
  );
  const ratios = results.heavy.map((r, i) => r.all / results.light[i].all);
  console.log(
    `\nloaded/alone, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
      `median ${fmt.ratio(median(ratios))}.`,
  );
}

// ---- perf ----

const IMAGE_KINDS = mainThreadKinds(
  ['sharp (JS and its native calls)', /sharp/],
  ['image route (controller, service, resizeImage)', /workloads\/image/],
);

async function perf({ warmup, seconds, baseline, leaves }) {
  const image = await testImage();
  const sides = services(baseline).map(({ name, root }) => ({
    name,
    start: async () => {
      const server = await startServer(name, join(root, 'dist', 'main.js'), SERVICE_ENV, {
        execArgv: PERF_EXEC_ARGV,
      });
      const load = startLoad(serviceLoad(server, image));
      await sleep(warmup * 1000);
      return {
        pid: server.pid,
        measure: async (s) => (await load.measure(s)).ok,
        stop: async () => {
          await load.stop();
          await server.stop();
        },
      };
    },
  }));
  sides.push({
    name: 'direct',
    start: async () => {
      const direct = await startRunner(
        'direct',
        { mode: 'image-inline', concurrency: 2, imagePath: image.path, params: PARAMS },
        {},
        { execArgv: PERF_EXEC_ARGV },
      );
      await direct.request({ type: 'round', seconds: Math.min(warmup, 10) });
      return {
        pid: direct.pid,
        measure: async (s) => (await direct.request({ type: 'round', seconds: s })).ops,
        stop: () => direct.stop(),
      };
    },
  });
  const columns = await profileSides(sides, { seconds, kinds: IMAGE_KINDS });
  printProfile(columns, { kinds: IMAGE_KINDS, leaves, per: 'resize', seconds, warmup });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'boolean' },
      seconds: { type: 'string' },
      warmup: { type: 'string', default: '30' },
      rounds: { type: 'string' },
      baseline: { type: 'string' },
      flags: { type: 'string' },
      env: { type: 'string' },
      burn: { type: 'string' },
      leaves: { type: 'string' },
    },
  });
  if (values.child) return isolateChild(positionals[0] === 'heavy');
  if (values.burn) return burnChild(values.burn);
  const mode = positionals[0];
  const baseline = values.baseline;
  if (mode === 'gc') {
    return gc({
      seconds: Number(values.seconds ?? 30),
      warmup: Number(values.warmup),
      baseline,
      flags: values.flags,
      env: values.env,
    });
  }
  if (mode === 'isolate') return isolate({ rounds: Number(values.rounds ?? 10) });
  if (mode === 'contend') {
    return contend({ rounds: Number(values.rounds ?? 5), seconds: Number(values.seconds ?? 5) });
  }
  if (mode === 'floor') {
    return floor({
      rounds: Number(values.rounds ?? 5),
      seconds: Number(values.seconds ?? 5),
      warmup: Number(values.warmup),
    });
  }
  if (mode === 'perf') {
    return perf({
      warmup: Number(values.warmup),
      seconds: Number(values.seconds ?? 8),
      baseline,
      leaves: Number(values.leaves ?? 0),
    });
  }
  console.error(
    'usage: node scripts/bench/image-overhead.cjs gc|floor|contend|isolate|perf [options]',
  );
  process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
