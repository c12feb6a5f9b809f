'use strict';
/**
 * The invariants, judged from what the clients, the chaos loop and the monitor recorded.
 *
 * Attribution: a request is "on" the app worker its session's probe named (traffic.cjs).
 * A worker is "hit" at time t if the chaos loop sent it SIGKILL before t, or sent it SIGSTOP
 * before t and it then died (the heartbeat watchdog killed it). Requests whose worker is
 * unknown (session probes, a socket that changed) may only fail while some worker was hit.
 */
const { readFileSync } = require('node:fs');
const { fmtS } = require('./monitor.cjs');

const INVARIANTS = {
  answered: 'every request answered',
  documented: 'answers as documented',
  deadline: 'no answer after deadline + grace',
  leftovers: 'no command outlives its request',
  rss: 'primary RSS flat',
  health: '/health consistent with ps',
  replaced: 'every killed worker replaced',
  primary: 'primary up; clean exit on SIGTERM',
  log: 'the service writes JSON lines only',
};

/** How long before a request a spawn helper's death may still explain its runner fault. */
const HELPER_NOTICE_MS = 1000;

/** How early a 504 may come, as measured by the client (timers are not exact). */
const EARLY_504_MS = 100;

class Judge {
  /**
   * @param ctx.events chaos events; ctx.monitor the Monitor; ctx.graceMs the deadline grace
   */
  constructor({ events, monitor, graceMs }) {
    this.events = events;
    this.monitor = monitor;
    this.graceMs = graceMs;
  }

  died(pid) {
    return this.monitor.workers.get(pid)?.diedAt;
  }

  /**
   * When the worker stopped by `event` died, if it died while stopped: before the chaos
   * loop woke it, or just after (the watchdog's kill racing the SIGCONT; the monitor
   * notices a death within its 250 ms scan).
   */
  diedWhileStopped(event) {
    const died = this.died(event.pid);
    return died !== undefined && died <= event.to + 1000 ? died : undefined;
  }

  /** The chaos event that hit worker `pid` before `t`, if any. */
  workerHit(pid, t) {
    return this.events.find(
      (e) =>
        e.pid === pid &&
        e.at <= t &&
        e.sent &&
        (e.kind === 'worker-kill' ||
          (e.kind === 'worker-stop' && this.diedWhileStopped(e) !== undefined)),
    );
  }

  /**
   * A chaos event that hit some worker while a request on a new connection could have been
   * handed to it: from the kill or stop until the primary reaped the worker (the monitor
   * sees that within a scan, 250 ms), overlapping the request's [from, to].
   */
  anyWorkerHit(from, to) {
    return this.events.find((e) => {
      if (!e.sent || e.at > to) return false;
      let died;
      if (e.kind === 'worker-kill') died = this.died(e.pid) ?? to;
      else if (e.kind === 'worker-stop') died = this.diedWhileStopped(e);
      if (died === undefined) return false;
      const reaped = this.monitor.workers.get(e.pid)?.reapedAt ?? died;
      return reaped + 250 >= from;
    });
  }

  /**
   * A kill or stop of the spawn helper of worker `pid` while the request ran, or just
   * before it came (HELPER_NOTICE_MS: the worker may not have seen the exit yet).
   */
  helperHit(pid, from, to) {
    return this.events.find(
      (e) =>
        (e.kind === 'helper-kill' || e.kind === 'helper-stop') &&
        e.workerPid === pid &&
        e.at >= from - HELPER_NOTICE_MS &&
        e.at <= to,
    );
  }

