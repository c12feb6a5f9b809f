'use strict';
/**
 * Watches the service from outside while the soak runs: its process tree in /proc (app
 * workers, spawn helpers, commands, and commands of this run found anywhere, orphaned or
 * not), its probe port's `/health` (health-check.cjs), and the primary's RSS. Records what
 * the invariants need.
 */
const { listProcesses, readArgv, rssBytes } = require('./proc.cjs');
const { HealthCheck } = require('./health-check.cjs');
const { sleep } = require('./service.cjs');
const { EXECUTABLES, tokenOf } = require('./workload.cjs');

const key = (p) => `${p.pid}:${p.start}`;

class Monitor {
  /**
   * @param options.service the Service
   * @param options.ledger the clients' Ledger
   * @param options.stops the chaos loop's stop windows ({ pid, target, from, to })
   * @param options.now the soak's clock
   * @param options.runId the soak's pid (commands' tokens carry it)
   * @param options.healthPort the probe port
   * @param options.limits { workers, heartbeatIntervalMs, leftoverMs, helperMs, healthToleranceMs, replaceBoundMs }
   */
  constructor(options) {
    Object.assign(this, options);
    this.stops = options.stops ?? []; // the chaos loop's, set once it exists
    this.workers = new Map(); // pid → { pid, start, bornAt, diedAt, reapedAt, state }
    this.helpers = new Map(); // pid:start → { pid, start, workerPid, bornAt, diedAt }
    this.commands = new Map(); // pid:start → { pid, start, exe, argv, seq, command, workerPid, bornAt, diedAt }
    this.argvCache = new Map();
    this.leftovers = []; // broken: a process that outlived its request or its worker
    this.health = new HealthCheck(this);
    this.rss = []; // { at, bytes }
    this.running = false;
  }

  start() {
    this.running = true;
    this.loops = [
      this.every(250, () => this.scan()),
      this.every(500, () => this.health.sample()),
      this.every(1000, () => this.sampleRss()),
    ];
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
    this.stoppedAt = this.now();
  }

  /** Pids /health reported ready (and ps running) at the last sample. */
  get readyWorkers() {
    return this.health.readyWorkers;
  }

  /** Live workers by pid → process state (R, S, T…), from the last scan. */
  liveWorkers() {
    const live = new Map();
    for (const worker of this.workers.values()) {
      if (worker.diedAt === undefined) live.set(worker.pid, worker.state);
    }
    return live;
  }

  async every(ms, task) {
    while (this.running) {
      const started = Date.now();
      await task();
      await sleep(Math.max(0, ms - (Date.now() - started)));
    }
  }

  argv(p) {
    const k = key(p);
    let argv = this.argvCache.get(k);
    if (!argv) {
      argv = readArgv(p.pid);
      if (argv.length > 0) this.argvCache.set(k, argv);
    }
    return argv;
  }

