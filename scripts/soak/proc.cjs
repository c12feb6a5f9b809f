'use strict';
/**
 * What /proc says about processes: the soak's only view of the service's process tree.
 */
const { readdirSync, readFileSync } = require('node:fs');

/**
 * `/proc/<pid>/stat` of one process: state, parent, process group, start time (clock ticks
 * since boot; with the pid, it names a process even after its pid is reused) and the
 * executable's name as the kernel keeps it (at most 15 characters).
 */
function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
    // cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime …
    const fields = stat.slice(close + 2).split(' ');
    return {
      pid: Number(pid),
      comm,
      state: fields[0],
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      start: Number(fields[19]),
    };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every process (zombies included: callers decide), from one pass over /proc. */
function listProcesses() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readStat(entry);
    if (stat) found.push(stat);
  }
  return found;
}

/** The command line of a process ([] once it is gone or a zombie). */
function readArgv(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** True while the process `pid` that started at `start` is alive and not a zombie. */
function isAlive(pid, start) {
  const stat = readStat(pid);
  return stat !== undefined && stat.start === start && stat.state !== 'Z';
}

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
function rssBytes(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The 1, 5 and 15 minute load averages. */
function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

module.exports = { isAlive, listProcesses, loadAverage, readArgv, readStat, rssBytes };
