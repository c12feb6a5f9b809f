import { ClusterPrimary, KILL_GRACE_MS } from './cluster-primary';
import { EXIT_CONFIG_ERROR } from './cluster.protocol';
import { eventLog, FakeHost, type FakeWorker, TEST_CONFIG } from './cluster-primary.fakes';
import type { ClusterConfig } from '../../config/cluster.config';
import { planThreads } from './thread-plan';

/*
 * The supervisor's decisions on a fake clock against fake workers: restarts and their
 * backoff, replacements, rolling restarts and the races between them, shutdown and giving
 * up. test/cluster.e2e-spec.ts runs the same class against real processes.
 */
function setUp(overrides: Partial<ClusterConfig> = {}) {
  const config = { ...TEST_CONFIG, ...overrides };
  const host = new FakeHost();
  const { log, events } = eventLog();
  const allReady: (number | undefined)[] = [];
  const plan = planThreads({
    budget: { cpus: 2, limit: 2, source: 'test' },
    clusterEnabled: true,
    workers: config.workers,
  });
  const primary = new ClusterPrimary(config, plan, {
    host,
    log,
    // No jitter: each delay is the backoff's base.
    random: () => 0.5,
    onAllReady: (port) => allReady.push(port),
  });
  const clock = host.clock;
  /** The one live worker of a slot. */
  const only = (slot: number): FakeWorker => {
    const workers = host.inSlot(slot);
    expect(workers).toHaveLength(1);
    return workers[0];
  };
  /** Starts the cluster and makes every first worker ready. */
  const startReady = async () => {
    primary.start();
    for (const worker of host.alive) worker.ready();
    await clock.advance(0);
  };
  const named = (event: string) => events.filter((e) => e.event === event);
  return { config, host, clock, primary, events, named, allReady, only, startReady };
}

