import { resolve } from 'node:path';
import { DEFAULT_PID_FILE, readClusterConfig, type ClusterConfig } from './cluster.config';
import { InvalidEnvironmentError } from './env';

describe('readClusterConfig', () => {
  const defaults: ClusterConfig = {
    enabled: true,
    workers: 'auto',
    workerStartTimeoutMs: 30_000,
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 5_000,
    workerMaxRssMb: 0,
    restartBackoffMs: 100,
    restartBackoffMaxMs: 10_000,
    stableUptimeMs: 10_000,
    crashLoopMaxExits: 5,
    crashLoopWindowMs: 60_000,
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 10_000,
    pidFile: DEFAULT_PID_FILE,
  };

  /** The error `readClusterConfig(env)` throws. */
  function failure(env: Record<string, string>): unknown {
    try {
      readClusterConfig(env);
    } catch (error) {
      return error;
    }
    throw new Error('readClusterConfig did not throw');
  }

  it('has a default for every field', () => {
    expect(readClusterConfig({})).toEqual(defaults);
  });

  it('reads process.env when no environment is given', () => {
    const saved = process.env;
    process.env = { CLUSTER_WORKERS: '3' };
    try {
      expect(readClusterConfig().workers).toBe(3);
    } finally {
      process.env = saved;
    }
  });

  it('reads every variable', () => {
    expect(
      readClusterConfig({
        CLUSTER_ENABLED: 'false',
        CLUSTER_WORKERS: '4',
        CLUSTER_WORKER_START_TIMEOUT_MS: '2000',
        CLUSTER_HEARTBEAT_INTERVAL_MS: '200',
        CLUSTER_HEARTBEAT_TIMEOUT_MS: '900',
        CLUSTER_WORKER_MAX_RSS_MB: '768',
        CLUSTER_RESTART_BACKOFF_MS: '50',
        CLUSTER_RESTART_BACKOFF_MAX_MS: '5000',
        CLUSTER_STABLE_UPTIME_MS: '3000',
        CLUSTER_CRASH_LOOP_MAX_EXITS: '2',
        CLUSTER_CRASH_LOOP_WINDOW_MS: '30000',
        SHUTDOWN_DELAY_MS: '1500',
        SHUTDOWN_TIMEOUT_MS: '2500',
        CLUSTER_PID_FILE: 'run/service.pid',
      }),
    ).toEqual({
      enabled: false,
      workers: 4,
      workerStartTimeoutMs: 2_000,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 900,
      workerMaxRssMb: 768,
      restartBackoffMs: 50,
      restartBackoffMaxMs: 5_000,
      stableUptimeMs: 3_000,
      crashLoopMaxExits: 2,
      crashLoopWindowMs: 30_000,
      shutdownDelayMs: 1_500,
      shutdownTimeoutMs: 2_500,
      pidFile: resolve('run/service.pid'),
    });
  });

  it('writes the pid file in the project folder by default, and none with CLUSTER_PID_FILE=off', () => {
    expect(DEFAULT_PID_FILE).toBe(resolve(__dirname, '..', '..', '.primary.pid'));
    expect(readClusterConfig({ CLUSTER_PID_FILE: 'Off' }).pidFile).toBeUndefined();
  });

  it.each([
    ['CLUSTER_ENABLED', 'maybe'],
    ['CLUSTER_WORKERS', '0'],
    ['CLUSTER_WORKERS', '257'],
    ['CLUSTER_WORKERS', 'all'],
    ['CLUSTER_WORKER_START_TIMEOUT_MS', '99'],
    ['CLUSTER_HEARTBEAT_INTERVAL_MS', '9'],
    ['CLUSTER_HEARTBEAT_TIMEOUT_MS', 'soon'],
    ['CLUSTER_WORKER_MAX_RSS_MB', '-1'],
    ['CLUSTER_RESTART_BACKOFF_MS', '0'],
    ['CLUSTER_RESTART_BACKOFF_MAX_MS', '1.5'],
    ['CLUSTER_STABLE_UPTIME_MS', '-5'],
    ['CLUSTER_CRASH_LOOP_MAX_EXITS', '0'],
    ['CLUSTER_CRASH_LOOP_WINDOW_MS', '0'],
    ['SHUTDOWN_DELAY_MS', '600001'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
  ])('stops on %s=%j, naming the variable', (variable, value) => {
    const error = failure({ [variable]: value });
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect(error).toMatchObject({ variable, value });
    expect((error as Error).message).toContain(`${variable}=${JSON.stringify(value)}`);
  });

  it.each(['5000', '1000', '999'])(
    'refuses a heartbeat timeout of %s ms at or below an interval of 5000 ms',
    (timeout) => {
      const error = failure({
        CLUSTER_HEARTBEAT_INTERVAL_MS: '5000',
        CLUSTER_HEARTBEAT_TIMEOUT_MS: timeout,
      });
      expect(error).toBeInstanceOf(InvalidEnvironmentError);
      expect(error).toMatchObject({
        variable: 'CLUSTER_HEARTBEAT_TIMEOUT_MS',
        value: timeout,
        message: `Invalid environment variable CLUSTER_HEARTBEAT_TIMEOUT_MS="${timeout}": expected an integer above CLUSTER_HEARTBEAT_INTERVAL_MS (5000)`,
      });
    },
  );

  it('refuses the default heartbeat timeout under a longer interval, naming the timeout', () => {
    expect(failure({ CLUSTER_HEARTBEAT_INTERVAL_MS: '6000' })).toMatchObject({
      variable: 'CLUSTER_HEARTBEAT_TIMEOUT_MS',
      value: '5000',
    });
  });

  it('accepts a heartbeat timeout just above the interval', () => {
    const config = readClusterConfig({
      CLUSTER_HEARTBEAT_INTERVAL_MS: '5000',
      CLUSTER_HEARTBEAT_TIMEOUT_MS: '5001',
    });
    expect(config.heartbeatTimeoutMs).toBe(5_001);
  });

  it('refuses a restart backoff cap below the initial delay', () => {
    expect(
      failure({ CLUSTER_RESTART_BACKOFF_MS: '500', CLUSTER_RESTART_BACKOFF_MAX_MS: '499' }),
    ).toMatchObject({
      variable: 'CLUSTER_RESTART_BACKOFF_MAX_MS',
      value: '499',
      message: expect.stringContaining('not below CLUSTER_RESTART_BACKOFF_MS (500)') as string,
    });
    expect(
      readClusterConfig({
        CLUSTER_RESTART_BACKOFF_MS: '500',
        CLUSTER_RESTART_BACKOFF_MAX_MS: '500',
      }).restartBackoffMaxMs,
    ).toBe(500);
  });
});
