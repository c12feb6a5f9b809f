import { PayloadTooLargeException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** A declared Content-Length over `limit`: known before a byte of the body is read. */
export function declaredOver(request: IncomingMessage, limit: number): boolean {
  return Number(request.headers['content-length']) > limit;
}

export function bodyTooLarge(limit: number, what = 'The request body'): PayloadTooLargeException {
  return new PayloadTooLargeException(`${what} is larger than the limit of ${limit} bytes`);
}

/**
 * Reads what is left of a request body and drops it, so the connection can carry the
 * client's next request; past `limit` more bytes, closes the connection instead (a client
 * cannot make the service read forever).
 */
export function drainUnread(request: IncomingMessage, limit: number): void {
  if (request.readableEnded || request.destroyed) return;
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) request.socket?.destroy();
  });
  request.resume();
}

/** How long a connection closed after a 413 waits for the rest of the body (see below). */
export const LINGER_MS = 5_000;
/**
 * How much of the rest of a refused body is read and dropped before closing anyway. Counts
 * only a body still delivered to its request: one refused before any of it was read is
 * dumped, and Node's parser drops it without a 'data' event, bounded by `LINGER_MS` alone.
 */
export const LINGER_BYTES = 64 * 1024 * 1024;

/** Connections answered and ended, reading the rest of a refused body before they close. */
const lingering = new WeakSet<object>();

/** True while `socket` reads the rest of a refused body: nothing more is served on it. */
export function isClosingAfterBody(socket: object): boolean {
  return lingering.has(socket);
}

/**
 * Closes the connection after this answer (a 413, its body left unread), but only once the
 * client has sent the rest of the body it declared, read and dropped: closed at once, the
 * server would reset a client still sending, and a reset can take the answer away before
 * the client reads it (a "lingering close", RFC 9112 §9.6). Once the answer is out, the
 * server ends its side (the server's sockets are half-open: reading goes on) and serves
 * nothing more on it (`isClosingAfterBody`). Bounded: past `LINGER_MS` or `LINGER_BYTES`
 * more, the connection is destroyed, as it was at once before.
 */
export function closeAfterBody(request: IncomingMessage): void {
  const socket = request.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket || request.complete || request.destroyed || !socket.destroySoon) return;
  const close = socket.destroySoon.bind(socket);
  // Node's server calls destroySoon() once the answer with `Connection: close` is sent.
  socket.destroySoon = () => {
    socket.destroySoon = close;
    if (request.complete || socket.destroyed) return close();
    lingering.add(socket);
    socket.end();
    // Whatever read the body before (a parser, a drain with its own cap) is done with it.
    request.unpipe();
    request.removeAllListeners('data');
    let read = 0;
    const count = (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) socket.destroy();
    };
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    const done = () => {
      clearTimeout(timer);
      request.off('data', count);
      if (!socket.destroyed) close();
    };
    request.on('data', count);
    request.once('end', done);
    socket.once('close', done);
    request.resume();
  };
}