describe('ClusterPrimary', () => {
  it('forks one worker per slot and announces once every slot is ready', async () => {
    const { host, clock, primary, named, allReady } = setUp();
    primary.start();
    expect(host.forked.map((w) => w.env.CLUSTER_WORKER_ID)).toEqual(['1', '2']);
    expect(named('worker-forked')).toMatchObject([
      { slot: 1, pid: host.forked[0].pid, reason: 'start' },
      { slot: 2, pid: host.forked[1].pid, reason: 'start' },
    ]);
    await clock.advance(1_200);
    host.forked[0].ready(4000);
    await clock.advance(300);
    expect(primary.startedUp()).toBe(false);
    host.forked[1].ready(4000);
    await clock.advance(0);

    expect(named('worker-ready')).toMatchObject([
      { slot: 1, ms: 1_200 },
      { slot: 2, ms: 1_500 },
    ]);
    expect(named('all-ready')).toMatchObject([{ workers: 2, ms: 1_500 }]);
    expect(allReady).toEqual([4000]);
    expect(primary.startedUp()).toBe(true);
    expect(primary.workers().map((w) => [w.id, w.state])).toEqual([
      [1, 'ready'],
      [2, 'ready'],
    ]);
    expect(primary.workers()[0]).toMatchObject({
      startedAt: clock.wallNow() - 1_500,
      readyAt: clock.wallNow() - 300,
    });
  });

  describe('restarts', () => {
    it('refills a slot after its backoff, doubling it while exits stay quick', async () => {
      const { host, clock, primary, named, startReady } = setUp();
      await startReady();
      await clock.advance(500);
      host.forked[0].exitWith(1);
      await clock.advance(99);
      expect(host.inSlot(1)).toHaveLength(0);
      await clock.advance(1);
      expect(host.inSlot(1)).toHaveLength(1);
      expect(named('worker-restart-scheduled')).toMatchObject([{ slot: 1, ms: 100, attempt: 1 }]);
      expect(named('worker-forked').at(-1)).toMatchObject({ slot: 1, reason: 'restart' });

      host.inSlot(1)[0].exitWith(1);
      await clock.advance(200);
      host.inSlot(1)[0].exitWith(1);
      await clock.advance(400);
      expect(named('worker-restart-scheduled').map((e) => e.ms)).toEqual([100, 200, 400]);
      expect(primary.slotRestarts()).toEqual([
        { id: 1, restarts: 3 },
        { id: 2, restarts: 0 },
      ]);
      expect(primary.exits()[0]).toMatchObject({ id: 1, code: 1, reason: 'unexpected' });
    });

    it('gives up with exit 1 on a crash loop, stopping the other workers', async () => {
      const { host, clock, primary, named, startReady } = setUp({ crashLoopMaxExits: 3 });
      await startReady();
      const survivor = host.forked[1];
      for (let i = 0; i < 3; i++) {
        host.inSlot(1)[0].exitWith(1);
        await clock.advance(1_000);
      }
      expect(named('crash-loop')).toMatchObject([{ exits: 3, ms: 60_000, level: 'error' }]);
      expect(primary.state()).toBe('crash-loop');
      expect(survivor.signals).toEqual(['SIGTERM']);
      expect(host.exitCode).toBe(1);
      expect(named('stopped')).toMatchObject([{ code: 1 }]);
    });

    it('stops at once when a worker cannot start with this configuration', async () => {
      const { host, clock, primary, named } = setUp();
      primary.start();
      host.forked[0].exitWith(EXIT_CONFIG_ERROR);
      await clock.advance(0);
      expect(named('worker-config-error')).toMatchObject([{ slot: 1, level: 'error' }]);
      expect(host.forked[1].signals).toEqual(['SIGTERM']);
      expect(host.exitCode).toBe(1);
      expect(named('worker-restart-scheduled')).toEqual([]);
    });

    it('kills a worker not ready within CLUSTER_WORKER_START_TIMEOUT_MS', async () => {
      const { host, clock, primary, named } = setUp();
      primary.start();
      host.forked[1].ready();
      await clock.advance(4_999);
      expect(host.forked[0].signals).toEqual([]);
      await clock.advance(1);
      expect(host.forked[0].signals).toEqual(['SIGKILL']);
      expect(named('worker-start-timeout')).toMatchObject([{ slot: 1, ms: 5_000 }]);
      expect(primary.exits()[0]).toMatchObject({ id: 1, reason: 'start timeout', wasReady: false });
      expect(host.forked[1].signals).toEqual([]);
    });
  });

  describe('heartbeat watchdog', () => {
    it('kills a ready worker silent past CLUSTER_HEARTBEAT_TIMEOUT_MS, then refills its slot', async () => {
      const { host, clock, primary, named, startReady } = setUp();
      await startReady();
      const [silent, beating] = host.forked;
      for (let t = 0; t < 6; t++) {
        beating.heartbeat();
        await clock.advance(1_000);
      }
      expect(silent.signals).toEqual(['SIGKILL']);
      expect(beating.signals).toEqual([]);
      expect(named('worker-silent')).toMatchObject([{ slot: 1, pid: silent.pid }]);
      expect(named('worker-silent')[0].ms).toBeGreaterThan(5_000);
      expect(primary.exits()[0]).toMatchObject({ reason: 'heartbeat timeout', signal: 'SIGKILL' });
      await clock.advance(100);
      expect(host.inSlot(1)).toHaveLength(1);
    });

    it('does not mistake its own pause for silent workers', async () => {
      const { host, clock, startReady } = setUp();
      await startReady();
      await clock.jump(20_000); // SIGSTOP of the primary: nothing read meanwhile
      for (const worker of host.forked) worker.heartbeat();
      await clock.advance(2_000);
      expect(host.forked.map((w) => w.signals)).toEqual([[], []]);
    });
  });

  describe('rolling restart (SIGHUP)', () => {
    it('replaces one worker at a time, each new one ready before the old one drains', async () => {
      const { host, clock, primary, named, only, startReady } = setUp();
      await startReady();
      const [old1, old2] = host.forked;
      await host.signal('SIGHUP');
      const new1 = host.forked[2];
      expect(new1).toMatchObject({ slot: 1 });
      expect(named('worker-forked').at(-1)).toMatchObject({ slot: 1, reason: 'rolling restart' });
      // Until it is ready, the old one serves and is not asked to leave.
      await clock.advance(2_000);
      expect(old1.sent).toEqual([]);
      expect(host.forked).toHaveLength(3);

      new1.ready();
      await clock.advance(0);
      expect(old1.sent).toEqual([{ cluster: 'shutdown', timeoutMs: 10_000 }]);
      expect(old1.alive).toBe(false);
      const new2 = host.forked[3];
      expect(new2).toMatchObject({ slot: 2 });
      new2.ready();
      await clock.advance(0);

      expect(old2.alive).toBe(false);
      expect([only(1), only(2)]).toEqual([new1, new2]);
      expect(named('rolling-restart-done')).toHaveLength(1);
      expect(named('worker-restart-scheduled')).toEqual([]);
      expect(primary.exits().map((e) => e.reason)).toEqual(['replaced', 'replaced']);
      expect(primary.slotRestarts().map((s) => s.restarts)).toEqual([0, 0]);
    });

    it('fills a slot once when its worker died just before the SIGHUP (restart pending)', async () => {
      const { host, clock, named, only, startReady } = setUp();
      await startReady();
      host.forked[0].exitWith(null, 'SIGKILL');
      await clock.advance(10); // the restart waits for its 100 ms backoff
      await host.signal('SIGHUP');
      await clock.advance(200); // past the backoff: the replacement fills the slot, not a restart
      expect(host.inSlot(1)).toHaveLength(1);
      only(1).ready();
      await clock.advance(0);
      host.inSlot(2)[1].ready(); // slot 2's replacement, forked once slot 1 is done
      await clock.advance(0);
      expect(host.alive).toHaveLength(2);
      expect(named('worker-forked').map((e) => e.reason)).toEqual([
        'start',
        'start',
        'rolling restart',
        'rolling restart',
      ]);
      expect(named('rolling-restart-done')).toHaveLength(1);
    });

    it('retires a restarted worker still booting when the SIGHUP replacement is ready first', async () => {
      const { host, clock, named, only, startReady } = setUp();
      await startReady();
      host.forked[0].exitWith(1);
      await clock.advance(100); // the restart is forked, booting
      const restarted = only(1);
      await host.signal('SIGHUP');
      const fresh = host.inSlot(1).find((w) => w !== restarted)!;
      fresh.ready();
      await clock.advance(0);
      // Still booting, it would not hear a shutdown message: SIGTERM, not a 12 s wait.
      expect(restarted.signals).toEqual(['SIGTERM']);
      expect(only(1)).toBe(fresh);
      host.inSlot(2)[1].ready();
      await clock.advance(0);
      expect(host.alive).toHaveLength(2);
      expect(named('rolling-restart-done')).toHaveLength(1);
    });

    it('keeps the old worker and stops when a replacement fails to start, even on a config error', async () => {
      const { host, clock, primary, named, only, startReady } = setUp();
      await startReady();
      const [old1, old2] = host.forked;
      await host.signal('SIGHUP');
      host.forked[2].exitWith(EXIT_CONFIG_ERROR); // e.g. a broken commands file since the start
      await clock.advance(0);
      expect(named('worker-replace-failed')).toMatchObject([{ slot: 1 }]);
      expect(named('rolling-restart-stopped')).toMatchObject([{ slot: 1 }]);
      expect(named('worker-config-error')).toEqual([]);
      expect([only(1), only(2)]).toEqual([old1, old2]);
      expect(host.forked).toHaveLength(3); // slot 2 was not tried
      expect(host.exitCode).toBeUndefined();
      expect(primary.state()).toBe('running');
    });

    it('fills the slot when its old worker dies during the replacement', async () => {
      const { host, clock, named, only, startReady } = setUp();
      await startReady();
      await host.signal('SIGHUP');
      const fresh = host.forked[2];
      host.forked[0].exitWith(1);
      await clock.advance(1_000);
      expect(named('worker-restart-scheduled')).toEqual([]); // the replacement fills it
      fresh.ready();
      await clock.advance(0);
      expect(only(1)).toBe(fresh);
    });

    it('restarts the slot when both its old worker and the replacement die', async () => {
      const { host, clock, named, only, startReady } = setUp();
      await startReady();
      await host.signal('SIGHUP');
      host.forked[0].exitWith(1);
      host.forked[2].exitWith(1);
      await clock.advance(0);
      expect(named('worker-restart-scheduled')).toMatchObject([{ slot: 1 }]);
      await clock.advance(100);
      expect(named('worker-forked').at(-1)).toMatchObject({ slot: 1, reason: 'restart' });
      only(1).ready();
      await clock.advance(0);
      expect(host.alive).toHaveLength(2);
    });

    it('replaces a worker above CLUSTER_WORKER_MAX_RSS_MB, only after a stable uptime', async () => {
      const { host, clock, named, only, startReady } = setUp({ workerMaxRssMb: 200 });
      await startReady();
      const [heavy] = host.forked;
      heavy.heartbeat(300 * 2 ** 20);
      await clock.advance(0);
      expect(named('worker-over-rss')).toEqual([]); // young: its RSS may be the boot's
      for (let t = 0; t < 10; t++) {
        await clock.advance(1_000);
        for (const worker of host.alive) worker.heartbeat();
      }
      heavy.heartbeat(300 * 2 ** 20);
      await clock.advance(0);
      expect(named('worker-over-rss')).toMatchObject([{ slot: 1, rssMb: 300, maxMb: 200 }]);
      const fresh = host.forked[2];
      expect(named('worker-forked').at(-1)).toMatchObject({ reason: 'memory recycling' });
      expect(heavy.sent).toEqual([]);
      fresh.ready();
      await clock.advance(0);
      expect(heavy.alive).toBe(false);
      expect(only(1)).toBe(fresh);
    });
  });

  describe('shutdown (SIGTERM, SIGINT)', () => {
    it('turns every ready worker not ready at once, drains after the delay, exits 0', async () => {
      const { host, clock, named, startReady } = setUp({ shutdownDelayMs: 3_000 });
      await startReady();
      await host.signal('SIGTERM');
      for (const worker of host.forked) expect(worker.sent).toEqual([{ cluster: 'not-ready' }]);
      await clock.advance(2_999);
      expect(host.alive).toHaveLength(2);
      await clock.advance(1);
      expect(host.forked[0].sent.at(-1)).toEqual({ cluster: 'shutdown', timeoutMs: 10_000 });
      expect(host.alive).toHaveLength(0);
      expect(host.exitCode).toBe(0);
      expect(named('shutdown')).toMatchObject([{ signal: 'SIGTERM', delayMs: 3_000, ms: 10_000 }]);
      expect(named('stopped')).toMatchObject([{ code: 0, level: 'info' }]);
    });

    it('kills a worker that outlives the drain and exits 1', async () => {
      const { host, clock, startReady } = setUp();
      await startReady();
      host.forked[1].drains = false;
      await host.signal('SIGINT');
      await clock.advance(10_000 + KILL_GRACE_MS - 1);
      expect(host.forked[1].alive).toBe(true);
      await clock.advance(1);
      expect(host.forked[1].signals).toEqual(['SIGKILL']);
      expect(host.exitCode).toBe(1);
    });

    it('exits 1 at once on a second signal', async () => {
      const { host, startReady } = setUp({ shutdownDelayMs: 20_000 });
      await startReady();
      await host.signal('SIGTERM');
      expect(host.exitCode).toBeUndefined();
      await host.signal('SIGTERM');
      expect(host.exitCode).toBe(1);
      expect(host.forked.map((w) => w.signals)).toEqual([['SIGKILL'], ['SIGKILL']]);
    });

    it('stops a replacement still starting, and forks nothing more', async () => {
      const { host, clock, named, startReady } = setUp();
      await startReady();
      await host.signal('SIGHUP');
      const fresh = host.forked[2];
      await host.signal('SIGTERM');
      await clock.advance(0);
      expect(fresh.signals).toEqual(['SIGTERM']);
      await clock.advance(60_000);
      expect(host.forked).toHaveLength(3);
      expect(host.exitCode).toBe(0);
      expect(named('rolling-restart-done')).toEqual([]);
    });

    it('tells a worker that becomes ready during the delay not to report ready', async () => {
      const { host, clock, primary } = setUp({ shutdownDelayMs: 1_000 });
      primary.start();
      host.forked[0].ready();
      await host.signal('SIGTERM');
      host.forked[1].ready();
      await clock.advance(0);
      expect(host.forked[1].sent).toEqual([{ cluster: 'not-ready' }]);
    });
  });

  it('scrapes each ready worker, matching answers by id; a silent one gets none', async () => {
    const { host, clock, primary, startReady } = setUp();
    await startReady();
    const scrape = primary.scrape(500);
    const [first] = host.forked.map((w) => w.sent.at(-1) as { cluster: string; id: number });
    host.forked[0].emit({ cluster: 'metrics', id: first.id, metrics: [{ name: 'up' }] });
    await clock.advance(500);
    expect(await scrape).toEqual([{ id: 1, metrics: [{ name: 'up' }] }, { id: 2 }]);
  });
});