  /** One pass over /proc: updates workers, helpers and commands, and checks leftovers. */
  scan() {
    const now = this.now();
    const all = listProcesses();
    const live = new Map();
    for (const p of all) if (p.state !== 'Z') live.set(p.pid, p);
    const childrenOf = new Map();
    for (const p of live.values()) {
      const list = childrenOf.get(p.ppid) ?? [];
      list.push(p);
      childrenOf.set(p.ppid, list);
    }
    const seen = [];

    // App workers: children of the primary running dist/main.js.
    const workerPids = new Set();
    for (const p of childrenOf.get(this.service.pid) ?? []) {
      if (!this.argv(p).includes(this.service.main)) continue;
      workerPids.add(p.pid);
      seen.push(p);
      const worker = this.workers.get(p.pid);
      if (!worker || worker.start !== p.start) {
        this.workers.set(p.pid, { pid: p.pid, start: p.start, bornAt: now, state: p.state });
      } else {
        worker.state = p.state;
      }
    }
    // A dead worker stays a zombie until the primary reaps it; until then the primary may
    // still hand it new connections (it learns of the exit by reaping).
    const present = new Map(all.map((p) => [p.pid, p.start]));
    for (const worker of this.workers.values()) {
      if (worker.diedAt === undefined && !workerPids.has(worker.pid)) worker.diedAt = now;
      if (worker.diedAt !== undefined && worker.reapedAt === undefined) {
        if (present.get(worker.pid) !== worker.start) worker.reapedAt = now;
      }
    }

    // Spawn helpers: children of a worker running spawn-host.js. Once seen, followed by
    // pid and start time, so an orphaned one is still found.
    for (const pid of workerPids) {
      for (const p of childrenOf.get(pid) ?? []) {
        if (!this.argv(p).some((arg) => arg.endsWith('spawn-host.js'))) continue;
        if (!this.helpers.has(key(p))) {
          this.helpers.set(key(p), { pid: p.pid, start: p.start, workerPid: pid, bornAt: now });
        }
      }
    }
    const helperPids = new Set();
    for (const helper of this.helpers.values()) {
      const p = live.get(helper.pid);
      if (p && p.start === helper.start) {
        helperPids.add(helper.pid);
        seen.push(p);
      } else if (helper.diedAt === undefined) {
        helper.diedAt = now;
      }
    }

    // Commands: children of a helper, the members of their process groups, and any process
    // of an allowlisted executable that carries this run's token.
    const found = new Map();
    for (const pid of helperPids) {
      for (const p of childrenOf.get(pid) ?? []) found.set(key(p), { p, helperPid: pid });
    }
    const groups = new Set([...this.commands.values()].filter((c) => !c.diedAt).map((c) => c.pid));
    for (const { p } of found.values()) groups.add(p.pid);
    for (const p of live.values()) {
      if (found.has(key(p))) continue;
      if (groups.has(p.pgid) && p.pid !== p.pgid) found.set(key(p), { p });
      else if (EXECUTABLES.has(p.comm) && tokenOf(this.argv(p), this.runId) !== undefined) {
        found.set(key(p), { p });
      }
    }
    for (const [k, { p, helperPid }] of found) {
      if (this.commands.has(k)) continue;
      const argv = this.argv(p);
      const seq = tokenOf(argv, this.runId);
      const helper = [...this.helpers.values()].find((h) => h.pid === helperPid);
      const record = seq === undefined ? undefined : this.ledger.bySeq.get(seq);
      this.commands.set(k, {
        pid: p.pid,
        start: p.start,
        exe: p.comm,
        argv,
        seq,
        command: record?.command ?? EXECUTABLES.get(p.comm)?.[0],
        workerPid: helper?.workerPid,
        bornAt: now,
      });
    }
    for (const [k, command] of this.commands) {
      const p = live.get(command.pid);
      if (p && p.start === command.start) seen.push(p);
      else if (command.diedAt === undefined) command.diedAt = now;
      if (command.diedAt !== undefined && now - command.diedAt > 60_000) this.commands.delete(k);
    }
    this.service.remember(seen);
    this.checkLeftovers(now);
  }

