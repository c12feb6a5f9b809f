import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { appConfig, type AppConfig, jobConcurrency, jobsConfig, type JobsConfig } from '../config';
import { workerPoolConfig, type WorkerPoolConfig } from '../config';
import { PoolClosedError, TaskQueueFullError } from '../concurrency/worker-pool';
import { ShutdownState } from '../health/shutdown-state';
import type { JobHandler } from './job-type';
import { JobRegistry } from './job-registry';
import { CANCEL_CHANNEL, JobStore } from './job-store';
import { JobsMessages } from './jobs.messages';
import { JobsMonitor } from './jobs.monitor';
import { JOBS_PREFIX, JOBS_QUEUE, JobsRedis } from './jobs-redis';

/** Why a running job's signal aborted. */
const CANCELLED = 'cancelled';
const SHUTDOWN = 'shutdown';
/** A job the pool had no room for waits this long before it is offered again. */
const POOL_FULL_DELAY_MS = 1_000;
/**
 * After the shutdown deadline, how long returning the running jobs to the queue may take (one
 * Redis call each, but on a starved event loop). A job still not returned then, or whose
 * process is killed first (the cluster primary kills 2 s past the deadline), is not lost: its
 * lock expires and the stalled-job check of a live instance returns it.
 */
const RETURN_GRACE_MS = 5_000;

/**
 * This process's BullMQ worker: takes up to `JOBS_CONCURRENCY` jobs at once and runs each
 * through its type's handler, and so through the WorkerPool, in the same queue as requests.
 *
 * Shutdown: when shutdown begins (readiness 503) it stops taking jobs; running ones may
 * finish until `SHUTDOWN_TIMEOUT_MS`; then each is stopped and returned to the queue for
 * another instance. A process that dies without that (SIGKILL) loses its locks, and BullMQ's
 * stalled-job check on a live instance puts its jobs back within `JOBS_STALLED_INTERVAL_MS`.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Map<string, AbortController>();
  private readonly concurrency: number;
  private worker?: Worker;
  private stopping?: Promise<void>;
  /** When running jobs are stopped and returned: as the HTTP drain's own deadline. */
  private deadline?: number;

  constructor(
    private readonly redis: JobsRedis,
    private readonly store: JobStore,
    private readonly registry: JobRegistry,
    private readonly monitor: JobsMonitor,
    private readonly modules: ModuleRef,
    private readonly shutdown: ShutdownState,
    @Inject(jobsConfig.KEY) private readonly config: JobsConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(workerPoolConfig.KEY) pool: WorkerPoolConfig,
  ) {
    this.concurrency = jobConcurrency(config, pool.threads);
  }

  /** After every module is ready: jobs start only once the routes and the pool are up. */
  onApplicationBootstrap(): void {
    const { stalledIntervalMs, attempts } = this.config;
    this.worker = new Worker(JOBS_QUEUE, (job, token) => this.process(job, token), {
      connection: this.redis.worker(),
      prefix: JOBS_PREFIX,
      concurrency: this.concurrency,
      lockDuration: stalledIntervalMs,
      stalledInterval: stalledIntervalMs,
      // A job whose process died under it is retried as often as a failing one.
      maxStalledCount: attempts,
      autorun: false,
    });
    this.worker.on('error', (error) => this.logger.debug(`Job worker: ${error.message}`));
    this.worker.on('stalled', (id) =>
      this.logger.warn({ event: 'jobs.stalled', id, msg: `Job ${id} stalled: back in the queue` }),
    );
    this.worker.run().catch((error: Error) => this.logger.error(`Job worker: ${error.message}`));
    this.redis.listen(CANCEL_CHANNEL, (id) => this.running.get(id)?.abort(CANCELLED));
    this.shutdown.onBegin(() => void this.stopTaking());
    this.logger.log({
      event: 'jobs.on',
      concurrency: this.concurrency,
      types: this.registry.names(),
      msg: `Async jobs on: up to ${this.concurrency} at once in this process (${this.registry.names().join(', ')})`,
    });
  }

  /** Jobs this process runs now. */
  get runningJobs(): number {
    return this.running.size;
  }

  /** Jobs this process runs at most at once. */
  get maxRunning(): number {
    return this.concurrency;
  }

  /** Running jobs finish until the shutdown deadline; those still running go back to the queue. */
  async onApplicationShutdown(): Promise<void> {
    const closed = this.stopTaking();
    if (!(await settlesBy(closed, this.deadline!))) {
      this.logger.warn({
        event: 'jobs.returned',
        jobs: this.running.size,
        msg: `Shutdown: ${this.running.size} running job(s) stopped and returned to the queue`,
      });
      for (const controller of this.running.values()) controller.abort(SHUTDOWN);
      if (!(await settlesBy(closed, Date.now() + RETURN_GRACE_MS))) await this.worker?.close(true);
    }
    await this.redis.close();
  }

  /** Stops taking jobs (idempotent); resolves once the running ones are done. */
  private stopTaking(): Promise<void> {
    this.deadline ??= Date.now() + this.app.shutdownDelayMs + this.app.shutdownTimeoutMs;
    this.stopping ??= this.worker ? this.worker.close() : Promise.resolve();
    return this.stopping;
  }

  private async process(job: Job, token: string | undefined): Promise<{ bytes: number }> {
    const type = this.registry.get(job.name);
    if (!type) throw new UnrecoverableError(`Unknown job type ${job.name}`);
    if (await this.store.cancelled(job.id!)) throw new UnrecoverableError(JobsMessages.cancelled());
    const controller = new AbortController();
    this.running.set(job.id!, controller);
    const done = this.monitor.started(job);
    try {
      const handler = this.modules.get<JobHandler>(type.handler, { strict: false });
      const bytes = await handler.run(job.data, { signal: controller.signal, id: job.id! });
      if (bytes.byteLength > this.config.maxResultBytes) {
        throw new UnrecoverableError(
          JobsMessages.resultTooLarge(bytes.byteLength, this.config.maxResultBytes),
        );
      }
      await this.store.saveResult(job.id!, bytes);
      done('completed');
      return { bytes: bytes.byteLength };
    } catch (error) {
      const reason: unknown = controller.signal.reason;
      if (reason === CANCELLED) {
        done('cancelled');
        throw new UnrecoverableError(JobsMessages.cancelled());
      }
      if (reason === SHUTDOWN || (this.stopping && error instanceof PoolClosedError)) {
        done('returned');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (error instanceof TaskQueueFullError) {
        done('deferred');
        await job.moveToDelayed(Date.now() + POOL_FULL_DELAY_MS, token);
        throw new DelayedError();
      }
      done('failed');
      // The input's fault (a 4xx): another attempt would fail the same way.
      if (error instanceof HttpException && error.getStatus() < 500) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    } finally {
      this.running.delete(job.id!);
    }
  }
}

/** True if `work` settles before `deadline` (a `Date.now()` time). */
async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), false);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
