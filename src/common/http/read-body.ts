import {
  BadRequestException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';

export interface UploadOptions {
  /** Largest accepted file, in bytes. */
  limit: number;
  /** The multipart/form-data field that carries the file. */
  field: string;
  /** Which raw (non-multipart) content types are accepted. */
  accept: (contentType: string) => boolean;
  /** What to call the accepted types in a 415 message, e.g. "image/*". */
  acceptName: string;
}

/**
 * Answers 413 without reading the rest of the body: the connection is closed once the
 * answer is out, so a client cannot keep a worker reading what will be thrown away.
 */
function tooLarge(request: Request, limit: number): PayloadTooLargeException {
  const response = request.res;
  if (response && !response.headersSent) {
    response.setHeader('Connection', 'close');
    response.once('finish', () => request.destroy());
  }
  return new PayloadTooLargeException(`The upload is larger than the limit of ${limit} bytes`);
}

function interrupted(): BadRequestException {
  return new BadRequestException('The upload was interrupted before it was complete');
}

/** Reads a stream whole; fails as soon as it passes `limit` bytes or the client goes away. */
function collect(request: Request, stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish();
        stream.pause();
        reject(tooLarge(request, limit));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      finish();
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = () => {
      finish();
      reject(interrupted());
    };
    const finish = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onClose);
      request.off('close', onClose);
    };
    stream.on('data', onData).once('end', onEnd).once('error', onClose);
    request.once('close', onClose);
  });
}

/** The `field` file of a multipart/form-data body; other parts are skipped unread. */
function readMultipartFile(request: Request, options: UploadOptions): Promise<Buffer> {
  const { field, limit } = options;
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { fileSize: limit + 1, parts: 20 } });
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
      file = collect(request, stream, limit);
      // Over the limit or interrupted: answer now, not when the parser gets to the end.
      file.catch((error: Error) => {
        request.unpipe(parser);
        reject(error);
      });
    });
    parser.once('error', () => {
      request.unpipe(parser);
      reject(new BadRequestException('Malformed multipart/form-data body'));
    });
    parser.once('close', () => {
      if (file) resolve(file);
      else reject(new BadRequestException(`The multipart body has no "${field}" file field`));
    });
    request.once('close', () => {
      if (!request.complete) reject(interrupted());
    });
    request.pipe(parser);
  });
}

/**
 * Reads an uploaded file: a raw body of a type `accept` allows, or the `field` part of a
 * multipart/form-data body. Refuses a declared or actual size over `limit` with 413 as
 * soon as it is known, and any other content type with 415.
 */
export async function readUpload(request: Request, options: UploadOptions): Promise<Buffer> {
  const { limit, accept, acceptName } = options;
  const declared = Number(request.headers['content-length']);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'multipart/form-data') {
    // The multipart envelope adds a little to the file's own size.
    if (declared > limit + 64 * 1024) throw tooLarge(request, limit);
    return readMultipartFile(request, options);
  }
  if (!accept(contentType)) {
    throw new UnsupportedMediaTypeException(
      `Content-Type must be ${acceptName} or multipart/form-data, not "${contentType || 'none'}"`,
    );
  }
  if (declared > limit) throw tooLarge(request, limit);
  return collect(request, request, limit);
}
