import { readAppConfig } from './app.config';
import { envBool, envInt, envIntOrAuto, InvalidEnvironmentError } from './env';
import { readWorkerPoolConfig } from './worker-pool.config';

/** The error `read()` throws. */
function failure(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

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

describe('envIntOrAuto', () => {
  const range = { min: 1, max: 256 };

  it.each([undefined, '', '  ', 'auto', 'AUTO', ' Auto '])('returns auto for %j', (value) => {
    expect(envIntOrAuto({ N: value }, 'N', range)).toBe('auto');
  });

  it('parses integers inside the range', () => {
    expect(envIntOrAuto({ N: '1' }, 'N', range)).toBe(1);
    expect(envIntOrAuto({ N: ' 256 ' }, 'N', range)).toBe(256);
  });

  it.each(['0', '257', '2.5', 'automatic', 'max'])('refuses %j, naming the variable', (value) => {
    const error = failure(() => envIntOrAuto({ N: value }, 'N', range));
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect(error).toMatchObject({
      variable: 'N',
      value,
      message: `Invalid environment variable N=${JSON.stringify(value)}: expected "auto" or an integer from 1 to 256`,
    });
  });
});

describe('envBool', () => {
  it('returns the default when the variable is unset or empty', () => {
    expect(envBool({}, 'B', true)).toBe(true);
    expect(envBool({ B: '' }, 'B', false)).toBe(false);
    expect(envBool({ B: ' ' }, 'B', true)).toBe(true);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    [' Yes ', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['NO', false],
  ])('reads %j as %s', (value, expected) => {
    expect(envBool({ B: value }, 'B', !expected)).toBe(expected);
  });

  it.each(['on', 'off', 'y', '2', 'truthy', 'constructor', 'toString'])(
    'refuses %j, naming the variable',
    (value) => {
      const error = failure(() => envBool({ B: value }, 'B', true));
      expect(error).toBeInstanceOf(InvalidEnvironmentError);
      expect(error).toMatchObject({
        variable: 'B',
        value,
        message: `Invalid environment variable B=${JSON.stringify(value)}: expected one of true, false, 1, 0, yes, no`,
      });
    },
  );
});

describe('readAppConfig', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads PORT, SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS, HTTP_REQUEST_DEADLINE_MS and HEAP_GROWING_PERCENT', () => {
    delete process.env.PORT;
    delete process.env.SHUTDOWN_DELAY_MS;
    delete process.env.SHUTDOWN_TIMEOUT_MS;
    delete process.env.HTTP_REQUEST_DEADLINE_MS;
    delete process.env.HEAP_GROWING_PERCENT;
    expect(readAppConfig()).toEqual({
      port: 3000,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
      requestDeadlineMs: 30_000,
      heapGrowingPercent: 200,
    });
    Object.assign(process.env, {
      PORT: '8080',
      SHUTDOWN_DELAY_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '2000',
      HTTP_REQUEST_DEADLINE_MS: '1500',
      HEAP_GROWING_PERCENT: '0',
    });
    expect(readAppConfig()).toEqual({
      port: 8080,
      shutdownDelayMs: 5000,
      shutdownTimeoutMs: 2000,
      requestDeadlineMs: 1500,
      heapGrowingPercent: 0,
    });
  });

  it.each(['301', '1', '9', '-5', '2.5', 'x'])(
    "refuses HEAP_GROWING_PERCENT=%s: 0 or within V8's own factors, 10 to 300",
    (value) => {
      process.env.HEAP_GROWING_PERCENT = value;
      expect(() => readAppConfig()).toThrow(
        `HEAP_GROWING_PERCENT=${JSON.stringify(value)}: expected 0 (V8's own factor) or an integer from 10 to 300`,
      );
    },
  );

  it.each([
    ['10', 10],
    ['300', 300],
  ])('takes HEAP_GROWING_PERCENT=%s', (value, percent) => {
    process.env.HEAP_GROWING_PERCENT = value;
    expect(readAppConfig().heapGrowingPercent).toBe(percent);
  });

  it('refuses an HTTP_REQUEST_DEADLINE_MS of 0', () => {
    process.env.HTTP_REQUEST_DEADLINE_MS = '0';
    expect(() => readAppConfig()).toThrow(/HTTP_REQUEST_DEADLINE_MS="0"/);
  });

  it('refuses a SHUTDOWN_DELAY_MS above 10 minutes', () => {
    process.env.SHUTDOWN_DELAY_MS = '600001';
    expect(() => readAppConfig()).toThrow(/SHUTDOWN_DELAY_MS="600001"/);
  });
});

describe('readWorkerPoolConfig', () => {
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
    expect(readWorkerPoolConfig()).toEqual({
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
    expect(() => readWorkerPoolConfig()).toThrow(/WORKER_POOL_MAX_QUEUE="-1"/);
  });
});
