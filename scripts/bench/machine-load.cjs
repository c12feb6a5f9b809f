'use strict';
/**
 * How loaded the machine was while a section ran: the load average before and after it (the
 * issue this answers: figures taken on a shared machine must say how shared it was), and the
 * CPU the whole machine used during the section against what the bench and its children
 * used, so that what other processes took is a figure, not a guess.
 */
const { readFileSync } = require('node:fs');
const os = require('node:os');
const { clockTicks, machineCpuSeconds } = require('./processes.cjs');

/**
 * CPU seconds of this process and of its children that have ended (utime, stime, cutime,
 * cstime of /proc/self/stat). Every section stops its children before it returns, so at its
 * end this covers the servers, their workers and threads, and the direct runners.
 */
function ownCpuWithChildren() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));

/**
 * Prints the load average as section `name` starts; `end()` prints it again with the cores
 * the machine, the bench and others used on average, flags a 1-minute load average above the
 * core count (before or after), and returns the figures.
 */
function startSectionLoad(name) {
  const cores = os.availableParallelism();
  const before = loadavg();
  const from = { at: performance.now(), machine: machineCpuSeconds(), own: ownCpuWithChildren() };
  console.log(`\n_Load average before section ${name}: ${before.join(' / ')} (1/5/15 min)._`);
  return {
    end() {
      const after = loadavg();
      const seconds = (performance.now() - from.at) / 1000;
      const machineCores = (machineCpuSeconds() - from.machine) / seconds;
      const ownCores = (ownCpuWithChildren() - from.own) / seconds;
      const othersCores = Math.max(0, machineCores - ownCores);
      const above = [before[0], after[0]].some((l) => l > cores);
      const flag = above ? `LOADED: 1-min load average above ${cores} cores` : undefined;
      console.log(
        `\n_Load average after section ${name}: ${after.join(' / ')}; over its ${seconds.toFixed(0)} s ` +
          `the machine used ${machineCores.toFixed(2)} cores, the bench and its children ` +
          `${ownCores.toFixed(2)}, other processes ${othersCores.toFixed(2)}.` +
          `${flag ? ` **${flag}.**` : ''}_`,
      );
      return { cores, before, after, seconds, machineCores, ownCores, othersCores, flag };
    },
  };
}

module.exports = { startSectionLoad };
