import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { killTagged, SPAWN_TAG_VARIABLE } from './orphans';

const HOST = join(__dirname, 'spawn-host.ts');
const HOOK = join(__dirname, '..', 'typescript-hook.cjs');

/*
 * A service that dies right after asking a helper it has just forked for a command: the
 * helper may load after its parent is gone (re-parented already), and finds the request
 * waiting on its channel. It must start nothing, or kill what it started, and exit.
 */
const DRIVER = `
const { fork } = require('node:child_process');
const [host, hook, tag] = process.argv.slice(1);
const env = { PATH: process.env.PATH, ${SPAWN_TAG_VARIABLE}: tag };
const child = fork(host, [String(process.pid)], {
  serialization: 'advanced', execArgv: ['--require', hook], env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
});
process.stdout.write(String(child.pid));
child.send({ type: 'spawn', id: 1, file: '/bin/sleep', args: ['30'], env }, () =>
  process.kill(process.pid, 'SIGKILL'));
`;

describe('spawn host', () => {
  it.each([1, 2, 3])(
    'starts nothing that outlives a service dead before it loaded (run %d)',
    async () => {
      const tag = randomUUID();
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-e', DRIVER, HOST, HOOK, tag],
        { env: { PATH: process.env.PATH } },
      ).catch((error: { stdout: string }) => error); // the driver dies by SIGKILL
      const host = Number(stdout);
      expect(host).toBeGreaterThan(0);
      const end = Date.now() + 5_000;
      while (existsSync(`/proc/${host}`) && Date.now() < end) await delay(20);
      const hostLeft = existsSync(`/proc/${host}`);
      // Whatever still carries the mark (the host too) is killed here, and must be nothing.
      expect(await killTagged(tag)).toEqual([]);
      expect(hostLeft).toBe(false);
    },
    15_000,
  );
});
