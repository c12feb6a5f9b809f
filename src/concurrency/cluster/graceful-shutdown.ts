import { setTimeout as delay } from 'node:timers/promises';
import { logLine, type LogLine } from '../../logging/process-logger';
import { HttpDrain } from './http-drain';
import type { ServedApp } from './served-app';

export interface ShutdownTimings {
  /** Not ready but still serving, so load balancers notice first. `SHUTDOWN_DELAY_MS`. */
  delayMs: number;
  /** Drain time, from the end of the delay, before open connections are cut. `SHUTDOWN_TIMEOUT_MS`. */
  timeoutMs: number;
}

/**
 * The shutdown of one app process, the same with and without a cluster:
 * 1. not ready at once, responses close their connections;
 * 2. keep serving for `delayMs`;
 * 3. stop accepting, finish in-flight requests (idle keep-alive connections are closed);
 * 4. close the app (Nest shutdown hooks: the pool's tasks, the runner's processes);
 * at `timeoutMs` after step 3 starts, connections still open are cut. Resolves to the exit
 * code: 0 after a clean drain, 1 if something had to be cut.
 */
export class GracefulShutdown {
  private readonly drain: HttpDrain;
  private started?: Promise<number>;
  private notReady = false;

  constructor(
    private readonly app: ServedApp,
    private readonly log: LogLine = logLine,
  ) {
    this.drain = new HttpDrain(app.server);
  }

  /** Step 1 alone (the cluster primary sends it before its shutdown delay). */
  markNotReady(): void {
    if (this.notReady) return;
    this.notReady = true;
    this.app.markNotReady();
    this.drain.beginDrain();
  }

  /** Runs the whole shutdown once; later calls get the same promise. */
  run(timings: ShutdownTimings): Promise<number> {
    this.started ??= this.shutdown(timings);
    return this.started;
  }

  private async shutdown({ delayMs, timeoutMs }: ShutdownTimings): Promise<number> {
    this.markNotReady();
    if (delayMs > 0) await delay(delayMs);
    let forced = false;
    const deadline = setTimeout(() => {
      if (this.drain.openConnections === 0) return; // nothing to cut: not a forced exit
      forced = true;
      const connections = this.drain.openConnections;
      this.log(
        {
          event: 'drain-timeout',
          connections,
          ms: timeoutMs,
          msg: `Shutdown timeout: cutting ${connections} open connection(s)`,
        },
        'warn',
      );
      this.drain.closeAll();
    }, timeoutMs);
    try {
      await this.drain.stopAccepting();
      await this.app.close();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.log(
        { event: 'shutdown-failed', error: reason, msg: `Shutdown failed: ${reason}` },
        'error',
      );
      forced = true;
    } finally {
      clearTimeout(deadline);
    }
    return forced ? 1 : 0;
  }
}
