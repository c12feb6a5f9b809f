import { ClosedError, QueueFullError, TimedOutError } from './admission';
import {
  ChildProcessError,
  CommandAbortedError,
  CommandQueueFullError,
  CommandTimedOutError,
  RunnerClosedError,
} from './child-process';
import { ConcurrencyError } from './concurrency.errors';
import {
  PoolClosedError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
  WorkerPoolError,
} from './worker-pool';

describe('concurrency errors', () => {
  const command = { executable: 'gzip', args: ['-c'], pid: 42, durationMs: 7 };

  it.each([
    [new TaskQueueFullError(1), QueueFullError],
    [new TaskTimeoutError('render', 10), TimedOutError],
    [new PoolClosedError(), ClosedError],
  ])('%s is a WorkerPoolError and an admission error', (error, admissionBase) => {
    expect(error).toBeInstanceOf(admissionBase);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).not.toBeInstanceOf(ChildProcessError);
  });

  it.each([
    [new CommandQueueFullError(1), QueueFullError],
    [new CommandTimedOutError(command, 10, false), TimedOutError],
    [new RunnerClosedError(command), ClosedError],
  ])('%s is a ChildProcessError and an admission error', (error, admissionBase) => {
    expect(error).toBeInstanceOf(admissionBase);
    expect(error).toBeInstanceOf(ChildProcessError);
    expect(error).not.toBeInstanceOf(WorkerPoolError);
  });

  it("keeps each family's own classes apart, and a task's own errors outside", () => {
    expect(new TaskAbortedError('render')).toBeInstanceOf(WorkerPoolError);
    expect(new TaskAbortedError('render')).not.toBeInstanceOf(WorkerCrashedError);
    expect(new TaskQueueFullError(1)).not.toBeInstanceOf(TaskAbortedError);
    expect(new CommandAbortedError(command)).not.toBeInstanceOf(RunnerClosedError);
    expect(new TypeError('bad input')).not.toBeInstanceOf(WorkerPoolError);
    expect(new PoolClosedError()).not.toBeInstanceOf(TimedOutError);
  });

  it('keeps the fields callers read: name, command details, limits', () => {
    expect(new TaskTimeoutError('render', 10)).toMatchObject({
      name: 'TaskTimeoutError',
      task: 'render',
      timeoutMs: 10,
      timedOut: true,
    });
    expect(new CommandTimedOutError(command, 10, true, 'SIGTERM')).toMatchObject({
      name: 'CommandTimedOutError',
      ...command,
      timeoutMs: 10,
      idle: true,
      signal: 'SIGTERM',
      timedOut: true,
    });
    expect(new RunnerClosedError(command)).toMatchObject({ ...command, retryAfterSeconds: 5 });
    expect(new CommandQueueFullError(3, 2)).toMatchObject({ maxQueue: 3, retryAfterSeconds: 2 });
  });
});
