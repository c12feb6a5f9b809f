import { envInt, InvalidEnvironmentError } from './env';
import { workerPoolConfig } from './worker-pool.config';

describe('envInt', () => {
  const options = { default: 7, min: 1, max: 10 };

  it('returns the default when the variable is unset or empty', () => {
    expect(envInt({}, 'N', options)).toBe(7);
    expect(envInt({ N: '' }, 'N', options)).toBe(7);
    expect(envInt({ N: '  ' }, 'N', options)).toBe(7);
  });

  it('parses integers inside the range', () => {
    expect(envInt({ N: '1' }, 'N', options)).toBe(1);
    expect(envInt({ N: ' 10 ' }, 'N', options)).toBe(10);
  });

  it.each(['0', '11', '1.5', '1e3', 'abc', '0x10', '-'])(
    'refuses %j, naming the variable',
    (value) => {
      const error = (() => {
        try {
          envInt({ N: value }, 'N', options);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidEnvironmentError);
      expect(error).toMatchObject({
        variable: 'N',
        value: value.trim(),
        message: `Invalid environment variable N=${JSON.stringify(value.trim())}: expected an integer from 1 to 10`,
      });
    },
  );
});

describe('workerPoolConfig', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads every WORKER_* variable', () => {
    Object.assign(process.env, {
      WORKER_POOL_THREADS: '3',
      WORKER_POOL_MAX_QUEUE: '5',
      WORKER_TASK_TIMEOUT_MS: '1000',
      WORKER_INLINE_CONCURRENCY: '4',
      WORKER_MAX_HEAP_MB: '64',
      WORKER_POOL_NICE: '0',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    expect(workerPoolConfig()).toEqual({
      threads: 3,
      maxQueue: 5,
      taskTimeoutMs: 1000,
      inlineConcurrency: 4,
      maxHeapMb: 64,
      niceIncrement: 0,
      shutdownTimeoutMs: 2000,
    });
  });

  it('stops on a bad value with a message naming the variable', () => {
    process.env.WORKER_POOL_MAX_QUEUE = '-1';
    expect(() => workerPoolConfig()).toThrow(/WORKER_POOL_MAX_QUEUE="-1"/);
  });
});
