import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GracefulShutdown } from './graceful-shutdown';
import { type HeartbeatMessage, isPrimaryMessage, type WorkerMessage } from './cluster.protocol';
import type { ServedApp } from './served-app';

export interface WorkerOptions {
  heartbeatIntervalMs: number;
  shutdownTimeoutMs: number;
}

/**
 * The worker side of the cluster: reports ready once the app listens, sends heartbeats
 * from its event loop (so a blocked or stopped worker goes silent), and drains when the
 * primary says so. SIGINT is ignored: Ctrl-C reaches the whole process group, and the
 * primary coordinates the shutdown. A SIGTERM sent to the worker alone drains it too.
 */
export function superviseWorker(app: ServedApp, options: WorkerOptions): void {
  const shutdown = new GracefulShutdown(app);
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  const exitAfter = (timeoutMs: number) => {
    clearInterval(heartbeat);
    void shutdown.run({ delayMs: 0, timeoutMs }).then((code) => process.exit(code));
  };

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const heartbeat = setInterval(() => {
    const memory = process.memoryUsage();
    const message: HeartbeatMessage = {
      cluster: 'heartbeat',
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    };
    loopDelay.reset();
    send(message);
  }, options.heartbeatIntervalMs);

  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    if (message.cluster === 'not-ready') shutdown.markNotReady();
    else exitAfter(message.timeoutMs);
  });
  process.on('SIGINT', () => undefined);
  process.once('SIGTERM', () => exitAfter(options.shutdownTimeoutMs));
  send({ cluster: 'ready' });
}
