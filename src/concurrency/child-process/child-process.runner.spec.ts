import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { SPAWN_TAG_VARIABLE } from '../spawn/orphans';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ChildProcessHealthIndicator,
  ChildProcessModule,
  type ChildProcessModuleOptions,
  ChildProcessRunner,
  CommandAbortedError,
  CommandFailedError,
  CommandOutputTooLargeError,
  CommandQueueFullError,
  CommandSpawnError,
  CommandTimedOutError,
  ExecutableNotAllowedError,
  ExecutableNotFoundError,
  InvalidCommandError,
  type RunCommandOptions,
  RunnerClosedError,
} from './index';

const fixture = (name: string) => join(__dirname, '../../../test/fixtures/child', name);
const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Live processes of process group `pgid`, read from /proc. Not `process.kill(-pgid, 0)`:
 * that also finds zombies, which are dead and only wait for init to reap them (here it
 * reaps every couple of seconds).
 */
function survivors(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === pgid && state !== 'Z' && state !== 'X' ? [Number(pid)] : [];
      } catch {
        return []; // exited while we looked
      }
    });
}

/** Resolves with the first line of `stream`, then leaves it paused. */
function firstLine(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end < 0) return;
      stream.off('data', onData).off('error', reject).pause();
      resolve(text.slice(0, end));
    };
    stream.on('data', onData).once('error', reject);
  });
}