  /**
   * Judges one request: its outcome (a column of the table) and the invariants it broke,
   * as [invariant, text] pairs.
   */
  judge(record) {
    const broken = [];
    const { sentAt: from, endedAt: to } = record;
    const elapsed = to - from;
    const attributed =
      !record.probe && record.socketMatched !== false && record.workerPid !== undefined;
    const where = attributed ? `on worker ${record.workerPid}` : 'on a new connection';
    const frozen = this.monitor.stoppedMs(from, to, attributed ? record.workerPid : undefined);
    const limit = record.deadlineMs + this.graceMs + frozen;
    const helper =
      record.command && attributed ? this.helperHit(record.workerPid, from, to) : undefined;
    const helperText = helper
      ? `; its spawn helper ${helper.pid} got ${helper.kind} at ${fmtS(helper.at)}`
      : '';
    const say = (text) => `#${record.seq} ${record.kind} ${where}, sent ${fmtS(from)}: ${text}`;
    let outcome;

    if (record.clientAborted) {
      outcome = 'client left';
    } else if (record.status === undefined) {
      const hit = attributed ? this.workerHit(record.workerPid, to) : this.anyWorkerHit(from, to);
      if (hit && record.error !== 'no answer') {
        outcome = 'conn error (chaos)';
      } else if (hit && !attributed) {
        // README, "Known limit of Node's round-robin scheduling": a connection handed to a
        // worker that is killed before it takes it waits in the primary.
        outcome = 'lost at handover';
      } else {
        outcome = 'BROKEN';
        const died = attributed ? this.died(record.workerPid) : undefined;
        const why = !attributed
          ? '; no worker was killed or stopped (and not yet reaped by the primary) meanwhile'
          : `; the chaos loop had not killed or stopped worker ${record.workerPid}` +
            (died === undefined ? '' : ` (it exited at ${fmtS(died)}: see the service log)`);
        broken.push([
          'answered',
          say(`${record.error} after ${Math.round(elapsed)} ms${why}${helperText}`),
        ]);
      }
    } else {
      const status = record.status;
      const early504 = status === 504 && elapsed < record.deadlineMs - EARLY_504_MS;
      if (status === record.expectStatus && !early504 && !record.problem) {
        outcome = 'ok';
      } else if (status === record.expectStatus && !early504) {
        outcome = 'BROKEN';
        broken.push([
          'documented',
          say(`${status} after ${Math.round(elapsed)} ms: ${record.problem}${helperText}`),
        ]);
      } else if ((status === 500 || status === 503) && helper && record.errorBody) {
        outcome = 'runner fault';
      } else if (status === 503 && record.retryAfter !== undefined && record.errorBody) {
        outcome = '503';
      } else if (status === 504 && !early504 && record.errorBody) {
        outcome = '504';
      } else {
        outcome = 'BROKEN';
        const detail = early504
          ? `504 after ${Math.round(elapsed)} ms, before its deadline of ${record.deadlineMs} ms`
          : `${status} ${JSON.stringify(record.excerpt ?? '')}${record.errorBody ? '' : ' (not the documented error body)'}`;
        broken.push(['documented', say(`${detail}${helperText}`)]);
      }
      if (elapsed > limit) {
        broken.push([
          'deadline',
          say(
            `answered ${status} after ${Math.round(elapsed)} ms; deadline ${record.deadlineMs} ms + grace ` +
              `${this.graceMs} ms${frozen > 0 ? ` + ${Math.round(frozen)} ms its worker was stopped` : ''}`,
          ),
        ]);
      }
    }
    return { outcome, broken };
  }
}

/**
 * Primary RSS: after a warm-up (the longer of 15 s and a tenth of the run), the median of
 * the last 15 s of samples may exceed the median of the first 15 s by at most the larger of
 * 8 MiB and 10 %.
 */
