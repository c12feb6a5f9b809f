'use strict';
/**
 * Section 3b, image throughput: POST /images/resize through the service versus the service's
 * resizeImage in-line in a process of its own, with the floor of a resize through HTTP
 * (image-floor-server.cjs: bare node:http, the same resizeImage, no framework) beside them;
 * and the placement decision behind it: the same resize in-line (sharp on libuv's pool)
 * versus on a piscina thread pool.
 */
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const {
  compareRates,
  cpuCells,
  describeComparison,
  fmt,
  heading,
  interleave,
  median,
  perRound,
  table,
  verdict,
} = require('./lib.cjs');
const { measureLoad } = require('./load.cjs');
const { serviceHeapFlags } = require('./image-input.cjs');
const { photoLikeJpeg } = require('./payloads.cjs');
const { UV_THREADPOOL_SIZE, ownCpuSeconds, startRunner, startServer } = require('./processes.cjs');
const { threadKinds, withThreadCores } = require('./threads.cjs');
const { baselineBuild } = require('./baseline-build.cjs');

const ROOT = join(__dirname, '..', '..');
const CONCURRENCY = 2;
const SERVICE_CONNECTIONS = 4 * CONCURRENCY;
const THREADS = 2;
const GOAL = 0.9;
/**
 * Seconds of load before 3b's rounds. V8 is still optimising the service's request path for
 * the first ~40 s of load (its compiler threads took 0.4-2 ms per resize in 5 s windows then,
 * about 0.1 ms after): a long-running service does not pay that per resize, and the direct
 * loop's few functions are optimised within a second.
 */
const WARMUP_SECONDS = 30;
/** Service CPU per resize (the server process alone) over the direct loop's: at most this. */
const CPU_GOAL = 1.15;
const QUERY = 'width=300&format=jpeg';
/** What the controller makes of QUERY. */
const PARAMS = { width: 300, height: undefined, fit: 'cover', format: 'jpeg', quality: undefined };

let jpeg;

