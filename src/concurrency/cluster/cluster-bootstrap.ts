import cluster from 'node:cluster';
import { readClusterConfig, type ClusterConfig } from '../../config/cluster.config';
import { ConfigurationError } from '../../config/env';
import { loadEnvFile } from '../../config/env-file';
import { readLoggingConfig } from '../../config/logging.config';
import { labelProcess, logLine, type LogLine, processLogger } from '../../logging/process-logger';
import { clusterEvents } from './cluster.events';
import { ClusterPrimary, KILL_GRACE_MS } from './cluster-primary';
import type { ClusterView } from './cluster-view';
import { SingleProcessView } from './single-process-view';
import { EXIT_CONFIG_ERROR } from './cluster.protocol';
import { superviseWorker } from './cluster-worker';
import { detectCpuBudget } from './cpu-budget';
import { GracefulShutdown } from './graceful-shutdown';
import { PidFileError, writePidFile } from './pid-file';
import { listeningPort, type ServedApp } from './served-app';
import { type AppThreads, planThreads, type ThreadPlan } from './thread-plan';

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
   * Checks the app's whole configuration in the supervising process, before any worker is
   * forked or the app starts: what it throws stops the service with one fatal line (a
   * `ConfigurationError`, such as `InvalidEnvironmentError`, names the variable). Keep it
   * free of Nest: the primary runs it.
   */
  validate?: () => void;
  /**
   * The threads each app worker runs (pool threads, in-process slots), for the plan that
   * shares the CPU budget between workers. Default: none; the plan then only sizes the workers.
   */
  threads?: AppThreads;
  /**
   * Starts the probe server (health and metrics) in the supervising process — the primary,
   * or the one app process — before any worker or app starts. Load it lazily too.
   */
  probes?: (view: ClusterView) => Promise<unknown>;
  /**
   * Says where the service is, once, in the supervising process when it first serves (every
   * worker ready; without a cluster, the app listening), given the port the app listens on.
   */
  announce?: (serving: { port: number }) => void;
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
      options.validate?.();
      plan = planThreads({
        budget: detectCpuBudget(),
        clusterEnabled: config.enabled,
        workers: config.workers,
        threads: options.threads,
      });
    } catch (error) {
      failedToStart(error, 1);
      return;
    }
    // The app's hook: a failure there is a line, never the supervisor's end.
    const announce = (port: number | undefined) => {
      if (port === undefined) return;
      try {
        options.announce?.({ port });
      } catch (error) {
        log(`Announcing where the service is failed: ${(error as Error).message}`, 'warn');
      }
    };
    if (config.enabled) {
      // Its events name the app worker they are about in `pid`; its other lines, itself.
      labelProcess('primary', { linesMayNamePid: true });
      log(clusterEvents.plan(plan));
      if (config.pidFile) writePrimaryPid(config.pidFile, log);
      const primary = new ClusterPrimary(config, plan, { log, onAllReady: announce });
      startProbes(options, primary).then(
        () => primary.start(),
        (error: unknown) => failedToStart(error, 1),
      );
      return;
    }
    log(clusterEvents.plan(plan));
    // libuv and the app read these once, as they load: set before the app is imported.
    Object.assign(process.env, plan.workerEnv);
    const view = new SingleProcessView();
    startProbes(options, view).then(
      () =>
        startHere(options, (app) => {
          view.serve(app);
          superviseSingleProcess(app, config, log, view);
          announce(listeningPort(app));
        }),
      (error: unknown) => failedToStart(error, 1),
    );
  }
}

async function startProbes(options: ClusterBootstrapOptions, view: ClusterView): Promise<void> {
  await options.probes?.(view);
}

/**
 * The pid file is a convenience (`npm run reload`): a primary that cannot write it still
 * runs. A read-only folder (a container) is expected; another primary holding it is not.
 */
function writePrimaryPid(path: string, log: LogLine): void {
  try {
    writePidFile(path);
  } catch (error) {
    const msg =
      `No pid file: ${(error as Error).message}; npm run reload will not find this primary ` +
      `(kill -HUP ${process.pid} will)`;
    log({ event: 'pid-file-skipped', path, msg }, error instanceof PidFileError ? 'warn' : 'info');
  }
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
    const { shutdownDelayMs: delayMs, shutdownTimeoutMs: ms } = config;
    log({
      event: 'shutdown',
      signal,
      delayMs,
      ms,
      msg: `${signal} received: not ready now, draining in ${delayMs} ms, for up to ${ms} ms`,
    });
    void shutdown.run({ delayMs, timeoutMs: ms }).then((code) => process.exit(code));
    // What the primary does to a straggling worker: nothing may hold this process past it.
    setTimeout(
      () => {
        log(
          {
            event: 'shutdown-timeout',
            msg: 'Shutdown: still running past the timeout; exiting now',
          },
          'error',
        );
        process.exit(1);
      },
      delayMs + ms + KILL_GRACE_MS,
    ).unref();
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
}

function isConfigError(error: unknown): boolean {
  return error instanceof ConfigurationError;
}

function failedToStart(error: unknown, code: number): void {
  const message = `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
  // A configuration error says it all; anything else gets its stack.
  if (isConfigError(error)) processLogger().fatal(message);
  else processLogger().fatal({ err: error }, message);
  process.exit(code);
}
