import { text } from 'node:stream/consumers';
import { HelperProcessSpawner } from './helper-process.spawner';
import { InProcessSpawner } from './in-process.spawner';
import type { Spawner } from './spawner';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe.each([
  ['HelperProcessSpawner', () => new HelperProcessSpawner()],
  ['InProcessSpawner', () => new InProcessSpawner()],
])('%s', (_, create: () => Spawner) => {
  let spawner: Spawner;
  beforeEach(() => (spawner = create()));
  afterEach(() => spawner.close());

  it('starts a process in its own group and wires its stdio', async () => {
    const child = await spawner.spawn({
      file: '/bin/sh',
      args: ['-c', 'cat; echo "pgid $(ps -o pgid= $$)" >&2; exit 3'], // ps pads the pgid
      env,
    });
    child.stdin.end('through stdin');
    const [stdout, stderr, exit] = await Promise.all([
      text(child.stdout),
      text(child.stderr),
      child.exited,
    ]);
    expect(stdout).toBe('through stdin');
    expect(stderr.replace(/\s+/g, ' ').trim()).toBe(`pgid ${child.pid}`);
    expect(exit).toEqual({ code: 3, signal: null });
  });

  it('passes the environment it is given, and only that', async () => {
    const child = await spawner.spawn({
      file: '/usr/bin/env',
      args: [],
      env: { ...env, ONLY: 'this' },
    });
    child.stdin.end();
    const lines = (await text(child.stdout)).trim().split('\n').sort();
    expect(lines).toEqual([`ONLY=this`, `PATH=${env.PATH}`]);
  });

  it('rejects with the system error when the executable cannot start', async () => {
    await expect(spawner.spawn({ file: '/nonexistent/tool', args: [], env })).rejects.toMatchObject(
      {
        code: 'ENOENT',
      },
    );
  });

  it('reports a process killed by a signal', async () => {
    const child = await spawner.spawn({ file: '/bin/sleep', args: ['30'], env });
    process.kill(-child.pid, 'SIGTERM');
    await expect(child.exited).resolves.toEqual({ code: null, signal: 'SIGTERM' });
  });
});
