'use strict';
/**
 * The chaos loop: at random intervals, one of SIGKILL to an app worker, SIGSTOP then
 * SIGCONT to an app worker or to the primary, SIGHUP to the primary (rolling restart), and
 * SIGKILL or SIGSTOP then SIGCONT to a spawn helper. Only processes of the service the soak
 * started, found in /proc by the monitor, are signalled.
 *
 * Worker events wait until every planned worker is alive, reported ready and older than
 * CLUSTER_STABLE_UPTIME_MS (+1 s): one disturbance at a time, and a worker killed by chaos
 * exits "stable", so the supervisor's crash-loop guard (meant for workers that cannot boot)
 * is not what is being tested.
 */
const { signal, sleep } = require('./service.cjs');

const KINDS = {
  'worker-kill': { weight: 3, label: 'app worker SIGKILL' },
  'worker-stop': { weight: 2, label: 'app worker SIGSTOP → SIGCONT' },
  'primary-stop': { weight: 1, label: 'primary SIGSTOP → SIGCONT' },
  sighup: { weight: 1, label: 'primary SIGHUP (rolling restart)' },
  'helper-kill': { weight: 2, label: 'spawn helper SIGKILL' },
  'helper-stop': { weight: 1, label: 'spawn helper SIGSTOP → SIGCONT' },
};
const DEFAULT_KINDS = Object.keys(KINDS).filter((kind) => !KINDS[kind].optional);

class Chaos {
  /**
   * @param options.service the Service
   * @param options.monitor the Monitor (workers, helpers, readiness)
   * @param options.rnd the chaos loop's random stream
   * @param options.now the soak's clock
   * @param options.kinds the enabled kinds
   * @param options.gapMs [min, max] between two events
   * @param options.limits { workers, stableMs, heartbeatTimeoutMs }
   * @param options.log prints one line per event
   */
  constructor(options) {
    Object.assign(this, options);
    this.events = []; // { at, kind, pid, … }
    this.stops = []; // { pid, start, target, from, to }
    this.deferred = {}; // kind → turns its card was passed over (not eligible then)
  }

  /**
   * Plays seeded, shuffled decks holding each kind as many times as its weight; the first
   * deck starts with one card of each kind, so that even a one-minute run sees every kind.
   * A card that cannot fire yet (a worker kill while a replacement is still young) stays in
   * the deck for a later turn.
   */
  async run(running) {
    if (this.kinds.length === 0) return;
    const copies = (extra) =>
      this.kinds.flatMap((kind) => Array(KINDS[kind].weight - extra).fill(kind));
    let deck = [...this.shuffle([...this.kinds]), ...this.shuffle(copies(1))];
    await sleep(this.rnd.int(...this.gapMs));
    while (running()) {
      if (deck.length === 0) deck = this.shuffle(copies(0));
      // The same draws every turn, whatever fires: a replay makes the same choices, and
      // only what the machine's timing decides (which card is eligible) can differ.
      const draw = { pick: this.rnd.next(), ms: this.rnd.next() };
      const index = deck.findIndex((kind) => this.eligible(kind));
      for (const kind of deck.slice(0, index < 0 ? deck.length : index)) {
        this.deferred[kind] = (this.deferred[kind] ?? 0) + 1;
      }
      if (index >= 0) await this.fire(deck.splice(index, 1)[0], draw);
      await sleep(this.rnd.int(...this.gapMs));
    }
  }

  shuffle(cards) {
    for (let i = cards.length - 1; i > 0; i--) {
      const j = this.rnd.int(0, i);
      [cards[i], cards[j]] = [cards[j], cards[i]];
    }
    return cards;
  }

  /** Workers alive, ready per /health, and stable. */
  stableWorkers() {
    const now = this.now();
    return [...this.monitor.workers.values()].filter(
      (w) =>
        w.diedAt === undefined &&
        w.state !== 'T' &&
        this.monitor.readyWorkers.has(w.pid) &&
        now - w.bornAt >= this.limits.stableMs + 1000,
    );
  }

