'use strict';
/**
 * HTTP load from this process with autocannon's JS API (its CLI `-i` mangles binary bodies;
 * the API sends a Buffer body byte for byte). Figures are taken from autocannon's
 * per-response events over a window we time ourselves, so latencies keep sub-millisecond
 * resolution (autocannon's own histogram rounds to whole milliseconds).
 */
const autocannon = require('autocannon');
const { sleep } = require('./lib.cjs');
const { cpuByGroup, threadCpu } = require('./threads.cjs');

const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Starts closed-loop load: `connections` keep-alive connections, each sending the next
 * request as soon as the previous answer arrives. Runs until `stop()` (bounded anyway by
 * `maxSeconds`).
 */
function startLoad({ url, method = 'GET', headers, body, connections, maxSeconds = 120 }) {
  const window = { from: Infinity, to: -Infinity, ok: 0, other: 0, errors: 0, latencies: [] };
  let done;
  const finished = new Promise((resolve, reject) => {
    done = { resolve, reject };
  });
  const clients = [];
  const setupClient = (client) => clients.push(client);
  const instance = autocannon(
    { url, method, headers, body, connections, duration: maxSeconds, timeout: 30, setupClient },
    (error, result) => (error ? done.reject(error) : done.resolve(result)),
  );
  finished.catch(() => undefined); // surfaced by stop()
  const inWindow = () => {
    const now = performance.now();
    return now >= window.from && now <= window.to;
  };
  instance.on('response', (_client, status, _bytes, latencyMs) => {
    if (!inWindow()) return;
    if (status >= 200 && status < 300) {
      window.ok++;
      window.latencies.push(latencyMs);
    } else {
      window.other++;
    }
  });
  instance.on('reqError', () => {
    if (inWindow()) window.errors++;
  });
  return {
    /**
     * Counts what completes during the next `seconds`. `cpu` maps names to functions that
     * return CPU seconds used so far; the result gives each one's CPU cores over the window.
     * With `threads` ({ pid, kinds }, threads.cjs), `threadCores` gives that process's CPU
     * cores by thread group over the same window. With `until` (a promise), the window ends
     * when it settles, if that comes first.
     */
    async measure(seconds, cpu = {}, { threads, until } = {}) {
      Object.assign(window, { ok: 0, other: 0, errors: 0, latencies: [] });
      const threadsBefore = threads && threadCpu(threads.pid);
      const cpuBefore = Object.entries(cpu).map(([name, read]) => [name, read, read()]);
      window.from = performance.now();
      window.to = window.from + seconds * 1000;
      await (until ? Promise.race([sleep(seconds * 1000), until]) : sleep(seconds * 1000));
      window.to = Math.min(performance.now(), window.to);
      const elapsed = (window.to - window.from) / 1000;
      const cores = Object.fromEntries(
        cpuBefore.map(([name, read, before]) => [name, (read() - before) / elapsed]),
      );
      const groups = threads
        ? cpuByGroup(threads.pid, threadsBefore, threadCpu(threads.pid), threads.kinds)
        : {};
      const threadCores = Object.fromEntries(
        Object.entries(groups).map(([group, used]) => [group, used / elapsed]),
      );
      return {
        cores,
        threadCores,
        ok: window.ok,
        other: window.other,
        errors: window.errors,
        seconds: elapsed,
        perSecond: window.ok / elapsed,
        latencies: window.latencies,
      };
    },
    /**
     * Stops the load after the requests in flight are answered: closing a connection
     * mid-request would make the service cancel the task, and cancelling a running thread
     * task stops its thread. autocannon has no such stop, so each client gets a request
     * budget of what it already sent (`responseMax`, as with its `amount` option) and ends
     * after its last answer; a hard stop follows if that takes over 30 s.
     */
    async stop() {
      for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
      const timer = setTimeout(() => instance.stop(), DRAIN_TIMEOUT_MS);
      try {
        await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs load for `warmupSeconds`, measures for `seconds` (see `measure`), stops. */
async function measureLoad(options, seconds, warmupSeconds = 0.5, cpu = {}, measureOptions = {}) {
  const load = startLoad(options);
  try {
    if (warmupSeconds > 0) await sleep(warmupSeconds * 1000);
    return await load.measure(seconds, cpu, measureOptions);
  } finally {
    await load.stop();
  }
}

module.exports = { startLoad, measureLoad };
