import { spawn } from 'node:child_process';
import type { ProcessExit, SpawnedProcess, Spawner, SpawnRequest } from './spawner';

/** Spawns from this process: simplest, but each spawn blocks the event loop (see Spawner). */
export class InProcessSpawner implements Spawner {
  async spawn({ file, args, cwd, env }: SpawnRequest): Promise<SpawnedProcess> {
    const child = spawn(file, args, {
      cwd,
      env,
      shell: false,
      detached: true, // its own process group, so the whole group can be killed
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Not events.once(): it would also reject on 'error', leaving `exited` unhandled.
    const exited = new Promise<ProcessExit>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return {
      pid: child.pid!,
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exited,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
