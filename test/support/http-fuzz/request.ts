import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Exchange } from '../exchange';
import { described } from '../fuzz';

/** A request as the HTTP fuzz sends it: any method, path, headers and body. */
export interface FuzzRequest {
  method: string;
  /** Already percent-encoded where needed; Latin-1 printable only (node:http's rule). */
  path: string;
  /** In order, repeats allowed. Host and the body's framing are added unless given. */
  headers: [string, string][];
  body: Buffer;
  /** Send the body chunked instead of with a Content-Length. */
  chunked?: boolean;
  /**
   * Send only this many bytes of the body, then keep the connection open without sending
   * more (`hold`) or end it (`close`): a body that stops arriving.
   */
  cut?: { after: number; then: 'hold' | 'close' };
}

/**
 * Bytes of the request line and headers. Node refuses more than 16 KiB with a bare 431: the
 * route properties stay under {@link MAX_HEAD_BYTES}, header floods are the framing property's.
 */
export function headBytes(request: FuzzRequest): number {
  const line = request.method.length + request.path.length + 11;
  return request.headers.reduce((sum, [name, value]) => sum + name.length + value.length + 4, line);
}

export const MAX_HEAD_BYTES = 12 * 1024;

/** How a counterexample prints: the request line, the headers, the body's size and start. */
export function describeRequest(request: FuzzRequest): string {
  const head = request.body.subarray(0, 80).toString('latin1');
  const body =
    request.body.length > 0 ? `\n${request.body.length} bytes: ${JSON.stringify(head)}` : '';
  const framing = request.chunked ? ' (chunked)' : '';
  const cut = request.cut
    ? ` (cut after ${request.cut.after} bytes, then ${request.cut.then})`
    : '';
  const path =
    request.path.length > 300
      ? `${request.path.slice(0, 300)}… (${request.path.length})`
      : request.path;
  const headers = request.headers.map(([name, value]) => {
    const shown = value.length > 120 ? `${value.slice(0, 120)}… (${value.length})` : value;
    return `\n${name}: ${JSON.stringify(shown)}`;
  });
  return `${request.method} ${path}${headers.join('')}${body}${framing}${cut}`;
}

/** `request`, printed in a counterexample by {@link describeRequest}. */
export function fuzzRequest(request: FuzzRequest): FuzzRequest {
  return described(request, describeRequest(request));
}

/**
 * Sends `fuzz` over a new connection to 127.0.0.1:`port` and waits for the whole answer.
 * Never rejects: a connection error or no answer within `timeoutMs` is reported in `error`
 * with no status; a response cut short after its head, with its status and `error`.
 */
export function send(port: number, fuzz: FuzzRequest, timeoutMs: number): Promise<Exchange> {
  const started = performance.now();
  const headers = fuzz.headers.flat();
  const has = (name: string) => fuzz.headers.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) headers.unshift('Host', `127.0.0.1:${port}`);
  if (!fuzz.chunked && !has('content-length') && (fuzz.body.length > 0 || fuzz.method !== 'GET')) {
    headers.push('Content-Length', String(fuzz.body.length));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (outcome: Pick<Exchange, 'status' | 'error'>, answer = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({
        ...outcome,
        headers: answer,
        body: Buffer.concat(chunks),
        ms: performance.now() - started,
      });
    };
    const req = request(
      { host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers, agent: false },
      (res) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => settle({ status: res.statusCode }, res.headers));
        // Cut short after its head: the status came, the body did not end (error 'aborted').
        res.once('aborted', () =>
          settle({ status: res.statusCode, error: 'aborted' }, res.headers),
        );
        res.once('error', (error: NodeJS.ErrnoException) =>
          settle({ status: res.statusCode, error: error.code ?? 'error' }, res.headers),
        );
      },
    );
    const timer = setTimeout(() => settle({ error: 'client-timeout' }), timeoutMs);
    // The server may answer (and close) before the body is sent: that is its right.
    req.once('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? 'error' }));
    void write(req, fuzz).catch(() => undefined);
  });
}

async function write(req: ReturnType<typeof request>, fuzz: FuzzRequest): Promise<void> {
  if (!fuzz.cut) {
    req.end(fuzz.body);
    return;
  }
  req.write(fuzz.body.subarray(0, fuzz.cut.after));
  if (fuzz.cut.then === 'close') {
    await delay(50);
    req.socket?.end();
  }
}