  /**
   * A command may outlive its request by `leftoverMs`, plus any time the chaos loop kept
   * the request's worker stopped meanwhile (a stopped worker can neither notice that its
   * client left nor kill the command; its spawn helper does once the watchdog kills it).
   */
  checkLeftovers(now) {
    const { leftoverMs, helperMs } = this.limits;
    const alive = [...this.commands.values()].filter((c) => c.diedAt === undefined);
    const flag = (command, detail) => {
      command.flagged = true;
      this.leftovers.push({
        at: now,
        what: `${command.argv.join(' ')} (pid ${command.pid})`,
        detail,
      });
    };
    // A command with a token belongs to one request.
    for (const command of alive) {
      if (command.flagged || command.seq === undefined) continue;
      const record = this.ledger.bySeq.get(command.seq);
      if (record?.endedAt === undefined) continue;
      const frozen = this.stoppedMs(record.endedAt, now, record.workerPid);
      if (now - record.endedAt - frozen > leftoverMs) {
        flag(
          command,
          `request #${record.seq} (${record.kind}, worker ${record.workerPid}) ended at ` +
            `${fmtS(record.endedAt)} (${outcomeText(record)}); the process was still running at ` +
            `${fmtS(now)}${frozen > 0 ? ` (its worker was stopped ${Math.round(frozen)} ms of that)` : ''}`,
        );
      }
    }
    // Without a token: per worker, no more alive than requests of that command in flight
    // there (or just ended).
    const groups = new Map();
    for (const command of alive) {
      if (command.seq !== undefined || !command.command) continue;
      const k = `${command.command}:${command.workerPid}`;
      groups.set(k, [...(groups.get(k) ?? []), command]);
    }
    for (const commands of groups.values()) {
      const { command: name, workerPid } = commands[0];
      const within = leftoverMs + this.stoppedMs(now - 60_000, now, workerPid);
      const allowed = this.ledger.countLive(name, now, within, workerPid);
      const excess = commands
        .sort((a, b) => a.bornAt - b.bornAt)
        .slice(0, Math.max(0, commands.length - allowed));
      for (const command of excess) {
        if (command.flagged || now - command.bornAt < within) continue;
        flag(
          command,
          `${commands.length} ${name} processes of worker ${workerPid} alive at ${fmtS(now)} ` +
            `but only ${allowed} ${name} requests there in flight or ended within ${Math.round(within)} ms`,
        );
      }
    }
    // A spawn helper goes with its worker.
    for (const helper of this.helpers.values()) {
      if (helper.flagged || helper.diedAt !== undefined) continue;
      const worker = this.workers.get(helper.workerPid);
      if (worker?.diedAt !== undefined && now - worker.diedAt > helperMs) {
        helper.flagged = true;
        this.leftovers.push({
          at: now,
          what: `spawn helper pid ${helper.pid}`,
          detail: `its worker ${helper.workerPid} died at ${fmtS(worker.diedAt)}; still running at ${fmtS(now)}`,
        });
      }
    }
  }

  /** Chaos stop windows of `target` ('primary', or a pid) overlapping [from, to]. */
  stoppedMs(from, to, target) {
    let total = 0;
    for (const stop of this.stops) {
      if (target !== undefined && stop.target !== target && stop.pid !== target) continue;
      const end = stop.to ?? this.now();
      total += Math.max(0, Math.min(to, end) - Math.max(from, stop.from));
    }
    return total;
  }

  /** Waits (sampling) until every planned worker is ready again, at most `ms`. */
  async waitForWorkers(ms) {
    const end = this.now() + ms;
    while (this.now() < end && this.readyWorkers.size < this.limits.workers) await sleep(250);
  }

  sampleRss() {
    const bytes = rssBytes(this.service.pid);
    if (bytes !== undefined) this.rss.push({ at: this.now(), bytes });
  }

  /**
   * After the service exited: every process of it the soak saw must be gone, and no
   * process anywhere may carry this run's token.
   */
  finalSweep() {
    this.scan();
    const now = this.now();
    const left = [];
    for (const p of listProcesses()) {
      if (p.state === 'Z') continue;
      const start = this.service.seen.get(p.pid);
      const ours =
        start === p.start ||
        (EXECUTABLES.has(p.comm) && tokenOf(this.argv(p), this.runId) !== undefined);
      if (ours) left.push(p);
    }
    for (const p of left) {
      this.leftovers.push({
        at: now,
        what: `${this.argv(p).join(' ') || p.comm} (pid ${p.pid})`,
        detail: 'still running after the service exited',
      });
    }
    return left;
  }
}

function fmtS(ms) {
  return `t=${(ms / 1000).toFixed(2)} s`;
}

function outcomeText(record) {
  if (record.clientAborted) return 'the client left';
  if (record.status !== undefined) return `answered ${record.status}`;
  return record.error;
}

module.exports = { Monitor, fmtS, outcomeText };
