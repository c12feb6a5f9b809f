import cluster from 'node:cluster';
import { readClusterConfig, type ClusterConfig } from '../../config/cluster.config';
import { envInt, InvalidEnvironmentError } from '../../config/env';
import { readLoggingConfig } from '../../config/logging.config';
import { labelProcess, logLine, type LogLine, processLogger } from '../../logging/process-logger';
import { ClusterPrimary, KILL_GRACE_MS } from './cluster-primary';
import type { ClusterView } from './cluster-view';
import { SingleProcessView } from './single-process-view';
import { EXIT_CONFIG_ERROR } from './cluster.protocol';
import { superviseWorker } from './cluster-worker';
import { detectCpuBudget } from './cpu-budget';
import { GracefulShutdown } from './graceful-shutdown';
import type { ServedApp } from './served-app';
import { describePlan, planThreads, type ThreadPlan } from './thread-plan';

/** Options of {@link ClusterBootstrap.run}: only `start` is required. */
export interface ClusterBootstrapOptions {
  /**
   * Starts the app in this process, listening. Load the app here, lazily (`import()`), so
   * the primary never loads it.
   */
  start: () => Promise<ServedApp>;
  /** Default: read from the environment (`CLUSTER_*`, `SHUTDOWN_*`). */
  config?: ClusterConfig;
  /**
   * A dotenv file loaded into `process.env` first (variables already set win), so the
   * primary's plan sees what `@nestjs/config` would load later. Default `.env` in the
   * working directory, if present; `false` skips it.
   */
  envFile?: string | false;
  /**
   * Starts the probe server (health and metrics) in the supervising process — the primary,
   * or the one app process — before any worker or app starts. Load it lazily too.
   */
  probes?: (view: ClusterView) => Promise<unknown>;
  /** Where supervisor lines go. Default: the process's pino logger (`LOG_LEVEL`, `LOG_FORMAT`). */
  log?: LogLine;
}

/**
 * Runs the app the way the environment asks: with `CLUSTER_ENABLED` (the default), this
 * process becomes a thin primary that forks and supervises one worker per usable CPU, and
 * each worker runs `start`; without, `start` runs here. Both drain the same way on
 * SIGTERM/SIGINT. A plain class: it runs before Nest exists.
 */
export class ClusterBootstrap {
  static run(options: ClusterBootstrapOptions): void {
    const log = options.log ?? logLine;
    if (cluster.isPrimary && options.envFile !== false) loadEnvFile(options.envFile ?? '.env');
    if (cluster.isWorker) {
      // Ctrl-C reaches the whole process group; the primary coordinates the shutdown, also
      // of a worker still booting.
      process.on('SIGINT', () => undefined);
      // Node's own cluster messages (the listen hand-over, acks) are sent without a callback:
      // when the primary dies first, even while this worker is still booting, they fail with
      // EPIPE, which Node emits on cluster.worker; an 'error' with no listener is a crash with
      // a stack on stderr. The 'disconnect' that follows ends this worker.
      cluster.worker?.on('error', () => undefined);
      const config = options.config ?? readClusterConfig();
      startHere(options, (app) => superviseWorker(app, config));
      return;
    }
    let config: ClusterConfig;
    let plan: ThreadPlan;
    try {
      config = options.config ?? readClusterConfig();
      readLoggingConfig(); // validated here, so a bad LOG_* variable fails to start like any other
      plan = planFor(config);
    } catch (error) {
      failedToStart(error, 1);
      return;
    }
    if (config.enabled) {
      labelProcess('primary');
      const primary = new ClusterPrimary(config, plan, log);
      startProbes(options, primary).then(
        () => primary.start(),
        (error: unknown) => failedToStart(error, 1),
      );
      return;
    }
    log(describePlan(plan));
    Object.assign(process.env, plan.workerEnv);
    const view = new SingleProcessView();
    startProbes(options, view).then(
      () =>
        startHere(options, (app) => {
          view.serve(app);
          superviseSingleProcess(app, config, log, view);
        }),
      (error: unknown) => failedToStart(error, 1),
    );
  }
}

/** The thread plan, plus libuv's pool sized for the plan's image slots (sharp runs there). */
function planFor(config: ClusterConfig): ThreadPlan {
  const operator = (name: string) =>
    process.env[name]?.trim()
      ? envInt(process.env, name, { default: 1, min: 1, max: 256 })
      : undefined;
  const plan = planThreads({
    budget: detectCpuBudget(),
    clusterEnabled: config.enabled,
    workers: config.workers,
    poolThreads: operator('WORKER_POOL_THREADS'),
    inlineConcurrency: operator('WORKER_INLINE_CONCURRENCY'),
  });
  // libuv sizes its pool once, at first use, from UV_THREADPOOL_SIZE: set before the app loads.
  if (!process.env.UV_THREADPOOL_SIZE?.trim()) {
    plan.workerEnv.UV_THREADPOOL_SIZE = String(Math.max(4, plan.inlineConcurrencyPerWorker + 2));
  }
  return plan;
}

async function startProbes(options: ClusterBootstrapOptions, view: ClusterView): Promise<void> {
  await options.probes?.(view);
}

function startHere(options: ClusterBootstrapOptions, supervise: (app: ServedApp) => void): void {
  options
    .start()
    .then(supervise, (error: unknown) =>
      failedToStart(error, cluster.isWorker && isConfigError(error) ? EXIT_CONFIG_ERROR : 1),
    );
}

/** One process, no primary: SIGTERM/SIGINT drain it; a second signal exits at once. */
function superviseSingleProcess(
  app: ServedApp,
  config: ClusterConfig,
  log: LogLine,
  view: SingleProcessView,
): void {
  const shutdown = new GracefulShutdown(app, log);
  const onSignal = (signal: NodeJS.Signals) => {
    view.stopping = true;
    process.removeListener('SIGTERM', onSignal).removeListener('SIGINT', onSignal);
    process.once('SIGTERM', () => process.exit(1)).once('SIGINT', () => process.exit(1));
    log(
      `${signal} received: not ready now, draining in ${config.shutdownDelayMs} ms, for up to ${config.shutdownTimeoutMs} ms`,
    );
    void shutdown
      .run({ delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs })
      .then((code) => process.exit(code));
    // What the primary does to a straggling worker: nothing may hold this process past it.
    setTimeout(
      () => {
        log('Shutdown: still running past the timeout; exiting now', 'error');
        process.exit(1);
      },
      config.shutdownDelayMs + config.shutdownTimeoutMs + KILL_GRACE_MS,
    ).unref();
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
}

function loadEnvFile(path: string): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function isConfigError(error: unknown): boolean {
  return error instanceof InvalidEnvironmentError;
}

function failedToStart(error: unknown, code: number): void {
  const message = `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
  // A configuration error says it all; anything else gets its stack.
  if (isConfigError(error)) processLogger().fatal(message);
  else processLogger().fatal({ err: error }, message);
  process.exit(code);
}
