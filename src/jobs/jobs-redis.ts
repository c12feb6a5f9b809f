import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import IORedis, { type RedisOptions } from 'ioredis';
import { jobsConfig, type JobsConfig } from '../config';

/**
 * How long start-up waits for the first connection to Redis, so that the first requests of
 * a ready instance find it up. An unreachable Redis ends the wait at its first error.
 */
const FIRST_CONNECT_WAIT_MS = 3_000;
/** How long closing lets Redis answer a QUIT before the connection is dropped. */
const QUIT_WAIT_MS = 1_000;

/** The queue's name in Redis (keys `bull:jobs:…`). */
export const JOBS_QUEUE = 'jobs';
/** BullMQ's default key prefix, kept so tools that read BullMQ queues find ours. */
export const JOBS_PREFIX = 'bull';

/**
 * The Redis connections of this process, all from `REDIS_URL`:
 * - `command`: the queue's and the routes' (status, results, cancellation), which must answer
 *   or fail fast: no offline queue, so while Redis is down a route answers 503 at once
 *   instead of holding the request;
 * - `worker()`: the job worker's, which waits for Redis as long as it takes (BullMQ wants
 *   `maxRetriesPerRequest: null` on it) and duplicates itself for its blocking reads;
 * - `subscriber`: hears cancellations of jobs this process runs.
 * ioredis reconnects each by itself after an outage.
 */
@Injectable()
export class JobsRedis implements OnModuleInit {
  readonly command: IORedis;
  readonly subscriber: IORedis;
  private readonly logger = new Logger('Jobs');
  private readonly clients: IORedis[] = [];
  /** Whether the command connection was last seen up: state changes are logged once each. */
  private up?: boolean;

  constructor(@Inject(jobsConfig.KEY) private readonly config: JobsConfig) {
    this.command = this.connect('command', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = this.connect('subscriber', { maxRetriesPerRequest: null });
  }

  /** Resolves once the command connection is up, fails, or FIRST_CONNECT_WAIT_MS have passed. */
  async onModuleInit(): Promise<void> {
    if (this.command.status === 'ready') return;
    // `once` rejects on the first 'error' or at the timeout: start-up goes on either way.
    const signal = AbortSignal.timeout(FIRST_CONNECT_WAIT_MS);
    await once(this.command, 'ready', { signal }).catch(() => undefined);
  }

  /**
   * Calls `onMessage` with each message published on `channel`. Subscribes once the
   * subscriber connection is ready, and again on each reconnection: a SUBSCRIBE sent during
   * ioredis' handshake races it, and the connection then drops and comes back unsubscribed
   * (https://github.com/redis/ioredis/issues/2037): a job's DELETE did not reach the
   * instance running it.
   */
  listen(channel: string, onMessage: (message: string) => void): void {
    const subscribe = () => void this.subscriber.subscribe(channel).catch(() => undefined);
    this.subscriber.on('ready', subscribe);
    if (this.subscriber.status === 'ready') subscribe();
    this.subscriber.on('message', (from: string, message: string) => {
      if (from === channel) onMessage(message);
    });
  }

  /** A connection for a BullMQ Worker. */
  worker(): IORedis {
    return this.connect('worker', { maxRetriesPerRequest: null });
  }

  /** `ready` while Redis answers; else ioredis' state (`connecting`, `reconnecting`…). */
  get state(): string {
    return this.command.status;
  }

  get ready(): boolean {
    return this.command.status === 'ready';
  }

  /** Closes every connection (the last step of the job queue's shutdown); never waits on Redis. */
  async close(): Promise<void> {
    const open = this.clients.filter((client) => client.status !== 'end');
    await Promise.all(open.map(end));
  }

  private connect(role: string, options: RedisOptions): IORedis {
    const client = new IORedis(this.config.redisUrl!, {
      connectionName: `nest-concurrency-starter:${role}`,
      // Reconnect forever, at most every 2 s: an outage ends by itself.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
      ...options,
    });
    // Without a listener an unreachable Redis would throw; each change is logged once.
    client.on('error', (error: Error) => {
      if (role === 'command') this.changed(false, error.message);
    });
    if (role === 'command') client.on('ready', () => this.changed(true, 'ready'));
    this.clients.push(client);
    return client;
  }

  private changed(up: boolean, reason: string): void {
    if (up === this.up) return;
    this.up = up;
    const event = { event: 'jobs.redis', up, reason };
    if (up) this.logger.log({ ...event, msg: 'Redis (REDIS_URL) is up: jobs are on' });
    else this.logger.warn({ ...event, msg: `Redis (REDIS_URL) is down: ${reason}` });
  }
}

/**
 * QUIT lets Redis finish what it was sent, but waits for its answer: a connection that is not
 * ready (a Redis that accepts connections and never answers, or is still being dialled)
 * queues the QUIT, or refuses it, and one that stops answering never replies. Either way the
 * connection is dropped, at once or after QUIT_WAIT_MS.
 */
async function end(client: IORedis): Promise<void> {
  if (client.status === 'ready') {
    const waited = new AbortController();
    const quit = client.quit().then(
      () => true,
      () => false,
    );
    const timeout = delay(QUIT_WAIT_MS, false, { signal: waited.signal }).catch(() => false);
    const quitted = await Promise.race([quit, timeout]);
    waited.abort();
    if (quitted) return;
  }
  client.disconnect();
}