describe('ChildProcessRunner', () => {
  let moduleRef: TestingModule | undefined;
  const inputs: PassThrough[] = [];

  async function createRunner(options: ChildProcessModuleOptions = {}) {
    moduleRef = await Test.createTestingModule({
      imports: [ChildProcessModule.forRoot(options)],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(ChildProcessRunner);
  }

  /** `cat` fed from a stream the test ends when it chooses: a command held without sleeping. */
  function holdCommand(runner: ChildProcessRunner, options: RunCommandOptions = {}) {
    const input = new PassThrough();
    inputs.push(input);
    return { input, result: runner.run('cat', [], { ...options, input }) };
  }

  /** Starts a fixture that forks a grandchild, and waits until both run. */
  async function startHanging(
    runner: ChildProcessRunner,
    script: 'hang.sh' | 'ignore-term.sh',
    options: RunCommandOptions = {},
  ) {
    const command = await runner.stream('sh', [fixture(script)], options);
    await expect(firstLine(command.stdout)).resolves.toBe('ready');
    expect(survivors(command.pid)).toHaveLength(2); // the shell and its grandchild
    return command;
  }

  afterEach(async () => {
    inputs.splice(0).forEach((input) => input.end());
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('runs a command and resolves to its exit code, output and duration', async () => {
    const runner = await createRunner();
    const result = await runner.run('printf', ['%s-%s', 'a', 'b']);
    expect(result).toEqual({
      exitCode: 0,
      stdout: Buffer.from('a-b'),
      stderr: Buffer.alloc(0),
      durationMs: expect.any(Number) as number,
    });
    expect(runner.stats()).toMatchObject({ completed: 1, failed: 0, killed: 0, running: [] });
  });

  it('feeds stdin from a Buffer, a string or a stream', async () => {
    const runner = await createRunner();
    const echo = async (input: RunCommandOptions['input']) =>
      (await runner.run('cat', [], { input })).stdout.toString();
    await expect(echo(Buffer.from('bytes'))).resolves.toBe('bytes');
    await expect(echo('héllo')).resolves.toBe('héllo');
    await expect(echo(Readable.from([Buffer.from('str'), Buffer.from('eam')]))).resolves.toBe(
      'stream',
    );
    await expect(echo(undefined)).resolves.toBe(''); // stdin closed at once: cat ends
  });

  it('does not fail when the command exits without reading all of its input', async () => {
    const runner = await createRunner();
    const big = await runner.run('head', ['-c1'], { input: Buffer.alloc(4 * MiB, 'x') });
    expect(big.stdout.toString()).toBe('x');
    function* endless() {
      for (;;) yield Buffer.alloc(64 * KiB, 'y');
    }
    const streamed = await runner.run('head', ['-c1'], { input: Readable.from(endless()) });
    expect(streamed.stdout.toString()).toBe('y');
  });

  it('passes arguments literally, never through a shell', async () => {
    const runner = await createRunner();
    const marker = join(tmpdir(), `child-process-spec-${process.pid}`);
    const arg = `$(touch ${marker}); \`touch ${marker}\` && echo $HOME > ${marker} | cat *`;
    const { stdout } = await runner.run('printf', ['%s', arg]);
    expect(stdout.toString()).toBe(arg);
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the child only the allowlisted environment plus what the caller adds', async () => {
    const runner = await createRunner();
    process.env.CHILD_PROCESS_SPEC_SECRET = 'hunter2';
    try {
      const { stdout } = await runner.run('env', [], { env: { EXTRA: 'yes' } });
      const env = Object.fromEntries(
        stdout
          .toString()
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s, 2)),
      ) as Record<string, string>;
      expect(env).toMatchObject({ PATH: process.env.PATH, EXTRA: 'yes' });
      expect(env.LANG).toBe(process.env.LANG);
      // The spawn helper's mark (src/concurrency/spawn/orphans.ts) aside.
      delete env[SPAWN_TAG_VARIABLE];
      expect(Object.keys(env).sort()).toEqual(
        ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'EXTRA']
          .filter((key) => key === 'EXTRA' || process.env[key] !== undefined)
          .sort(),
      );
      expect(stdout.toString()).not.toContain('hunter2');
    } finally {
      delete process.env.CHILD_PROCESS_SPEC_SECRET;
    }
  });

  it('rejects a non-zero exit with CommandFailedError, exit code and a short stderr tail', async () => {
    const runner = await createRunner();
    const error = await runner.run('sh', [fixture('fail.sh'), '3']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({
      executable: 'sh',
      args: [fixture('fail.sh'), '3'],
      exitCode: 3,
      signal: null,
      pid: expect.any(Number) as number,
      durationMs: expect.any(Number) as number,
      message: 'Command sh exited with code 3',
    });
    const { stderrTail } = error as CommandFailedError;
    expect(Buffer.byteLength(stderrTail)).toBeLessThanOrEqual(1024);
    expect(stderrTail).toMatch(/^x+\nlast line: fatal\n$/);
    expect(runner.stats()).toMatchObject({ failed: 1, completed: 0 });
  });

  it('reports a command killed by a signal it did not get from the runner', async () => {
    const runner = await createRunner();
    const error = await runner.run('sh', ['-c', 'kill -KILL $$']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(runner.stats()).toMatchObject({ failed: 1, killed: 0 });
  });

  describe('process groups', () => {
    it('kills the whole group at the deadline, grandchildren included', async () => {
      const runner = await createRunner();
      const error = await runner
        .run('sh', ['-c', 'sleep 1000 & sleep 1000'], { timeoutMs: 200 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandTimedOutError);
      expect(error).toMatchObject({ timedOut: true, idle: false, timeoutMs: 200 });
      expect(survivors((error as CommandTimedOutError).pid!)).toEqual([]);
      expect(runner.stats()).toMatchObject({ timedOut: 1, killed: 1, running: [] });
    });

    it('fails a streamed command at the deadline: result and stdout get the same error', async () => {
      const runner = await createRunner();
      // Long enough for the group to be seen whole after its 'ready' line on a loaded machine.
      const command = await startHanging(runner, 'hang.sh', { timeoutMs: 2_000 });
      const stdoutError = new Promise((resolve) => command.stdout.once('error', resolve));
      const error = await command.result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandTimedOutError);
      expect(error).toMatchObject({ pid: command.pid, signal: 'SIGTERM' });
      await expect(stdoutError).resolves.toBe(error);
      expect(survivors(command.pid)).toEqual([]);
    });

    it('SIGKILLs a group that ignores SIGTERM once killGraceMs has passed', async () => {
      const runner = await createRunner({ killGraceMs: 300 });
      const startedAt = performance.now();
      const command = await startHanging(runner, 'ignore-term.sh', { timeoutMs: 300 });
      const error = await command.result.catch((e: unknown) => e);
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(600);
      expect(error).toBeInstanceOf(CommandTimedOutError);
      expect(error).toMatchObject({ signal: 'SIGKILL' });
      expect((error as CommandTimedOutError).durationMs).toBeGreaterThanOrEqual(300);
      expect(survivors(command.pid)).toEqual([]);
      expect(runner.stats().killed).toBe(1);
    });

    it('kills what a successful command left running in the background', async () => {
      const runner = await createRunner();
      const { exitCode, stdout } = await runner.run('sh', [fixture('background.sh')]);
      expect(exitCode).toBe(0);
      expect(survivors(Number(stdout.toString()))).toEqual([]);
      expect(runner.stats()).toMatchObject({ completed: 1, killed: 1 });
    });

    it.each(['exit', 'hang'])(
      'ends at the deadline when a daemon that left the group holds the pipes (leader: %s)',
      async (leader) => {
        const runner = await createRunner();
        // Long enough for the daemon to report its pid on a loaded machine.
        const command = await runner.stream('sh', [fixture('escape.sh'), leader], {
          timeoutMs: 1_000,
        });
        const daemon = Number(await firstLine(command.stdout));
        try {
          // setsid took it out of the group and of reach of the group kill; the run still ends.
          await expect(command.result).rejects.toBeInstanceOf(CommandTimedOutError);
          expect(survivors(command.pid)).toEqual([]);
        } finally {
          process.kill(daemon, 'SIGKILL');
        }
      },
    );
  });

  describe('cancellation', () => {
    it('kills the group of a running command whose signal aborts, holding its slot until then', async () => {
      const runner = await createRunner({ maxConcurrency: 1, killGraceMs: 300 });
      const controller = new AbortController();
      const command = await startHanging(runner, 'ignore-term.sh', { signal: controller.signal });
      const next = runner.run('printf', ['next']);
      const reason = new Error('client went away');
      controller.abort(reason);
      // SIGTERM is ignored: the group lives on for killGraceMs, and so does its slot.
      expect(runner.stats()).toMatchObject({ running: [{ pid: command.pid }], queued: 1 });

      const error = await command.result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandAbortedError);
      expect((error as CommandAbortedError).cause).toBe(reason);
      expect(survivors(command.pid)).toEqual([]);
      await expect(next).resolves.toMatchObject({ stdout: Buffer.from('next') });
      expect(runner.stats()).toMatchObject({ aborted: 1, killed: 1, completed: 1 });
    });

    it('removes a queued command whose signal aborts', async () => {
      const runner = await createRunner({ maxConcurrency: 1 });
      const held = holdCommand(runner);
      const controller = new AbortController();
      const queued = runner.run('printf', ['never'], { signal: controller.signal });
      expect(runner.stats().queued).toBe(1);

      controller.abort();
      const error = await queued.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandAbortedError);
      expect(error).toMatchObject({ executable: 'printf', pid: undefined });
      expect(runner.stats()).toMatchObject({ queued: 0, aborted: 1 });
      held.input.end('done');
      await expect(held.result).resolves.toMatchObject({ stdout: Buffer.from('done') });
    });

    it('refuses a command whose signal is already aborted', async () => {
      const runner = await createRunner();
      await expect(
        runner.run('printf', ['never'], { signal: AbortSignal.abort() }),
      ).rejects.toBeInstanceOf(CommandAbortedError);
      expect(runner.stats().runTime.count).toBe(0); // never spawned
    });

    it('aborts a streamed command whose consumer destroys stdout', async () => {
      const runner = await createRunner();
      const command = await startHanging(runner, 'hang.sh');
      command.stdout.destroy();
      await expect(command.result).rejects.toBeInstanceOf(CommandAbortedError);
      expect(survivors(command.pid)).toEqual([]);
    });
  });

  describe('output', () => {
    it('kills a command whose stdout passes maxOutputBytes', async () => {
      const runner = await createRunner();
      const error = await runner
        .run('yes', [], { maxOutputBytes: 64 * KiB })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandOutputTooLargeError);
      expect(error).toMatchObject({ maxOutputBytes: 64 * KiB, executable: 'yes' });
      expect(survivors((error as CommandOutputTooLargeError).pid!)).toEqual([]);
      expect(runner.stats()).toMatchObject({ failed: 1, killed: 1 });
    });

    it('accepts output of exactly maxOutputBytes', async () => {
      const runner = await createRunner({ maxOutputBytes: 1000 });
      const { stdout } = await runner.run('head', ['-c', '1000', '/dev/zero']);
      expect(stdout).toHaveLength(1000);
    });

    it('counts streamed output as it is read and fails the stream past the cap', async () => {
      const runner = await createRunner();
      const command = await runner.stream('yes', [], { maxOutputBytes: 256 * KiB });
      let received = 0;
      const streamError = await (async () => {
        for await (const chunk of command.stdout) received += (chunk as Buffer).length;
      })().catch((e: unknown) => e);
      expect(streamError).toBeInstanceOf(CommandOutputTooLargeError);
      await expect(command.result).rejects.toBe(streamError);
      expect(received).toBeLessThanOrEqual(256 * KiB);
    });

    it('streams a large output with backpressure instead of buffering it', async () => {
      const runner = await createRunner();
      const size = 8 * MiB;
      const command = await runner.stream('head', ['-c', String(size), '/dev/zero'], {
        maxOutputBytes: size,
      });
      let received = 0;
      let peakBuffered = 0;
      const slowSink = new Writable({
        highWaterMark: 64 * KiB,
        write(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          peakBuffered = Math.max(peakBuffered, command.stdout.readableLength);
          setImmediate(callback);
        },
      });
      await pipeline(command.stdout, slowSink);
      await expect(command.result).resolves.toMatchObject({ exitCode: 0 });
      expect(received).toBe(size);
      expect(peakBuffered).toBeLessThanOrEqual(128 * KiB);
    });

    it('errors the stdout of a command that fails after writing, rather than ending it', async () => {
      const runner = await createRunner();
      const command = await runner.stream('sh', [fixture('fail.sh'), '2']);
      let text = '';
      const streamError = await (async () => {
        for await (const chunk of command.stdout) text += String(chunk);
      })().catch((e: unknown) => e);
      expect(text).toBe('partial output\n');
      expect(streamError).toBeInstanceOf(CommandFailedError);
      await expect(command.result).rejects.toBe(streamError);
    });

    it('keeps only a tail of stderr', async () => {
      const runner = await createRunner({ maxStderrBytes: 100 });
      const { stderr } = await runner.run('sh', ['-c', 'head -c 5000 /dev/zero >&2; echo end >&2']);
      expect(stderr).toHaveLength(100);
      expect(stderr.toString()).toMatch(/\0end\n$/);
    });
  });

  describe('idle timeout', () => {
    it('kills a command that stays silent for idleTimeoutMs', async () => {
      const runner = await createRunner({ idleTimeoutMs: 200 });
      const error = await runner.run('sh', [fixture('hang.sh')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandTimedOutError);
      expect(error).toMatchObject({ idle: true, timeoutMs: 200, timedOut: true });
      expect(survivors((error as CommandTimedOutError).pid!)).toEqual([]);
    });

    it('lets a command that keeps writing run longer than idleTimeoutMs', async () => {
      const runner = await createRunner();
      const { stdout, durationMs } = await runner.run('sh', [fixture('ticks.sh'), '10'], {
        idleTimeoutMs: 300,
      });
      expect(stdout.toString()).toContain('tick 9');
      expect(durationMs).toBeGreaterThan(300);
    });
  });

  describe('executables', () => {
    it('rejects an executable that cannot be found', async () => {
      const runner = await createRunner();
      const error = await runner.run('no-such-command-for-spec', []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutableNotFoundError);
      expect(error).toMatchObject({ executable: 'no-such-command-for-spec' });
      await expect(runner.run('/no/such/file', [])).rejects.toBeInstanceOf(ExecutableNotFoundError);
      await expect(runner.run('./relative', [])).rejects.toBeInstanceOf(ExecutableNotFoundError);
    });

    it('refuses executables outside the allowlist, by name or by resolved path', async () => {
      const runner = await createRunner({ allowedExecutables: ['printf', '/bin/sh'] });
      await expect(runner.run('cat', [])).rejects.toBeInstanceOf(ExecutableNotAllowedError);
      await expect(runner.run('no-such-command-for-spec', [])).rejects.toBeInstanceOf(
        ExecutableNotAllowedError,
      );
      await expect(runner.run('printf', ['ok'])).resolves.toMatchObject({ exitCode: 0 });
      // The same files under other names: the path of an allowed name, and sh found on PATH.
      await expect(runner.run(runner.resolveExecutable('printf'), ['ok'])).resolves.toMatchObject({
        exitCode: 0,
      });
      await expect(runner.run('sh', ['-c', 'exit 0'])).resolves.toMatchObject({ exitCode: 0 });
    });

    it('rejects arguments that are not NUL-free strings', async () => {
      const runner = await createRunner();
      await expect(runner.run('printf', ['a\0b'])).rejects.toBeInstanceOf(InvalidCommandError);
      await expect(runner.run('printf', [42 as unknown as string])).rejects.toBeInstanceOf(
        InvalidCommandError,
      );
    });

    it('wraps a spawn failure in CommandSpawnError and frees the slot', async () => {
      const runner = await createRunner({ maxConcurrency: 1 });
      const error = await runner.run('true', [], { cwd: '/no/such/dir' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandSpawnError);
      expect(error).toMatchObject({ code: 'ENOENT', cause: { code: 'ENOENT' } });
      await expect(runner.run('true', [])).resolves.toMatchObject({ exitCode: 0 });
      expect(runner.stats()).toMatchObject({ failed: 1, completed: 1 });
    });
  });

  describe('admission', () => {
    it('rejects at once with CommandQueueFullError when the queue is at its limit', async () => {
      const runner = await createRunner({ maxConcurrency: 1, maxQueue: 1, retryAfterSeconds: 2 });
      const held = holdCommand(runner);
      const queued = runner.run('printf', ['queued']);

      const error = await runner.run('true', []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandQueueFullError);
      expect(error).toMatchObject({ maxQueue: 1, retryAfterSeconds: 2 });
      expect(() => runner.assertAvailable()).toThrow(CommandQueueFullError);
      expect(runner.stats()).toMatchObject({ queued: 1, rejected: 2 });

      held.input.end();
      await held.result;
      await expect(queued).resolves.toMatchObject({ stdout: Buffer.from('queued') });
    });

    it('serves queued commands in submission order', async () => {
      const runner = await createRunner({ maxConcurrency: 1, maxQueue: 20 });
      const held = holdCommand(runner);
      const order: string[] = [];
      const rest = Array.from({ length: 10 }, (_, i) =>
        runner.run('printf', [String(i)]).then(({ stdout }) => order.push(stdout.toString())),
      );
      held.input.end();
      await Promise.all([held.result, ...rest]);
      expect(order).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    });

    it('reports running processes, the queue and counters in its stats and health', async () => {
      const runner = await createRunner({ maxConcurrency: 1, maxQueue: 1 });
      const health = new ChildProcessHealthIndicator(runner, new HealthIndicatorService());
      const input = new PassThrough();
      inputs.push(input);
      const held = await runner.stream('cat', [], { input });
      held.stdout.resume();
      const queued = runner.run('true', []);
      const stats = runner.stats();
      expect(stats.running).toEqual([
        { pid: held.pid, executable: 'cat', ageMs: expect.any(Number) as number },
      ]);
      expect(stats).toMatchObject({ queued: 1, maxConcurrency: 1, maxQueue: 1 });
      expect(health.check()).toEqual({
        childProcess: {
          status: 'down',
          reason: 'queue full',
          running: 1,
          queued: 1,
          maxConcurrency: 1,
          maxQueue: 1,
          timedOut: 0,
          killed: 0,
          // The spawn helper that started `cat` is alive and answering.
          spawnHelper: {
            helperPid: expect.any(Number) as number,
            helperRestarts: 0,
            helperSilentMs: expect.any(Number) as number,
          },
          processes: [{ pid: held.pid, executable: 'cat', ageMs: expect.any(Number) as number }],
        },
      });

      input.end();
      await Promise.all([held.result, queued]);
      expect(runner.stats()).toMatchObject({ running: [], queued: 0, completed: 2 });
      expect(runner.stats().runTime.count).toBe(2);
      expect(runner.stats().waitTime.count).toBe(2);
      expect(health.check().childProcess.status).toBe('up');
    });
  });

  describe('shutdown', () => {
    it('refuses new commands and waits for running ones to finish', async () => {
      const runner = await createRunner({ shutdownTimeoutMs: 5_000 });
      const held = holdCommand(runner);
      runner.beforeApplicationShutdown(); // what app.close() calls first
      const refused = await runner.run('true', []).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RunnerClosedError);
      expect(refused).toMatchObject({ retryAfterSeconds: 5 });
      expect(runner.isReady()).toBe(false);

      let closed = false;
      const closing = moduleRef!.close().then(() => (closed = true));
      moduleRef = undefined;
      await delay(50);
      expect(closed).toBe(false); // still waiting for cat
      held.input.end('bye');
      await closing;
      await expect(held.result).resolves.toMatchObject({ stdout: Buffer.from('bye') });
    });

    it('kills running and rejects queued commands at the deadline; no child survives', async () => {
      const runner = await createRunner({
        maxConcurrency: 1,
        shutdownTimeoutMs: 200,
        killGraceMs: 200,
      });
      const running = await startHanging(runner, 'ignore-term.sh');
      const queued = runner.run('printf', ['never']);
      const outcomes = [running.result, queued].map((p) =>
        expect(p).rejects.toBeInstanceOf(RunnerClosedError),
      );

      await moduleRef!.close();
      moduleRef = undefined;
      // close() resolved only once every child and its group were gone.
      expect(survivors(running.pid)).toEqual([]);
      await Promise.all(outcomes);
      expect(runner.stats()).toMatchObject({ running: [], queued: 0, aborted: 2, killed: 1 });
    });
  });
});
