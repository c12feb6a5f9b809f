'use strict';
/**
 * `/health` on the probe port against /proc: every worker the probe lists must be a live
 * worker process, every live worker process must be listed, a stopped one must not be
 * reported up, and the primary's pid must match (see judge() for how long a difference may
 * last). The samples also say how many workers are ready, for the replacement invariant.
 */
const { getJson } = require('./service.cjs');

class HealthCheck {
  constructor(monitor) {
    this.monitor = monitor;
    this.samples = 0;
    this.skipped = 0;
    this.violations = []; // { at, detail }
    this.open = new Map(); // discrepancy → { since, flagged }
    this.outages = []; // { from, to } while fewer than the planned workers were ready
    this.outage = undefined;
    this.readyWorkers = new Set(); // pids /health reported ready and ps running
  }

  /** `/health` on the probe port against /proc, taken just before and just after it. */
  async sample() {
    if (!this.monitor.service.running) return;
    const from = this.monitor.now();
    if (
      this.monitor.stoppedMs(from, from, 'primary') > 0 ||
      this.monitor.stops.some((s) => s.target === 'primary' && !s.to)
    ) {
      this.skipped += 1;
      return;
    }
    const before = this.monitor.liveWorkers();
    const answer = await getJson(this.monitor.healthPort, '/health', 3000);
    this.monitor.scan();
    const after = this.monitor.liveWorkers();
    const now = this.monitor.now();
    if (!this.monitor.service.running) return;
    if (this.monitor.stoppedMs(from, now, 'primary') > 0) {
      this.skipped += 1;
      return;
    }
    this.samples += 1;
    const found = new Map(); // discrepancy key → text
    if (!answer.json?.details) {
      found.set(
        'probe',
        `the probe port did not answer /health within 3 s (${answer.error ?? answer.status})`,
      );
    } else {
      const details = answer.json.details;
      const listed = new Map();
      for (const [name, detail] of Object.entries(details)) {
        if (name.startsWith('worker-') && Number.isInteger(detail?.pid))
          listed.set(detail.pid, detail);
      }
      if (details.cluster?.primaryPid !== this.monitor.service.pid) {
        found.set(
          'primary',
          `cluster.primaryPid ${details.cluster?.primaryPid}, ps: ${this.monitor.service.pid}`,
        );
      }
      for (const [pid, detail] of listed) {
        if (!before.has(pid) && !after.has(pid)) {
          found.set(
            `dead:${pid}`,
            `/health lists worker ${pid} (${detail.state}, ${detail.status}); ps: no such worker`,
          );
        } else if (detail.status === 'up' && before.get(pid) === 'T' && after.get(pid) === 'T') {
          found.set(`stopped:${pid}`, `/health says worker ${pid} is up; ps: it is stopped (T)`);
        }
      }
      for (const pid of before.keys()) {
        if (after.has(pid) && !listed.has(pid)) {
          found.set(`unlisted:${pid}`, `ps: worker ${pid} is running; /health does not list it`);
        }
      }
      this.readyWorkers = new Set(
        [...listed]
          .filter(([pid, d]) => d.state === 'ready' && after.has(pid) && after.get(pid) !== 'T')
          .map(([pid]) => pid),
      );
      this.trackOutage(now);
    }
    this.judge(found, now);
  }

  /**
   * A worker /health still lists after its exit, or still calls up while stopped, is
   * explained by exits and heartbeats taking time: it may last `healthToleranceMs`. A live
   * worker missing from /health is explained by nothing (the primary lists a worker from
   * its fork to its exit): it may show in one sample, not in two in a row. A probe port that
   * does not answer breaks it at once.
   */
  judge(found, now) {
    const { open, violations } = this;
    for (const k of open.keys()) if (!found.has(k)) open.delete(k);
    for (const [k, text] of found) {
      const entry = open.get(k) ?? { since: now, samples: 0, flagged: false };
      open.set(k, entry);
      entry.samples += 1;
      const lasted = now - entry.since - this.monitor.stoppedMs(entry.since, now, 'primary');
      const broken =
        k === 'probe' ||
        (k.startsWith('unlisted:') && entry.samples >= 2) ||
        lasted >= this.monitor.limits.healthToleranceMs;
      if (!entry.flagged && broken) {
        entry.flagged = true;
        violations.push({
          at: now,
          detail:
            k === 'probe' ? text : `${text} (${entry.samples} samples, ${Math.round(lasted)} ms)`,
        });
      }
    }
  }

  trackOutage(now) {
    const short = this.readyWorkers.size < this.monitor.limits.workers;
    if (short && !this.outage) this.outage = { from: now };
    if (!short && this.outage) {
      this.outage.to = now;
      this.outages.push(this.outage);
      this.outage = undefined;
    }
  }
}

module.exports = { HealthCheck };
