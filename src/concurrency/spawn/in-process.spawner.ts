import { spawn } from 'node:child_process';
import type { ProcessExit, SpawnedProcess, Spawner, SpawnerStats, SpawnRequest } from './spawner';

/**
 * Spawns from this process: simplest, but spawn() forks the calling process synchronously,
 * blocking the event loop for a time that grows with the process's memory (see Spawner).
 */
export class InProcessSpawner implements Spawner {
  spawn({ file, args, cwd, env }: SpawnRequest): Promise<SpawnedProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        // setsid(): the child leads a new process group that its descendants join, so the
        // group can be signalled as one. It also keeps the terminal's Ctrl-C from reaching it.
        detached: true,
        shell: false,
      });
      // Not events.once(): it would also reject on 'error', leaving `exited` unhandled.
      const exited = new Promise<ProcessExit>((done) =>
        child.once('exit', (code, signal) => done({ code, signal })),
      );
      const onError = (error: Error) => {
        child.removeListener('spawn', onSpawn);
        for (const stream of child.stdio) stream?.destroy();
        reject(error);
      };
      const onSpawn = () => {
        child.removeListener('error', onError);
        // Past 'spawn', ChildProcess emits 'error' only for kill() and IPC, neither used here.
        child.on('error', () => undefined);
        resolve({
          pid: child.pid!,
          stdin: child.stdin,
          stdout: child.stdout,
          stderr: child.stderr,
          exited,
        });
      };
      child.once('error', onError);
      child.once('spawn', onSpawn);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  stats(): SpawnerStats {
    return { helperRestarts: 0 };
  }
}