  liveHelpers() {
    return [...this.monitor.helpers.values()].filter((h) => h.diedAt === undefined);
  }

  eligible(kind) {
    if (!this.service.running) return false;
    switch (kind) {
      case 'worker-kill':
      case 'worker-stop':
      case 'sighup': {
        const live = [...this.monitor.workers.values()].filter((w) => w.diedAt === undefined);
        return (
          live.length === this.limits.workers && this.stableWorkers().length === this.limits.workers
        );
      }
      case 'helper-kill':
      case 'helper-stop':
        return this.liveHelpers().length > 0;
      default:
        return true;
    }
  }

  async fire(kind, draw) {
    const at = this.now();
    const event = { at, kind };
    const pick = (items) => items[Math.floor(draw.pick * items.length)];
    const ms = (min, max) => Math.round(min + draw.ms * (max - min));
    switch (kind) {
      case 'worker-kill': {
        const worker = pick(this.stableWorkers());
        Object.assign(event, {
          pid: worker.pid,
          sent: signal(worker.pid, worker.start, 'SIGKILL'),
        });
        break;
      }
      case 'worker-stop': {
        const worker = pick(this.stableWorkers());
        // Up to twice the heartbeat timeout: about half of them outlast it and the
        // watchdog must kill the worker; the others wake up and must carry on.
        Object.assign(event, { pid: worker.pid, ms: ms(300, 2 * this.limits.heartbeatTimeoutMs) });
        await this.stop(event, worker, 'worker', event.ms);
        break;
      }
      case 'primary-stop': {
        Object.assign(event, { pid: this.service.pid, ms: ms(200, 1500) });
        await this.stop(event, { pid: this.service.pid, start: undefined }, 'primary', event.ms);
        break;
      }
      case 'sighup':
        Object.assign(event, {
          pid: this.service.pid,
          sent: signal(this.service.pid, undefined, 'SIGHUP'),
        });
        break;
      case 'helper-kill':
      case 'helper-stop': {
        // A helper with commands running when there is one: that is where it hurts.
        const helpers = this.liveHelpers();
        const busy = helpers.filter((h) =>
          [...this.monitor.commands.values()].some(
            (c) => c.diedAt === undefined && c.workerPid === h.workerPid,
          ),
        );
        const helper = pick(busy.length > 0 ? busy : helpers);
        Object.assign(event, {
          pid: helper.pid,
          workerPid: helper.workerPid,
          busy: busy.includes(helper),
        });
        if (kind === 'helper-kill') event.sent = signal(helper.pid, helper.start, 'SIGKILL');
        else {
          event.ms = ms(300, 12_000);
          await this.stop(event, helper, 'helper', event.ms);
        }
        break;
      }
    }
    this.events.push(event);
    this.log(event);
  }

  /**
   * SIGSTOP, wait `ms` (or until the process dies), SIGCONT if it is still there. Whether
   * it died while stopped (the watchdog) is judged at the end from the monitor's record.
   */
  async stop(event, target, role, ms) {
    const stop = { pid: target.pid, start: target.start, target: role, from: this.now() };
    event.sent = signal(target.pid, target.start, 'SIGSTOP');
    if (!event.sent) return;
    this.stops.push(stop);
    const end = stop.from + ms;
    while (this.now() < end && this.aliveTarget(stop)) await sleep(50);
    event.continued = signal(target.pid, target.start, 'SIGCONT');
    event.to = stop.to = this.now();
  }

  aliveTarget(stop) {
    if (stop.target === 'primary') return this.service.running;
    return signal(stop.pid, stop.start, 0);
  }

  /** Wakes anything still stopped (the run is ending). */
  release() {
    for (const stop of this.stops) {
      if (stop.to === undefined) {
        signal(stop.pid, stop.start, 'SIGCONT');
        stop.to = this.now();
      }
    }
  }
}

module.exports = { Chaos, DEFAULT_KINDS, KINDS };
