import { Controller, Get, Module, Param } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  CommandFailedError,
  CommandOutputTooLargeError,
  CommandQueueFullError,
  CommandTimedOutError,
  RunnerClosedError,
  SpawnHelperLostError,
} from '../../concurrency/child-process';
import {
  PoolClosedError,
  QueueFullError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../concurrency/worker-pool';
import { ApiExceptionFilter } from './api-exception.filter';

/** Another executor's error, extending only the shared base: mapped like the others. */
class JobQueueFullError extends QueueFullError {}

const command = { executable: 'gzip', args: ['-c'], pid: 42, durationMs: 7 };

/** Each concurrency error and what the client gets for it: status, Retry-After, extra fields. */
const CASES: Record<string, [() => Error, number, string | undefined, object?]> = {
  taskQueueFull: [() => new TaskQueueFullError(3, 2), 503, '2'],
  poolClosed: [() => new PoolClosedError(), 503, '5'],
  taskTimeout: [() => new TaskTimeoutError('render', 100), 504, undefined],
  taskAborted: [() => new TaskAbortedError('render'), 500, undefined],
  workerCrashed: [() => new WorkerCrashedError('render', new Error('exit 1')), 500, undefined],
  commandQueueFull: [() => new CommandQueueFullError(4), 503, '1'],
  runnerClosed: [() => new RunnerClosedError(command), 503, '5'],
  commandTimedOut: [() => new CommandTimedOutError(command, 100, false), 504, undefined],
  spawnHelperLost: [() => new SpawnHelperLostError(command), 503, '1'],
  commandFailed: [
    () => new CommandFailedError(command, 2, null, 'no such file'),
    422,
    undefined,
    { exitCode: 2, signal: null, stderrTail: 'no such file' },
  ],
  outputTooLarge: [() => new CommandOutputTooLargeError(command, 1024), 502, undefined],
  jobQueueFull: [() => new JobQueueFullError('The job queue is full', 10, 3), 503, '3'],
};

@Controller('fail')
class FailController {
  @Get(':name')
  fail(@Param('name') name: string): never {
    throw CASES[name][0]();
  }
}

@Module({
  controllers: [FailController],
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
})
class FailModule {}

describe('ApiExceptionFilter: concurrency errors over HTTP', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [FailModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(() => app.close());

  it.each(Object.entries(CASES))('%s', async (name, [make, status, retryAfter, fields = {}]) => {
    const response = await fetch(`${base}/fail/${name}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('retry-after') ?? undefined).toBe(retryAfter);
    expect(await response.json()).toEqual({
      statusCode: status,
      error: {
        500: 'Internal Server Error',
        502: 'Bad Gateway',
        503: 'Service Unavailable',
        504: 'Gateway Timeout',
        422: 'Unprocessable Entity',
      }[status],
      message: make().message,
      ...fields,
    });
  });
});
