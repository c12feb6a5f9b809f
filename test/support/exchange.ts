import { type Agent, request } from 'node:http';

/** One request's fate, as a client sees it. */
export interface Exchange {
  /** The status, or undefined when no complete answer came. */
  status?: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** From sending the request to the end of the answer (or the failure). */
  ms: number;
  /** The network error's code, or 'client-timeout'. */
  error?: string;
}

/**
 * Sends `POST path` (or `method`) with `body` and `headers` (an octet stream unless they give
 * a Content-Type), and waits for the whole answer. Never rejects:
 * a connection error, a cut response or no answer within `timeoutMs` is reported in `error`.
 */
export function exchange(
  port: number,
  path: string,
  options: {
    body?: Buffer;
    method?: string;
    headers?: Record<string, string>;
    agent?: Agent;
    timeoutMs?: number;
  } = {},
): Promise<Exchange> {
  const { body, method = 'POST', agent, timeoutMs = 10_000 } = options;
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (outcome: Omit<Exchange, 'ms' | 'body' | 'headers'>, headers = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...outcome,
        headers,
        body: Buffer.concat(chunks),
        ms: performance.now() - started,
      });
    };
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: options.headers, agent },
      (res) => {
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => settle({ status: res.statusCode }, res.headers));
        res.once('aborted', () => settle({ error: 'aborted' }));
        res.once('error', (error: NodeJS.ErrnoException) =>
          settle({ error: error.code ?? 'error' }),
        );
      },
    );
    const timer = setTimeout(() => {
      settle({ error: 'client-timeout' });
      req.destroy();
    }, timeoutMs);
    req.once('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? 'error' }));
    if (body && !req.hasHeader('Content-Type')) {
      req.setHeader('Content-Type', 'application/octet-stream');
    }
    req.end(body);
  });
}
