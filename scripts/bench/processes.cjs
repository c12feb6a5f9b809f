'use strict';
/**
 * Child processes of the benchmark: HTTP servers under test and in-process loop runners.
 * Every child is tracked and killed by PID when the bench ends, fails or is interrupted.
 */
const { execFileSync, fork, spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const readline = require('node:readline');
const { sleep } = require('./lib.cjs');

const HOST = '127.0.0.1';
/**
 * How long a server may take to answer its first 200. A service with 2 workers took over 30 s
 * on this shared machine at a load average of 38 (2026-11-30): the section failed, no figure.
 */
const READY_TIMEOUT_MS = 60_000;
const children = new Set();

/**
 * libuv's pool size for every child, servers and direct loops alike, so that both sides of
 * a comparison run with the same setting (the service would otherwise size it itself).
 */
const UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE ?? '4';

function killAll(signal) {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping child processes`);
    killAll('SIGKILL');
    process.exit(130);
  });
}

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

/** Keeps the last lines a child printed, for the error message if it fails. */
function tail(child) {
  const lines = [];
  const keep = (chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 30));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => lines.join('\n');
}

function get(port, path, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

let ticks;

/** Clock ticks per second of /proc's CPU times (USER_HZ), asked of the system once. */
function clockTicks() {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  return ticks;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid) {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds the whole machine has been busy so far, all CPUs and all processes, from the
 * first line of /proc/stat (everything but idle and iowait); NaN elsewhere.
 */
function machineCpuSeconds() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq + steal) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds this process (the load generator) has used so far. */
function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** VmRSS and VmHWM (peak) of a process in bytes, from /proc (Linux); NaN elsewhere. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    return { rss: field('VmRSS'), peakRss: field('VmHWM') };
  } catch {
    return { rss: Number.NaN, peakRss: Number.NaN };
  }
}

/**
 * Starts `node script ...args` with `env` on a free port (env PORT) and waits until
 * `GET /health/ready` answers 200, polling every `pollMs` for at most `readyTimeoutMs`. `onLine` gets
 * every whole line the child prints (stdout and stderr). `readyMs` is the time from spawn
 * (`spawnedAt`, a `performance.now()`) to that first 200.
 */
async function startServer(
  name,
  script,
  env = {},
  { pollMs = 100, onLine, args = [], execArgv = [], readyTimeoutMs = READY_TIMEOUT_MS } = {},
) {
  const port = await freePort();
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...execArgv, script, ...args], {
    // The probe port is off unless a section asks for one: two services would share 9000.
    // So is the pid file: the project's own belongs to the developer's service.
    env: {
      ...process.env,
      UV_THREADPOOL_SIZE,
      HEALTH_PORT: '0',
      CLUSTER_PID_FILE: 'off',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const logs = tail(child);
  if (onLine) {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
  }
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before ready:\n${logs()}`,
      );
    }
    if ((await get(port, '/health/ready', 1000)) === 200) break;
    if (Date.now() > deadline) {
      process.kill(child.pid, 'SIGKILL');
      throw new Error(
        `${name} was not ready on port ${port} within ${readyTimeoutMs / 1000} s:\n${logs()}`,
      );
    }
    await sleep(pollMs);
  }
  const readyMs = performance.now() - spawnedAt;
  return {
    name,
    port,
    pid: child.pid,
    spawnedAt,
    readyMs,
    url: `http://${HOST}:${port}`,
    logs,
    memory: () => memoryOf(child.pid),
    cpuSeconds: () => cpuSecondsOf(child.pid),
    /** SIGTERM (graceful shutdown hooks), SIGKILL after 10 s. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(
          () => child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
          10_000,
        );
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
}

/**
 * Forks `direct-runner.cjs` and sends it `config` (its `init` message). `request(message)`
 * sends one command and resolves with the child's answer, one command at a time. `onLine`
 * gets every line the child prints; `execArgv` are its node flags.
 */
async function startRunner(name, config, env = {}, { onLine, execArgv } = {}) {
  const child = fork(require.resolve('./direct-runner.cjs'), [], {
    env: { ...process.env, UV_THREADPOOL_SIZE, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    ...(execArgv ? { execArgv } : {}),
  });
  children.add(child);
  const logs = tail(child);
  if (onLine) {
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
  }
  let pending;
  child.on('message', (message) => {
    const settle = pending;
    pending = undefined;
    if (!settle) return;
    if (message.type === 'error') settle.reject(new Error(`${name}: ${message.message}`));
    else settle.resolve(message);
  });
  child.once('exit', (code, signal) => {
    pending?.reject(new Error(`${name} exited (${code ?? signal}):\n${logs()}`));
    pending = undefined;
  });
  const request = (message) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(message);
    });
  let ready;
  try {
    ready = await request({ type: 'init', ...config });
  } catch (error) {
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    throw error;
  }
  return {
    name,
    pid: child.pid,
    info: ready.info,
    request,
    async stop() {
      if (child.connected) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.send({ type: 'close' });
        const timer = setTimeout(
          () => child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
          10_000,
        );
        await gone;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
}

/** A redis-server of its own on a free port, in memory only (the jobs section's queue). */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  children.add(child);
  child.once('error', () => undefined); // not installed: reported below
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = net.createConnection({ port, host: HOST });
      socket.once('connect', () => resolve(socket.destroy() ?? true));
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      throw new Error('redis-server did not start: install it (apt-get install redis-server)');
    }
    await sleep(50);
  }
  return {
    url: `redis://${HOST}:${port}`,
    stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      children.delete(child);
    },
  };
}

module.exports = {
  startRedis,
  HOST,
  freePort,
  UV_THREADPOOL_SIZE,
  startServer,
  startRunner,
  memoryOf,
  clockTicks,
  cpuSecondsOf,
  machineCpuSeconds,
  ownCpuSeconds,
  get,
};
