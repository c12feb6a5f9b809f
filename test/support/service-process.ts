import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { LogLine } from './log-lines';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** A free TCP port on 127.0.0.1 (bound and released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The real service, `node dist/main.js`, as a child process with its output captured. */
export class ServiceProcess {
  /** Every service started by the current test file: json-output.setup.ts reads their output. */
  static readonly started: ServiceProcess[] = [];
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Settles once the process has exited and its output has all been read. */
  readonly closed: Promise<void>;
  /** False for a service asked for pretty logs: its lines are text on purpose. */
  readonly jsonOnly: boolean;
  /** The JSON lines of stdout so far, parsed, in order (a line that is not JSON is left out). */
  readonly lines: LogLine[] = [];
  /** The output of each stream on its own: lines of one are never cut by the other's. */
  private readonly byStream = { stdout: '', stderr: '' };
  /** Where the next complete stdout line starts. */
  private parsedUpTo = 0;

  constructor(env: Record<string, string>, main = MAIN) {
    ServiceProcess.started.push(this);
    this.jsonOnly = env.LOG_FORMAT !== 'pretty';
    this.child = spawn(process.execPath, [main], {
      // The probe port and the pid file are off unless a test asks for them: suites run in
      // parallel, and the project's own pid file belongs to the developer's service.
      env: { ...process.env, NO_COLOR: '1', HEALTH_PORT: '0', CLUSTER_PID_FILE: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const name of ['stdout', 'stderr'] as const) {
      this.child[name]!.on('data', (chunk: Buffer) => {
        this.output += chunk.toString();
        this.byStream[name] += chunk.toString();
        if (name === 'stdout') this.parseLines();
      });
    }
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    this.closed = once(this.child, 'close').then(() => undefined);
  }

  /**
   * Polls `url` until it answers 200, or fails after `timeoutMs` (or when the process exits).
   * A boot takes 2–3 s on a quiet 2-core machine, and over 15 s on a shared one at load 20–30.
   */
  async waitForOk(url: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.child.exitCode !== null) throw new Error(`service exited:\n${this.output}`);
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await delay(50);
    }
    throw new Error(`service not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  /**
   * Waits until the output after offset `from` matches `pattern` (its flags must not
   * include `g`); returns the match. Fails after `timeoutMs`, or when the process exits.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000, from = 0): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.slice(from).match(pattern);
      if (match) return match;
      if (Date.now() > end || this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`no output matching ${pattern} after ${timeoutMs} ms:\n${this.output}`);
      }
      await delay(20);
    }
  }

  /** The lines from index `from` whose fields equal those of `fields`. */
  linesWith(fields: Partial<LogLine>, from = 0): LogLine[] {
    return this.lines.slice(from).filter((line) => matches(line, fields));
  }

  /**
   * Waits for a log line, from index `from` (a `lines.length` taken earlier), whose fields
   * equal those of `fields`; returns it. Fails after `timeoutMs`, or when the process exits.
   */
  async waitForLine(fields: Partial<LogLine>, timeoutMs = 15_000, from = 0): Promise<LogLine> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const [line] = this.linesWith(fields, from);
      if (line) return line;
      if (Date.now() > end || this.child.exitCode !== null || this.child.signalCode !== null) {
        const wanted = JSON.stringify(fields);
        throw new Error(`no log line with ${wanted} after ${timeoutMs} ms:\n${this.output}`);
      }
      await delay(20);
    }
  }

  /** Kills the process if it is still running (test cleanup). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private parseLines(): void {
    const text = this.byStream.stdout;
    for (
      let end = text.indexOf('\n', this.parsedUpTo);
      end !== -1;
      end = text.indexOf('\n', this.parsedUpTo)
    ) {
      const line = text.slice(this.parsedUpTo, end);
      this.parsedUpTo = end + 1;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null) this.lines.push(parsed as LogLine);
      } catch {
        // not JSON: nonJsonLines() reports it
      }
    }
  }

  /** Complete lines of the output that are not JSON objects (a Node warning, a stack). */
  nonJsonLines(): string[] {
    return Object.values(this.byStream).flatMap((text) =>
      text
        .slice(0, text.lastIndexOf('\n') + 1)
        .split('\n')
        .filter(notJson),
    );
  }
}

function matches(line: LogLine, fields: Partial<LogLine>): boolean {
  return Object.entries(fields).every(([key, value]) => line[key] === value);
}

function notJson(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    return typeof JSON.parse(line) !== 'object';
  } catch {
    return true;
  }
}
