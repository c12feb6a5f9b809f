import { PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';

function tooLarge(limit: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`The upload is larger than the limit of ${limit} bytes`);
}

/** Reads a stream whole, failing as soon as it passes `limit` bytes. */
function collect(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.removeAllListeners('data');
        stream.resume(); // drain and drop the rest; the answer is already known
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks, size)));
  });
}

/** The `file` field of a multipart/form-data body. */
function readMultipartFile(request: Request, field: string, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { files: 1, fileSize: limit + 1, fields: 20 },
      });
    } catch {
      reject(new UnsupportedMediaTypeException('Malformed multipart/form-data request'));
      return;
    }
    let file: Promise<Buffer> | undefined;
    parser.on('file', (name, stream) => {
      if (name !== field || file) {
        stream.resume();
        return;
      }
      file = collect(stream, limit);
      file.catch(() => undefined);
    });
    parser.once('error', () =>
      reject(new UnsupportedMediaTypeException('Malformed multipart/form-data body')),
    );
    parser.once('close', () => {
      if (!file)
        reject(
          new UnsupportedMediaTypeException(`The multipart body has no "${field}" file field`),
        );
      else resolve(file);
    });
    request.pipe(parser);
  });
}

/**
 * Reads an uploaded file: a raw body of a type `accept` allows, or the `field` part of a
 * multipart/form-data body. Refuses a declared or actual size over `limit` with 413
 * before buffering it, and any other content type with 415.
 */
export async function readUpload(
  request: Request,
  options: { limit: number; field: string; accept: (contentType: string) => boolean },
): Promise<Buffer> {
  const { limit, field, accept } = options;
  const declared = Number(request.headers['content-length']);
  // Answering before the body is read: close the connection rather than read what is left.
  const refuse = () => {
    request.res?.setHeader('Connection', 'close');
    return tooLarge(limit);
  };
  if (Number.isFinite(declared) && declared > limit + 64 * 1024) throw refuse();
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'multipart/form-data') return readMultipartFile(request, field, limit);
  if (!accept(contentType)) {
    throw new UnsupportedMediaTypeException(
      `Content-Type must be image/* or multipart/form-data, not "${contentType || 'none'}"`,
    );
  }
  if (Number.isFinite(declared) && declared > limit) throw refuse();
  return collect(request, limit);
}
