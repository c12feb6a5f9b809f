import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../../../test/support/wait';
import { groupAlive, killGroupLeftovers, liveGroupMembers, terminateGroup } from './process-group';

describe('process groups', () => {
  it('counts live members only: a zombie in the group is not alive', async () => {
    // The background `true` exits at once; its parent then execs sleep, which never reaps
    // it, so the group holds a live leader and a zombie.
    const child = spawn('sh', ['-c', 'true & exec sleep 1000'], {
      detached: true,
      stdio: 'ignore',
    });
    const pgid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => zombies(pgid) > 0, 'a zombie in the group');

    expect(liveGroupMembers(pgid)).toEqual([pgid]);
    expect(groupAlive(pgid)).toBe(true);
    await expect(terminateGroup(pgid, 1_000)).resolves.toBe('terminated');
    expect(groupAlive(pgid)).toBe(false);
    await expect(killGroupLeftovers(pgid)).resolves.toBe('gone');
    await exited;
  });
});

function zombies(pgid: number): number {
  return readdirSync('/proc').filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return state === 'Z' && Number(pgrp) === pgid;
    } catch {
      return false;
    }
  }).length;
}
