'use strict';
/**
 * A finer instrument than `monitorEventLoopDelay` for how long the event loop keeps a message
 * waiting. monitorEventLoopDelay has a 1 ms resolution at best (an integer `resolution`, and
 * libuv's timers count whole milliseconds), and what it records includes its own interval:
 * an idle loop reads about 1.1 ms, so a busy one at 2.2 ms is one step of the instrument, not
 * "2×". Here a worker thread posts `process.hrtime.bigint()` (one monotonic clock for every
 * thread of the process) to the main thread every INTERVAL_MS, and the main thread records,
 * in nanoseconds, how long each message waited before its handler ran: what an incoming
 * request would wait. No timer of the measured loop is involved, so the figures keep
 * microseconds.
 */
const { Worker } = require('node:worker_threads');
const { createHistogram } = require('node:perf_hooks');

const INTERVAL_MS = 2;

const SENDER = `
const { workerData } = require('node:worker_threads');
setInterval(() => workerData.port.postMessage(process.hrtime.bigint()), workerData.intervalMs);
`;

/**
 * Starts the probe in this process. `reset()` starts a new window; `read()` gives the window's
 * `{ p50, p99, max }` in ms (microsecond precision) and `samples`; `stop()` ends the thread.
 * Neither the thread nor the port keeps the process alive.
 */
function startLoopProbe(intervalMs = INTERVAL_MS) {
  const { port1, port2 } = new MessageChannel();
  const sender = new Worker(SENDER, {
    eval: true,
    workerData: { port: port2, intervalMs },
    transferList: [port2],
  });
  let histogram = createHistogram();
  port1.on('message', (sentAt) => {
    histogram.record(Math.max(1, Number(process.hrtime.bigint() - sentAt)));
  });
  sender.unref();
  port1.unref();
  return {
    resolutionMs: 0.001,
    reset() {
      histogram = createHistogram();
    },
    read() {
      const ms = (ns) => (histogram.count > 0 ? ns / 1e6 : Number.NaN);
      return {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        samples: histogram.count,
      };
    },
    async stop() {
      port1.close();
      await sender.terminate();
    },
  };
}

module.exports = { startLoopProbe, INTERVAL_MS };
