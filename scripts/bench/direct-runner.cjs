'use strict';
/**
 * A child process that runs one workload in a closed loop, with no HTTP in front, so the
 * bench can compare "through the service" with "direct" and measure the memory of each
 * variant in a process of its own. Driven over IPC by processes.cjs#startRunner:
 *
 *   { type: 'init', mode, concurrency, threads?, report?, imagePath?, params? }
 *       → { type: 'ready', info }
 *   { type: 'round', seconds }
 *       → { type: 'result', ops, errors, seconds, wall, perSecond, cores, rss, peakRss }
 *   { type: 'close' }          → exits
 *
 * Modes: `pdf` (raw piscina on dist/workloads/pdf/pdf.worker.js), `image-inline` (the service's
 * resizeImage on this thread, sharp on libuv's pool), `image-thread` (the same function on
 * a piscina pool, fixtures/resize.worker.cjs).
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { closedLoop } = require('./closed-loop.cjs');
const { resizeInput } = require('./image-input.cjs');

const DIST = join(__dirname, '..', '..', 'dist');
const TIMEOUT_MS = 30_000;
const MAX_PAGES = 200;

function fixedPool(filename, threads) {
  const { Piscina } = require('piscina');
  // The same fixed-size settings as WorkerPool's own piscina.
  return new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    stricterFIFO: true,
  });
}

/** Returns `{ op, check, close }`: one unit of work, a sanity check of its result, cleanup. */
function setup(config) {
  if (config.mode === 'pdf') {
    const pool = fixedPool(join(DIST, 'workloads', 'pdf', 'pdf.worker.js'), config.threads);
    // The service's defaults: DejaVu Sans, no fallback fonts, refuse missing glyphs.
    const task = {
      report: config.report,
      maxPages: MAX_PAGES,
      fonts: { base: 'dejavu', fallbacks: [] },
      missingGlyphs: 'refuse',
    };
    return {
      op: () => pool.run(task, { name: 'renderReportTask' }),
      check: (bytes) => ({
        bytes: bytes.byteLength,
        isPdf: Buffer.from(bytes.subarray(0, 5)).toString() === '%PDF-',
      }),
      close: () => pool.destroy(),
    };
  }
  // Loads sharp on the main thread (cache off, as in the service) before any pool starts.
  const { sharp } = require(join(DIST, 'workloads', 'image', 'sharp.js'));
  const data = readFileSync(config.imagePath);
  const check = (image) => ({
    bytes: image.data.byteLength,
    width: image.width,
    height: image.height,
  });
  const info = {
    sharpConcurrency: sharp.concurrency(),
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE,
  };
  if (config.mode === 'image-inline') {
    const { resizeImage } = require(join(DIST, 'workloads', 'image', 'image.resize.js'));
    return {
      info,
      op: () => {
        const { signal } = new AbortController();
        const input = resizeInput(data, config.params);
        return resizeImage(input, { signal, deadline: Date.now() + TIMEOUT_MS });
      },
      check,
      close: async () => undefined,
    };
  }
  if (config.mode === 'image-thread') {
    const pool = fixedPool(join(__dirname, 'fixtures', 'resize.worker.cjs'), config.threads);
    const task = { data, params: config.params };
    return {
      info,
      op: () => pool.run(task, { name: 'resize' }),
      check,
      close: () => pool.destroy(),
    };
  }
  throw new Error(`unknown mode ${config.mode}`);
}

let workload;

async function handle(message) {
  switch (message.type) {
    case 'init': {
      workload = { ...setup(message), concurrency: message.concurrency };
      const sample = workload.check(await workload.op());
      return { type: 'ready', info: { ...workload.info, sample } };
    }
    case 'round': {
      const before = process.cpuUsage(); // the whole process: main, pool and libuv threads
      const { firstError, ...result } = await closedLoop(workload.op, {
        concurrency: workload.concurrency,
        seconds: message.seconds,
      });
      const { user, system } = process.cpuUsage(before);
      const cores = { direct: (user + system) / 1e6 / result.wall };
      const peakRss = process.resourceUsage().maxRSS * 1024;
      return {
        type: 'result',
        ...result,
        firstError: firstError?.message,
        cores,
        rss: process.memoryUsage.rss(),
        peakRss,
      };
    }
    case 'close':
      await workload?.close();
      process.exit(0);
      break;
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}

process.on('message', (message) => {
  handle(message).then(
    (answer) => process.send(answer),
    (error) => process.send({ type: 'error', message: error.stack ?? String(error) }),
  );
});
// The bench went away: nothing left to answer to.
process.on('disconnect', () => process.exit(0));