function judgeRss(samples, runMs) {
  const warmup = Math.max(15_000, runMs / 10);
  const after = samples.filter((s) => s.at >= samples[0]?.at + warmup);
  if (after.length < 10)
    return { ok: true, text: `too few samples after the warm-up (${after.length})` };
  const median = (list) => {
    const sorted = list.map((s) => s.bytes).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const first = after.filter((s) => s.at <= after[0].at + 15_000);
  const last = after.filter((s) => s.at >= after[after.length - 1].at - 15_000);
  const baseline = median(first);
  const final = median(last);
  const peak = Math.max(...after.map((s) => s.bytes));
  const allowed = Math.max(8 * 2 ** 20, baseline * 0.1);
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  // Not part of the rule: how fast it still grew in the second half (warm-up or leak?).
  const half = after.filter((x) => x.at >= (after[0].at + after[after.length - 1].at) / 2);
  const text =
    `${mib(baseline)} → ${mib(final)} MiB (${final >= baseline ? '+' : ''}${mib(final - baseline)}; ` +
    `allowed +${mib(allowed)}), peak ${mib(peak)} MiB, second half ${slope(half)} MiB/min`;
  return { ok: final - baseline <= allowed, text };
}

/**
 * Judges the run: every request, the monitor's findings, the primary's RSS and its end.
 * `end` is { primaryDied, exit, shutdownMs }. Returns the judge, each request with its
 * outcome, the outages, and per invariant { ok, count, examples, note }.
 */
function evaluate({ ledger, chaos, monitor, limits, graceMs, runMs, trafficEnded, end, logFile }) {
  const results = Object.fromEntries(
    Object.keys(INVARIANTS).map((id) => [id, { ok: true, count: 0, examples: [] }]),
  );
  const violate = (id, text) => {
    results[id].ok = false;
    results[id].count += 1;
    if (results[id].examples.length < 50) results[id].examples.push(text);
  };

  const judge = new Judge({ events: chaos.events, monitor, graceMs });
  const judged = ledger.records.map((record) => ({ record, ...judge.judge(record) }));
  for (const item of judged) for (const [id, text] of item.broken) violate(id, text);
  const count = (outcome) => judged.filter((i) => i.outcome === outcome).length;
  results.answered.note =
    `${judged.length} requests; failed with a connection error on a worker the chaos hit: ` +
    `${count('conn error (chaos)')}, lost at handover: ${count('lost at handover')}, ` +
    `left by the client: ${count('client left')}`;
  results.documented.note =
    `503: ${count('503')}, 504 past the deadline: ${count('504')}, ` +
    `runner fault: ${count('runner fault')}`;
  results.deadline.note = `limit: the route's deadline + ${graceMs} ms (+ the time its worker was stopped)`;

  for (const leftover of monitor.leftovers)
    violate('leftovers', `${leftover.what}: ${leftover.detail}`);
  results.leftovers.note =
    `${monitor.commands.size} command processes seen; ` +
    `allowed ${limits.leftoverMs} ms after the request ended`;

  const rss = judgeRss(monitor.rss, runMs);
  results.rss.note = rss.text;
  if (!rss.ok) violate('rss', `primary RSS ${rss.text}`);

  for (const v of monitor.health.violations) violate('health', `${fmtS(v.at)}: ${v.detail}`);
  results.health.note =
    `${monitor.health.samples} samples (${monitor.health.skipped} skipped: primary stopped); ` +
    `a difference may last ${limits.healthToleranceMs} ms, a live worker missing one sample`;

  const outages = judgeOutages(monitor, limits, (text) => violate('replaced', text));
  const exits = [...monitor.workers.values()].filter((w) => w.diedAt <= trafficEnded).length;
  const longest = Math.max(0, ...outages.map((o) => o.to - o.from));
  results.replaced.note =
    `${exits} worker exits; longest time below ${limits.workers} ready: ` +
    `${(longest / 1000).toFixed(1)} s (bound ${limits.replaceBoundMs / 1000} s)`;

  const { primaryDied, exit, shutdownMs } = end;
  if (primaryDied) {
    violate(
      'primary',
      `the primary exited during the run at ${fmtS(primaryDied.at)} (${describeExit(exit)})`,
    );
  } else if (!exit) {
    violate('primary', `no exit within ${limits.shutdownBoundMs} ms of SIGTERM`);
  } else if (exit.code !== 0) {
    violate('primary', `${describeExit(exit)} after SIGTERM`);
  } else {
    results.primary.note = `exit code 0 ${Math.round(shutdownMs)} ms after SIGTERM`;
  }
  const log = judgeLog(logFile);
  for (const [text, { count, pids }] of log.distinct) {
    const from = pids.size > 0 ? ` (pid ${[...pids].join(', ')})` : '';
    violate('log', `${count}×${from}: ${text.slice(0, 200)}`);
  }
  results.log.count = log.nonJson;
  results.log.note = `${log.lines} lines, ${log.nonJson} not JSON (${log.distinct.size} distinct)`;
  return { judge, judged, results, outages };
}

/**
 * Every line the service wrote (stdout and stderr go to one file) must be JSON (no
 * plain-text warning or native stack in a JSON log). Non-JSON lines are grouped by text,
 * the `(node:<pid>)` prefix of Node's warnings taken out.
 */
function judgeLog(file) {
  const distinct = new Map();
  let lines = 0;
  let nonJson = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    lines += 1;
    try {
      JSON.parse(line);
      continue;
    } catch {
      nonJson += 1;
    }
    const pid = /^\(node:(\d+)\)/.exec(line)?.[1];
    const text = line.replace(/^\(node:\d+\) /, '').trim();
    const entry = distinct.get(text) ?? { count: 0, pids: new Set() };
    entry.count += 1;
    if (pid) entry.pids.add(pid);
    distinct.set(text, entry);
  }
  return { lines, nonJson, distinct };
}

const describeExit = (exit) =>
  exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;

/**
 * Every stretch with fewer ready workers than planned must end within the bound (not
 * counting time the chaos loop kept the primary stopped); one still open when monitoring
 * stopped counts up to then. Returns the stretches.
 */
function judgeOutages(monitor, limits, violate) {
  const { outages, outage } = monitor.health;
  const all = [...outages, ...(outage ? [{ ...outage, to: monitor.stoppedAt, open: true }] : [])];
  for (const { from, to, open } of all) {
    const lasted = to - from - monitor.stoppedMs(from, to, 'primary');
    if (lasted > limits.replaceBoundMs) {
      violate(
        `fewer than ${limits.workers} ready workers from ${fmtS(from)} ` +
          `${open ? 'until the end of the run' : `to ${fmtS(to)}`} (${Math.round(lasted)} ms)`,
      );
    }
  }
  return all;
}

/** Least-squares slope of RSS samples, in MiB per minute. */
function slope(samples) {
  if (samples.length < 2) return '–';
  const xs = samples.map((x) => x.at / 60_000);
  const ys = samples.map((x) => x.bytes / 2 ** 20);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  const value = den === 0 ? 0 : num / den;
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}

module.exports = { INVARIANTS, Judge, evaluate, judgeRss };