/** The test JPEG, made once per bench run with the service's sharp and kept in a temp dir. */
async function testJpeg() {
  if (!jpeg) {
    const { sharp } = require('../../dist/workloads/image/sharp.js');
    const data = await photoLikeJpeg(sharp);
    const { width, height } = await sharp(data).metadata();
    const dir = mkdtempSync(join(tmpdir(), 'bench-image-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'input.jpg');
    writeFileSync(path, data);
    jpeg = { data, path, width, height, sharpConcurrency: sharp.concurrency() };
  }
  return jpeg;
}

function describe(image) {
  return (
    `Input: ${image.width}×${image.height} JPEG (${((image.width * image.height) / 1e6).toFixed(1)} MP, ` +
    `${fmt.num(image.data.length / 1024)} KiB) → ?${QUERY}. sharp.concurrency() = ${image.sharpConcurrency} ` +
    `(bench process; the children load the same sharp with the same environment), UV_THREADPOOL_SIZE = ` +
    `${UV_THREADPOOL_SIZE} in every child.`
  );
}

/**
 * One round of a direct runner; with `threads` ({ pid, kinds }), also its CPU cores by thread
 * group over the round (the runner's closed loop, `wall` seconds).
 */
const runnerRound =
  (runner, threads = {}) =>
  (seconds) => {
    const round = () => runner.request({ type: 'round', seconds });
    return threads.pid ? withThreadCores(threads.pid, threads.kinds, round, 'wall') : round();
  };

function printRounds(variants, results, extra = []) {
  table(
    [
      'variant',
      'resizes/s (median)',
      'rounds',
      'non-2xx+errors',
      'CPU cores used',
      'CPU ms per resize',
      ...extra.map((e) => e.title),
    ],
    variants.map((v) => [
      v.name,
      fmt.num(median(results.get(v).map((r) => r.perSecond)), 1),
      results
        .get(v)
        .map((r) => fmt.num(r.perSecond, 1))
        .join(', '),
      fmt.num(results.get(v).reduce((n, r) => n + (r.other ?? 0) + (r.errors ?? 0), 0)),
      ...cpuCells(results.get(v)),
      ...extra.map((e) => e.cell(v, results.get(v))),
    ]),
  );
}

/** Milliseconds of CPU per resize of one thread group (or all: `group` undefined) in a round. */
const threadMs = (round, group) =>
  ((group === undefined
    ? Object.values(round.threadCores ?? {}).reduce((a, b) => a + b, 0)
    : (round.threadCores?.[group] ?? 0)) /
    round.perSecond) *
  1000;

/** Where each variant's CPU per resize goes, by thread group (threads.cjs), medians of rounds. */
function printThreads(variants, results) {
  const groups = [
    ...new Set(
      variants.flatMap((v) => results.get(v).flatMap((r) => Object.keys(r.threadCores ?? {}))),
    ),
  ].sort();
  console.log(
    '\nCPU ms per resize by thread group (median of rounds; /proc/<pid>/task/*/stat, threads ' +
      'told apart by their start functions, scripts/bench/threads.cjs):\n',
  );
  table(
    ['thread group', ...variants.map((v) => v.short)],
    [...groups, undefined].map((group) => [
      group ?? 'all threads',
      ...variants.map((v) => fmt.num(median(results.get(v).map((r) => threadMs(r, group))), 2)),
    ]),
  );
}

const strip = (results) =>
  Object.fromEntries(
    [...results].map(([v, list]) => [v.name, list.map(({ latencies: _, ...r }) => r)]),
  );

/** The service's environment in this section: one app process, like the direct runner. */
const SERVICE_ENV = {
  CLUSTER_ENABLED: 'false', // the cluster has its own section (5)
  WORKER_INLINE_CONCURRENCY: String(CONCURRENCY),
  WORKER_POOL_MAX_QUEUE: '10000',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

/**
 * Starts `node <root>/dist/main.js` (or `script` with `env`), checks one resize, and returns
 * the section's variant for it (closed-loop load on SERVICE_CONNECTIONS connections), with
 * `server` and `out`.
 */
async function serviceVariant(
  name,
  root,
  image,
  stops,
  execArgv = [],
  { script = join(root, 'dist', 'main.js'), env = SERVICE_ENV } = {},
) {
  const server = await startServer(name, script, env, { execArgv });
  stops.push(() => server.stop());
  const url = `${server.url}/images/resize?${QUERY}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'image/jpeg' },
    body: image.data,
  });
  const out = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200 || response.headers.get('x-image-width') !== '300') {
    throw new Error(`${name}: /images/resize gave ${response.status}: ${out.subarray(0, 200)}`);
  }
  const load = {
    url,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: image.data,
    // Same thread count on both sides (WORKER_INLINE_CONCURRENCY = the direct loop's
    // concurrency); more connections than slots, so that uploads and HTTP handling overlap
    // with sharp's work instead of leaving libvips idle between requests.
    connections: SERVICE_CONNECTIONS,
  };
  const threads = { pid: server.pid };
  return {
    name: `${name} POST /images/resize (${SERVICE_CONNECTIONS} connections, ${CONCURRENCY} slots)`,
    short: name,
    server,
    threads,
    size: `${response.headers.get('x-image-width')}×${response.headers.get('x-image-height')}, ${fmt.num(out.length / 1024)} KiB`,
    measure: (seconds) =>
      measureLoad(
        load,
        seconds,
        0.5,
        { server: server.cpuSeconds, 'load gen': ownCpuSeconds },
        { threads },
      ),
  };
}

/** CPU ms per resize of the server process alone (the goal's measure), per round. */
const serverMs = (r) => (r.cores.server / r.perSecond) * 1000;
const directMs = (r) => (r.cores.direct / r.perSecond) * 1000;

async function benchImage({ duration, rounds, imageBaseline, imageFlags }) {
  heading('3b. Image throughput: service vs direct in-line resizeImage');
  const image = await testJpeg();
  const stops = [];
  try {
    const service = await serviceVariant('service', ROOT, image, stops);
    const baseline =
      imageBaseline &&
      (await serviceVariant(
        `service@${imageBaseline}`,
        baselineBuild(imageBaseline),
        image,
        stops,
      ));
    const flagged =
      imageFlags &&
      (await serviceVariant(`service ${imageFlags}`, ROOT, image, stops, imageFlags.split(' ')));
    // What HTTP itself costs: no routing, validation, admission, deadlines, signal, logs or
    // metrics; the service's heap growing factor, so that GC settings are not a difference.
    const floor = await serviceVariant('floor', ROOT, image, stops, serviceHeapFlags(), {
      script: join(__dirname, 'image-floor-server.cjs'),
      env: { FLOOR_PARAMS: JSON.stringify(PARAMS) },
    });
    const direct = await startRunner('direct image', {
      mode: 'image-inline',
      concurrency: CONCURRENCY,
      imagePath: image.path,
      params: PARAMS,
    });
    stops.push(() => direct.stop());
    const directThreads = { pid: direct.pid };
    const directVariant = {
      name: `direct resizeImage in-line (${CONCURRENCY} in flight)`,
      short: 'direct',
      threads: directThreads,
      measure: runnerRound(direct, directThreads),
    };
    const others = [baseline, flagged, floor].filter(Boolean);
    const variants = [service, ...others, directVariant];
    for (const v of variants) await v.measure(WARMUP_SECONDS);
    // Which thread is which, once every side has run and started its threads (threads.cjs).
    for (const v of variants) v.threads.kinds = threadKinds(v.threads.pid);
    console.log(
      `${describe(image)}\nOutput ${service.size}. Service: WORKER_INLINE_CONCURRENCY=${CONCURRENCY}. ` +
        `${WARMUP_SECONDS} s of load to warm each variant up, then ${duration} s windows, ` +
        `${rounds} interleaved rounds, medians.\n`,
    );
    const results = await interleave(variants, rounds, (v) => v.measure(duration));
    printRounds(variants, results);
    printThreads(variants, results);
    // `to` is the direct loop unless given: then another server, its CPU its process's too.
    const compare = (v, to = directVariant) => {
      const list = results.get(v);
      const against = results.get(to);
      const comparison = compareRates(list, against);
      const toMs = to === directVariant ? directMs : serverMs;
      // The goal counts the service's own CPU; the load generator's is in the tables above.
      const cpuRatios = list.map((r, i) => serverMs(r) / toMs(against[i]));
      const cpu = median(cpuRatios);
      const peak = (x) =>
        x === directVariant ? against.at(-1).peakRss : x.server.memory().peakRss;
      console.log(
        `\n${describeComparison(`${v.short}/${to.short}`, comparison)} Server process alone: ` +
          `${fmt.ratio(cpu)} CPU per resize (rounds ${cpuRatios.map((x) => x.toFixed(2)).join(', ')}). ` +
          `Peak RSS: ${v.short} ${fmt.mib(peak(v))}, ${to.short} ${fmt.mib(peak(to))}.`,
      );
      return { comparison, cpuRatios };
    };
    const after = compare(service);
    const compared = others.map((v) => [v, compare(v)]);
    const overFloor = compare(service, floor);
    return {
      verdicts: [
        verdict('image resizes/s service/direct', after.comparison.rounds, GOAL, {
          goalText: `≥ ${GOAL}×`,
        }),
        verdict('image CPU per resize service/direct', after.cpuRatios, CPU_GOAL, {
          atMost: true,
          goalText: `≤ ${CPU_GOAL}×`,
        }),
        ...compared.flatMap(([v, { comparison, cpuRatios }]) => [
          verdict(`image resizes/s ${v.short}/direct`, comparison.rounds),
          verdict(`image CPU per resize ${v.short}/direct`, cpuRatios),
        ]),
        verdict('image resizes/s service/floor', overFloor.comparison.rounds),
        verdict('image CPU per resize service/floor', overFloor.cpuRatios),
      ],
      raw: strip(results),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

async function benchPlacement({ duration, rounds }) {
  heading('3c. Image placement: sharp in-line (libuv pool) vs on a piscina thread pool');
  const image = await testJpeg();
  const common = { concurrency: CONCURRENCY, imagePath: image.path, params: PARAMS };
  const runners = [];
  try {
    runners.push(await startRunner('in-line', { ...common, mode: 'image-inline' }));
    runners.push(
      await startRunner('thread', { ...common, mode: 'image-thread', threads: THREADS }),
    );
    const variants = [
      { name: `in-line, main thread (${CONCURRENCY} in flight)`, measure: runnerRound(runners[0]) },
      {
        name: `piscina, ${THREADS} threads (${CONCURRENCY} in flight)`,
        measure: runnerRound(runners[1]),
      },
    ];
    for (const v of variants) await v.measure(2); // warm-up
    console.log(
      `${describe(image)}\nEach variant in its own process running the service's resizeImage ` +
        `(thread side: scripts/bench/fixtures/resize.worker.cjs, sharp loaded on the main thread first). ` +
        `${duration} s windows, ${rounds} interleaved rounds, medians.\n`,
    );
    const results = await interleave(variants, rounds, (v) => v.measure(duration));
    printRounds(variants, results, [
      { title: 'RSS after last round', cell: (_, list) => fmt.mib(list.at(-1).rss) },
      { title: 'peak RSS', cell: (_, list) => fmt.mib(list.at(-1).peakRss) },
    ]);
    const comparison = compareRates(results.get(variants[1]), results.get(variants[0]));
    // Peak RSS since each process started, as it stood after each round.
    const rssRounds = perRound(
      results.get(variants[1]).map((r) => r.peakRss),
      results.get(variants[0]).map((r) => r.peakRss),
    );
    const rss = rssRounds.at(-1);
    console.log(
      `\n${describeComparison('thread/in-line', comparison)} Peak RSS ${fmt.ratio(rss)}.`,
    );
    return {
      verdicts: [
        verdict('image placement thread/in-line resizes/s', comparison.rounds, undefined),
        verdict('image placement thread/in-line peak RSS', rssRounds, undefined),
      ],
      raw: strip(results),
    };
  } finally {
    for (const runner of runners.reverse()) await runner.stop();
  }
}

module.exports = { benchImage, benchPlacement };
