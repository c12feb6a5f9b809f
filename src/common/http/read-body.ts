import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { bodyTooLarge, declaredOver, drainUnread } from './body-limits';

function interrupted(): BadRequestException {
  return new BadRequestException('The upload was interrupted before it was complete');
}

/**
 * Reads a stream whole, charging `limit` as the bytes arrive: fails with 413 as soon as it
 * passes it (the rest is left unread; the 413 closes the connection), or with 400 when the
 * client goes away first. With the `expected` size (a declared Content-Length within the
 * limit), the bytes are copied into one buffer of that size as they come: no list of chunks
 * and no second full-size buffer to concatenate them into (BENCHMARKS.md, section 3b).
 */
export function readRawBody(
  stream: Readable,
  limit: number,
  what?: string,
  expected?: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const target =
      expected !== undefined && expected > 0 && expected <= limit
        ? Buffer.allocUnsafe(expected)
        : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        size += chunk.length;
        finish();
        stream.pause();
        reject(bodyTooLarge(limit, what));
        return;
      }
      if (target && chunks.length === 0 && size + chunk.length <= target.length) {
        chunk.copy(target, size);
      } else {
        // More than declared (the parser will fail the request) or no size declared.
        if (target && chunks.length === 0 && size > 0) chunks.push(target.subarray(0, size));
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    const onEnd = () => {
      finish();
      if (chunks.length === 0) resolve(target ? target.subarray(0, size) : Buffer.alloc(0));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onClose = () => {
      finish();
      reject(interrupted());
    };
    const finish = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
    };
    if (stream.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    stream.on('data', onData).once('end', onEnd).once('error', onClose).once('close', onClose);
  });
}

export interface UploadOptions {
  /** Largest accepted file, in bytes. */
  limit: number;
  /** The multipart/form-data field that carries the file. */
  field: string;
  /** Parts a multipart body may have, `field` included (@fastify/multipart's `parts` limit). */
  maxParts?: number;
}

/** What the multipart envelope (boundaries, part headers, small fields) may add to a file. */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

/** @fastify/multipart's errors, as the API's: what went wrong, with the limit that did it. */
function multipartError(error: unknown, options: Required<UploadOptions>): Error {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return bodyTooLarge(options.limit, 'The upload');
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new PayloadTooLargeException(
        `The multipart body has more than ${options.maxParts} parts before its "${options.field}" file`,
      );
    case 'FST_MP_PREMATURE_CLOSE':
      return interrupted();
    default:
      if (error instanceof HttpException) return error;
      return new BadRequestException('Malformed multipart/form-data body');
  }
}

/**
 * The `field` file of a multipart/form-data body, through @fastify/multipart within its
 * limits (file size, parts, fields); the whole body may not pass the file's limit plus
 * {@link MULTIPART_ENVELOPE_BYTES}, counted as it arrives (a chunked body declares nothing).
 */
async function readMultipartFile(request: FastifyRequest, upload: UploadOptions): Promise<Buffer> {
  const options = { maxParts: 20, ...upload };
  const { field, limit, maxParts } = options;
  const raw = request.raw;
  const budget = limit + MULTIPART_ENVELOPE_BYTES;
  let received = 0;
  let overflow: (error: Error) => void = () => undefined;
  const overflowed = new Promise<never>((_, reject) => (overflow = reject));
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received > budget) {
      raw.off('data', count);
      raw.unpipe();
      raw.pause();
      overflow(bodyTooLarge(limit, 'The upload'));
    }
  };
  raw.on('data', count);
  const read = async (): Promise<Buffer> => {
    let parts: AsyncIterableIterator<Multipart>;
    try {
      parts = request.parts({
        limits: {
          fileSize: limit,
          parts: maxParts,
          fields: maxParts,
          fieldSize: MULTIPART_ENVELOPE_BYTES,
          headerPairs: 100,
        },
      });
    } catch {
      throw new UnsupportedMediaTypeException('Malformed multipart/form-data request');
    }
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== field) {
        part.file.resume(); // another file: skipped unread
        continue;
      }
      return await part.toBuffer();
    }
    throw new BadRequestException(`The multipart body has no "${field}" file field`);
  };
  try {
    return await Promise.race([read(), overflowed]);
  } catch (error) {
    throw multipartError(error, options);
  } finally {
    raw.off('data', count);
    overflowed.catch(() => undefined);
    // Later parts are not parsed: what is left is drained within the envelope, or the
    // connection closed.
    drainUnread(raw, MULTIPART_ENVELOPE_BYTES);
  }
}

/**
 * Reads an uploaded file: the raw body (the route's `@RouteBody` parser has checked its type
 * and declared size), or the `field` part of a multipart/form-data body. Refuses a declared
 * or actual size over `limit` with 413 as soon as it is known.
 */
export async function readUpload(request: FastifyRequest, options: UploadOptions): Promise<Buffer> {
  const { limit } = options;
  if (request.isMultipart()) {
    if (declaredOver(request.raw, limit + MULTIPART_ENVELOPE_BYTES)) {
      throw bodyTooLarge(limit, 'The upload');
    }
    return readMultipartFile(request, options);
  }
  return readRawBody(request.raw, limit, 'The upload', Number(request.headers['content-length']));
}
