import { PayloadTooLargeException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

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
