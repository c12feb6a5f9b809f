/**
 * A real `redis-server` (Debian's package `redis-server`, which .ci/run installs) on a free
 * port of 127.0.0.1, one per suite, with nothing persisted. The suites that need it use
 * {@link describeWithRedis}: without redis-server they are skipped locally (the global
 * setup says so in one line) and fail under CI=true.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './service-process';

export const REDIS_SERVER = 'redis-server';

/** Whether `redis-server` can be run here. */
export function hasRedisServer(): boolean {
  return spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `describe`, or `describe.skip` when redis-server is missing and CI is not set. */
export function describeWithRedis(name: string, suite: () => void): void {
  if (hasRedisServer() || process.env.CI === 'true') describe(name, suite);
  else describe.skip(`${name} (redis-server not installed)`, suite);
}

/** One redis-server, started on a free port; `restart()` brings it back on the same port. */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, after `stop()`), resolving once it accepts connections. */
  async restart(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    const end = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > end) {
        throw new Error(`redis-server did not start on port ${this.port}`);
      }
      await delay(25);
    }
  }

  /** Stops it at once (SIGKILL: an outage, not a clean shutdown). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
