import { connect } from 'node:net';
import type { Exchange } from '../exchange';

/**
 * Writes `bytes` as they are to 127.0.0.1:`port` (what node:http refuses to send: control
 * characters in headers, broken framing) and reads one HTTP/1.1 answer: complete once its
 * Content-Length or last chunk has arrived, or when the server closes. Never rejects.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs: number): Promise<Exchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parse(received);
      resolve({
        ...(parsed ?? { headers: {}, body: received }),
        ...(parsed ? {} : { error: error ?? 'no answer' }),
        ms: performance.now() - started,
      });
    };
    const timer = setTimeout(() => settle('client-timeout'), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (parse(received)?.complete) settle();
    });
    socket.once('close', () => settle('closed'));
    socket.once('error', (error: NodeJS.ErrnoException) => settle(error.code ?? 'error'));
    socket.write(bytes);
  });
}

type Parsed = Pick<Exchange, 'status' | 'headers' | 'body'> & { complete: boolean };

/** One HTTP/1.1 response from the start of `data`, or undefined before its head is whole. */
function parse(data: Buffer): Parsed | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const { body, complete } = dechunk(rest);
    return { status, headers, body, complete };
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(length)) {
    return { status, headers, body: rest.subarray(0, length), complete: rest.length >= length };
  }
  // No length: the body runs to the close (or there is none, e.g. after a client error).
  return { status, headers, body: rest, complete: false };
}

function dechunk(data: Buffer): { body: Buffer; complete: boolean } {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return { body: Buffer.concat(chunks), complete: false };
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(chunks), complete: false };
    if (size === 0) return { body: Buffer.concat(chunks), complete: true };
    if (data.length < lineEnd + 2 + size + 2)
      return { body: Buffer.concat(chunks), complete: false };
    chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
