import type { Response } from 'supertest';

/** A supertest parser that keeps any response body as raw bytes (images, PDFs, errors alike). */
export function binary(res: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
