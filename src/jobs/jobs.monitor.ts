import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
// Types only: this file is loaded with or without REDIS_URL, BullMQ and ioredis only with it.
import type { Job, Queue } from 'bullmq';
import type { JobsRedis } from './jobs-redis';

/** How a job's run in this process ended. `returned`: back to the queue at shutdown; `deferred`: the pool was full. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'returned' | 'deferred';

/** One run of a job in this process, as it settles. */
export interface JobRunRecord {
  type: string;
  outcome: JobOutcome;
  /** From enqueue (or the retry's due time) to the start of this run. */
  waitMs: number;
  runMs: number;
}

/** The queue's jobs by state, all instances together. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** The job queue in `/health`: Redis' state, the queue's counts, this process's running jobs. */
export type JobsSnapshot =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      redis: string;
      queue?: QueueCounts & { ageMs: number };
      running: number;
      runningByType: Record<string, number>;
      /** Ids of the jobs this process runs now (at most JOBS_CONCURRENCY). */
      runningIds: string[];
    };

/** How often the queue's counts are read from Redis (health and metrics read the copy). */
const COUNTS_EVERY_MS = 1_000;

/**
 * The job queue's numbers for health and metrics, never waiting on Redis: counts are read
 * every second in the background, and a snapshot or a scrape takes the last ones.
 */
@Injectable()
export class JobsMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly runningByType = new Map<string, number>();
  private readonly runningIds = new Set<string>();
  private readonly listeners = new Set<(record: JobRunRecord) => void>();
  private counts?: QueueCounts & { at: number };
  private timer?: NodeJS.Timeout;
  private queue?: Queue;
  private redis?: JobsRedis;

  /** With REDIS_URL set: the queue and connections to read (JobsService hands them over). */
  attach(queue: Queue, redis: JobsRedis): void {
    this.queue = queue;
    this.redis = redis;
  }

  onApplicationBootstrap(): void {
    if (!this.redis) return;
    this.timer = setInterval(() => void this.readCounts(), COUNTS_EVERY_MS).unref();
    void this.readCounts();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** A job starts in this process; call the returned function once with how it ended. */
  started(job: Job): (outcome: JobOutcome) => void {
    const type = job.name;
    const id = job.id!;
    const startedAt = Date.now();
    const dueAt = job.timestamp + (job.delay ?? 0);
    this.runningByType.set(type, (this.runningByType.get(type) ?? 0) + 1);
    this.runningIds.add(id);
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.runningByType.set(type, this.runningByType.get(type)! - 1);
      this.runningIds.delete(id);
      const record = {
        type,
        outcome,
        waitMs: Math.max(0, startedAt - dueAt),
        runMs: Date.now() - startedAt,
      };
      for (const listener of this.listeners) listener(record);
    };
  }

  /** Calls `listener` as each run of a job in this process ends; returns the unsubscribe. */
  observe(listener: (record: JobRunRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Running jobs of this process by type. */
  running(): Record<string, number> {
    return Object.fromEntries(this.runningByType);
  }

  /** The last counts read, if Redis answered lately. */
  queueCounts(): QueueCounts | undefined {
    return this.counts && Date.now() - this.counts.at < 5 * COUNTS_EVERY_MS
      ? this.counts
      : undefined;
  }

  redisUp(): boolean {
    return this.redis?.ready ?? false;
  }

  snapshot(): JobsSnapshot {
    if (!this.redis) return { enabled: false, reason: 'REDIS_URL is not set' };
    const running = this.running();
    const counts = this.queueCounts();
    return {
      enabled: true,
      redis: this.redis.state,
      ...(counts && {
        queue: {
          waiting: counts.waiting,
          active: counts.active,
          delayed: counts.delayed,
          failed: counts.failed,
          completed: counts.completed,
          ageMs: Date.now() - this.counts!.at,
        },
      }),
      running: Object.values(running).reduce((a, b) => a + b, 0),
      runningByType: running,
      runningIds: [...this.runningIds],
    };
  }

  private async readCounts(): Promise<void> {
    if (!this.queue || !this.redis?.ready) return;
    try {
      const c = await this.queue.getJobCounts(
        'waiting',
        'prioritized',
        'active',
        'delayed',
        'failed',
        'completed',
      );
      this.counts = {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
        completed: c.completed ?? 0,
        at: Date.now(),
      };
    } catch {
      // Redis went away meanwhile: the snapshot shows its state, and counts age out.
    }
  }
}
