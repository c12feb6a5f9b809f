import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Signals for a child's whole process group. Every child is spawned `detached`, so it leads
 * a group (pgid = its pid) that its own children join: signalling `-pid` reaches the
 * grandchildren a shell or a script forked, which killing the pid alone would orphan.
 */

/** How a group ended when the runner had to stop it. */
export type GroupKillOutcome =
  /** Nothing alive was left to signal. */
  | 'gone'
  /** SIGTERM was enough. */
  | 'terminated'
  /** Members got SIGKILL: they outlived the grace period, or their leader. */
  | 'killed'
  /** Members are still alive after SIGKILL (uninterruptible sleep, or not ours: EPERM). */
  | 'stuck';

/** How long to wait for SIGKILLed members to disappear before reporting them stuck. */
const KILL_WAIT_MS = 1_000;

/** Sends `signal` to the group; false when the group is gone (ESRCH). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: some member is not ours to signal (it changed uid); the group still exists.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * True while a live process is in the group. `kill(-pgid, 0)` also succeeds for zombies,
 * which are dead and only wait to be reaped: by an init that may reap slowly (every few
 * seconds in some sandboxes) or never (a container whose PID 1 is Node). On Linux the live
 * members are counted in /proc instead, so a killed group does not look alive forever.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  const members = liveGroupMembers(pgid);
  return members === undefined || members.length > 0;
}

/** Pids of the group's processes that are not zombies; undefined if /proc cannot be read. */
export function liveGroupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (Number(fields[2]) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** Polls until the group has no live member; false if it still has one after `timeoutMs`. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  // No event tells when a group empties: poll, quickly at first (most commands die at once).
  for (let interval = 5; groupAlive(pgid); interval = Math.min(interval * 2, 50)) {
    const left = end - Date.now();
    if (left <= 0) return false;
    await delay(Math.min(interval, left));
  }
  return true;
}

/** SIGTERM to the group, SIGKILL after `graceMs` if a member is still alive. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<GroupKillOutcome> {
  if (!groupAlive(pgid) || !signalGroup(pgid, 'SIGTERM')) return 'gone';
  if (await waitForGroupExit(pgid, graceMs)) return 'terminated';
  return killGroup(pgid, 'terminated');
}

/** SIGKILL to whatever is left of the group (members that outlived their leader). */
export async function killGroupLeftovers(pgid: number): Promise<GroupKillOutcome> {
  return groupAlive(pgid) ? killGroup(pgid, 'gone') : 'gone';
}

/** `ifGone`: the outcome when the group emptied between the last check and the SIGKILL. */
async function killGroup(pgid: number, ifGone: GroupKillOutcome): Promise<GroupKillOutcome> {
  if (!signalGroup(pgid, 'SIGKILL')) return ifGone;
  return (await waitForGroupExit(pgid, KILL_WAIT_MS)) ? 'killed' : 'stuck';
}
