'use strict';
/**
 * Where a process's main thread spends its CPU per operation, by `perf record` (user-space
 * CPU clock, call graphs; JIT names need node's `--perf-basic-prof-only-functions`). Unlike
 * V8's `--cpu-prof`, which samples the wall clock and so charges a blocking write to whatever
 * JavaScript waits on it, this counts only time on the CPU. Needs `perf` and
 * kernel.perf_event_paranoid ≤ 2. Used by image-overhead.cjs and pdf-overhead.cjs.
 */
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { fmt, sleep, table } = require('./lib.cjs');

/** Node's flag that names JIT-compiled functions for perf. */
const PERF_EXEC_ARGV = ['--perf-basic-prof-only-functions'];

/**
 * Kinds of main-thread work, tried in order on each frame from the leaf up; `workload` is
 * `[label, pattern]` for the route's own code (controller, service, its native library).
 */
function mainThreadKinds(...workload) {
  return [
    [
      'garbage collection',
      /v8::internal::(Heap::|Scavenger|MarkCompact|IncrementalMarking|Sweeper)/,
    ],
    ['logging (pino, access line)', /pino|sonic-boom|logging\//],
    ['async hooks (AsyncLocalStorage)', /async_hooks|promise(Init|Resolve|Before|After)Hook/],
    ['metrics', /prom-client|metrics\//],
    ...workload,
    ['worker pool', /concurrency\/worker-pool|piscina|worker_pool\//],
    ['common/http (body, budgets, guards, signal)', /common\/http/],
    ['Nest', /@nestjs/],
    ['Fastify', /fastify|find-my-way|avvio|fast-querystring|toad-cache|secure-json-parse/],
    ['socket writes', /writev|[Ww]riteString|uv_try_write|StreamBase::Write|_http_outgoing/],
    [
      'HTTP parsing, body chunks',
      /llhttp|Parser::|_http_server|_http_incoming|_http_common|readable/,
    ],
    ['other Node internals (JS)', /JS:.*node:/],
  ];
}

const OTHER = 'other (native, no known frame)';

function perfRecord(pid, file, seconds) {
  const child = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock:u', '-F', '997', '-g', '-p', String(pid), '-o', file],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return {
    stop: async () => {
      await sleep(seconds * 1000);
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/**
 * ms of main-thread CPU per operation from `perf script` of `file`: by kind (`kinds`), and by
 * the sampled function itself, the leaf of each call graph (`leaves`).
 */
function perfKinds(file, pid, ops, kindList) {
  const text = execFileSync('perf', ['script', '-i', file, '-F', 'tid,period,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const kinds = new Map();
  const leaves = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const sample of text.split('\n\n')) {
    const [head, ...frames] = sample.trim().split('\n');
    const [tid, period] = (head ?? '').trim().split(/\s+/).map(Number);
    if (tid !== pid) continue;
    const found = frames.map((f) => kindList.find(([, pattern]) => pattern.test(f))).find(Boolean);
    const ms = period / 1e6 / ops;
    add(kinds, found?.[0] ?? OTHER, ms);
    add(leaves, leafName(frames[0]), ms);
  }
  return { kinds, leaves };
}

/** A frame of `perf script` as a function's name: no address, no DSO, no template arguments. */
function leafName(frame = '') {
  const name = frame
    .trim()
    .replace(/^[0-9a-f]+\s+/, '')
    .replace(/\s+\(\S+\)$/, '');
  return name.replace(/<.*>/, '<…>').slice(0, 90) || '[unknown]';
}

/**
 * Records each side's main thread for `seconds` while it works, one side after the other.
 * A side is `{ name, start() }`; `start()` resolves with `{ pid, measure(seconds) → ops,
 * stop() }` once the side is warm. Resolves with a column per side.
 */
async function profileSides(sides, { seconds, kinds }) {
  const dir = mkdtempSync(join(tmpdir(), 'perf-main-thread-'));
  const columns = [];
  try {
    for (const side of sides) {
      const running = await side.start();
      try {
        const file = join(dir, `${columns.length}.data`);
        const recording = perfRecord(running.pid, file, seconds);
        const [ops] = await Promise.all([running.measure(seconds), recording.stop()]);
        columns.push([side.name, perfKinds(file, running.pid, ops, kinds)]);
      } finally {
        await running.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return columns;
}

/**
 * Prints the columns of {@link profileSides} in ms per `per` (the operation's name): by kind,
 * then (`leaves` > 0) by function.
 */
function printProfile(columns, { kinds, leaves, per, seconds, warmup }) {
  console.log(
    `Main thread, user-space CPU ms per ${per} (perf, ${seconds} s after ${warmup} s of load), ` +
      'by the nearest frame of a known kind:\n',
  );
  const names = [...kinds.map(([kind]) => kind), OTHER];
  table(
    ['kind', ...columns.map(([name]) => name)],
    [...names, undefined].map((kind) => [
      kind ?? 'main thread in all',
      ...columns.map(([, { kinds: map }]) =>
        fmt.num(kind ? (map.get(kind) ?? 0) : [...map.values()].reduce((a, b) => a + b, 0), 3),
      ),
    ]),
  );
  if (!(leaves > 0)) return;
  // The functions that hold the most samples in any column, each with its cost in every column.
  const top = new Set(
    columns.flatMap(([, { leaves: map }]) =>
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, leaves)
        .map(([name]) => name),
    ),
  );
  console.log(`\nThe same samples by the function sampled (the leaf), top ${leaves} of each:\n`);
  table(
    ['function', ...columns.map(([name]) => name)],
    [...top].map((name) => [
      name,
      ...columns.map(([, { leaves: map }]) => fmt.num(map.get(name) ?? 0, 3)),
    ]),
  );
}

module.exports = { PERF_EXEC_ARGV, mainThreadKinds, profileSides, printProfile };
