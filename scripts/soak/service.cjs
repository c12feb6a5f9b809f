'use strict';
/**
 * The service under test: the real `node dist/main.js` (a primary and its forked app
 * workers), started by the soak with its own environment and ended by the soak, by PID,
 * whatever happens (end of run, Ctrl-C, an error in the soak).
 */
const { spawn } = require('node:child_process');
const { closeSync, existsSync, openSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { join } = require('node:path');
const { isAlive, listProcesses } = require('./proc.cjs');

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const HOST = '127.0.0.1';

/** A port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** GET on 127.0.0.1 with a timeout; resolves { status, json } or { error }. Never rejects. */
function getJson(port, path, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch {
          resolve({ status: res.statusCode, error: 'not JSON' });
        }
      });
      res.on('error', (error) => resolve({ error: error.code ?? error.message }));
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
    );
    req.on('error', (error) => resolve({ error: error.code ?? error.message }));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Service {
  /**
   * @param env the service's environment (added to the soak's own)
   * @param dir a directory of the soak's: the service's working directory (so no `.env`
   *   of the project is read) and where its log goes
   */
  constructor({ env, dir }) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    this.main = MAIN;
    this.logFile = join(dir, 'service.log');
    const log = openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      // No pid file: the project's own belongs to the developer's service.
      env: { ...process.env, NO_COLOR: '1', LOG_FORMAT: 'json', CLUSTER_PID_FILE: 'off', ...env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.pid = this.child.pid;
    this.exit = undefined;
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      }),
    );
    /** Every process of the service the soak saw (pid → start), to end them by PID. */
    this.seen = new Map();
  }

  get running() {
    return this.exit === undefined;
  }

  /** Remembers processes of the service, so that cleanup can find them even orphaned. */
  remember(processes) {
    for (const { pid, start } of processes) this.seen.set(pid, start);
  }

  /**
   * Waits until the probe port reports `workers` ready workers; fails after `timeoutMs` or
   * when the primary exits.
   */
  async waitReady(healthPort, workers, timeoutMs) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.running)
        throw new Error(`the service exited during start (${JSON.stringify(this.exit)})`);
      const { json } = await getJson(healthPort, '/health', 1000);
      const cluster = json?.details?.cluster;
      if (cluster?.startedUp && cluster.readyWorkers >= workers) return;
      await sleep(200);
    }
    throw new Error(`the service was not ready with ${workers} workers after ${timeoutMs} ms`);
  }

  /**
   * Every live process of the service's tree now (the primary and its descendants). Empty
   * once the primary has been reaped: its pid may then belong to someone else.
   */
  tree() {
    if (!this.running) return [];
    const all = listProcesses().filter((p) => p.state !== 'Z');
    const found = [];
    let parents = new Set([this.pid]);
    const primary = all.find((p) => p.pid === this.pid);
    if (primary) found.push(primary);
    while (parents.size > 0) {
      const children = all.filter((p) => parents.has(p.ppid));
      found.push(...children);
      parents = new Set(children.map((p) => p.pid));
    }
    return found;
  }

  /**
   * The graceful end: SIGCONT (a stopped process cannot drain), SIGTERM to the primary,
   * then waits up to `timeoutMs` for it to exit. Resolves its exit, or undefined.
   */
  async terminate(timeoutMs) {
    if (!this.running) return this.exit;
    this.remember(this.tree());
    for (const [pid, start] of this.seen) signal(pid, start, 'SIGCONT');
    // Our child, not yet reaped while `running`: its pid cannot have been reused.
    signal(this.pid, undefined, 'SIGCONT');
    signal(this.pid, undefined, 'SIGTERM');
    const timer = sleep(timeoutMs).then(() => undefined);
    return Promise.race([this.exited, timer]);
  }

  /** Kills, by PID, every process of the service still alive (primary, workers, helpers, commands). */
  killAll() {
    this.remember(this.tree());
    for (const [pid, start] of this.seen) {
      signal(pid, start, 'SIGCONT');
      signal(pid, start, 'SIGKILL');
    }
    if (this.running) signal(this.pid, undefined, 'SIGKILL');
  }
}

/** Sends `name` to `pid` if it still is the process that started at `start`; true if sent. */
function signal(pid, start, name) {
  if (start !== undefined && !isAlive(pid, start)) return false;
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

module.exports = { HOST, MAIN, ROOT, Service, freePort, getJson, signal, sleep };
