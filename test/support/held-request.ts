import { Agent, request } from 'node:http';
import type { Exchange } from './exchange';
import type { Example } from './workloads';

/** A request whose body the client holds back: the service has it, but cannot answer yet. */
export interface HeldRequest {
  /** Resolves once the service has taken the request (its 'request' event has run). */
  readonly taken: Promise<void>;
  /** Sends the body: the service answers from now on. */
  release(): void;
  /** The whole answer, and when its last byte arrived (`performance.now()`). */
  readonly answered: Promise<Exchange & { endedAt: number }>;
  /** When the connection closed (`performance.now()`). */
  readonly closed: Promise<number>;
}

/**
 * Sends `example` over a keep-alive connection with `Expect: 100-continue` and holds its body
 * until `release()`. Node's server writes the `100 Continue` in the same tick as it emits
 * 'request', so once `taken` resolves the request is in flight, its answer not begun.
 */
export function heldRequest(port: number, example: Example): HeldRequest {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  const req = request({
    host: '127.0.0.1',
    port,
    path: example.path,
    method: 'POST',
    headers: {
      ...example.headers,
      'Content-Length': String(example.body.length),
      Expect: '100-continue',
    },
    agent,
  });
  req.flushHeaders();
  const closed = new Promise<number>((resolve) => {
    req.once('socket', (socket) => socket.once('close', () => resolve(performance.now())));
  });
  const answered = new Promise<Exchange & { endedAt: number }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const endedAt = performance.now();
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ms: endedAt - started,
          endedAt,
        });
      });
    });
  });
  answered.catch(() => undefined); // a failure is seen by whoever awaits it, not unhandled
  return {
    taken: new Promise((resolve) => req.once('continue', () => resolve())),
    release: () => req.end(example.body),
    answered,
    closed,
  };
}
