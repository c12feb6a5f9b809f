import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';
import { HelperProcessSpawner } from './helper-process.spawner';
import { InProcessSpawner } from './in-process.spawner';
import { killTagged, SPAWN_TAG_VARIABLE } from './orphans';
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

  it('passes the environment it is given, and only that (with the helper mark)', async () => {
    const child = await spawner.spawn({
      file: '/usr/bin/env',
      args: [],
      env: { ...env, ONLY: 'this' },
    });
    child.stdin.end();
    const lines = (await text(child.stdout)).trim().split('\n').sort();
    const mark = lines.filter((line) => line.startsWith(`${SPAWN_TAG_VARIABLE}=`));
    expect(mark).toHaveLength(spawner instanceof HelperProcessSpawner ? 1 : 0);
    expect(lines.filter((line) => !mark.includes(line))).toEqual([`ONLY=this`, `PATH=${env.PATH}`]);
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

describe('HelperProcessSpawner, its helper killed while starting commands', () => {
  it('leaves no command running, reported or not', async () => {
    const spawner = new HelperProcessSpawner();
    const started: number[] = [];
    // A burst of spawns, and the helper SIGKILLed as soon as the first is reported: the
    // others are started or being started, their pids not yet known here.
    const spawns = Array.from({ length: 30 }, () =>
      spawner.spawn({ file: '/bin/sleep', args: ['30'], env }).then(
        (child) => started.push(child.pid),
        () => undefined,
      ),
    );
    await Promise.race(spawns);
    const helper = spawner.stats().helperPid!;
    const tag = await readTag(helper);
    process.kill(helper, 'SIGKILL');
    await Promise.all(spawns);
    await delay(300);
    // Whatever still carries the helper's mark is a command left behind.
    expect(await killTagged(tag)).toEqual([]);
    expect(started.length).toBeGreaterThan(0);
    await spawner.close();
  });
});

async function readTag(pid: number): Promise<string> {
  const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
  const mark = environ.split('\0').find((entry) => entry.startsWith(`${SPAWN_TAG_VARIABLE}=`));
  return mark!.slice(SPAWN_TAG_VARIABLE.length + 1);
}
