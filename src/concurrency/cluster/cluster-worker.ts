import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GracefulShutdown } from './graceful-shutdown';
import { type HeartbeatMessage, isPrimaryMessage, type WorkerMessage } from './cluster.protocol';
import { listeningPort, type ServedApp } from './served-app';

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
/** The app's snapshot; a failure must not stop the heartbeat that carries it. */
function snapshotOf(app: ServedApp): unknown {
  try {
    return app.snapshot?.();
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

async function metricsOf(app: ServedApp): Promise<unknown> {
  try {
    return (await app.metrics?.()) ?? [];
  } catch {
    return [];
  }
}

export function superviseWorker(app: ServedApp, options: WorkerOptions): void {
  const shutdown = new GracefulShutdown(app);
  const send = (message: WorkerMessage) => {
    // A send that races the primary's death fails with EPIPE; without a callback that is an
    // unhandled 'error' and a stack on stderr. The 'disconnect' that follows ends this worker.
    if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
  };
  // Heartbeats go on while draining: a drain is not a hang, and the watchdog must not cut it.
  const exitAfter = (timeoutMs: number) => {
    void shutdown.run({ delayMs: 0, timeoutMs }).then((code) => process.exit(code));
  };

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const beat = () => {
    const memory = process.memoryUsage();
    const message: HeartbeatMessage = {
      cluster: 'heartbeat',
      loopDelayP99Ms: loopDelay.count ? loopDelay.percentile(99) / 1e6 : 0,
      loopDelayMaxMs: loopDelay.count ? loopDelay.max / 1e6 : 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      snapshot: snapshotOf(app),
    };
    loopDelay.reset();
    send(message);
  };
  setInterval(beat, options.heartbeatIntervalMs);

  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    if (message.cluster === 'not-ready') {
      shutdown.markNotReady();
      beat(); // the primary's picture shows it at once
    } else if (message.cluster === 'metrics-request') {
      void metricsOf(app).then((metrics) => send({ cluster: 'metrics', id: message.id, metrics }));
    } else {
      exitAfter(message.timeoutMs);
    }
  });
  process.once('SIGTERM', () => exitAfter(options.shutdownTimeoutMs));
  send({ cluster: 'ready', snapshot: snapshotOf(app), port: listeningPort(app) });
}
