'use strict';
/**
 * The floor of a resize through HTTP: bare `node:http`, no framework, reads the raw upload
 * into one buffer of its Content-Length and runs the service's own `resizeImage` on it, at
 * most 2 at a time (the bench's WORKER_INLINE_CONCURRENCY). What it does not do is what the
 * service adds per request: routing, validation, admission, deadlines, the request's abort
 * signal, logs and metrics. Started with the service's heap growing factor
 * (image-input.cjs#serviceHeapFlags) by section 3b (bench-image.cjs) and by
 * `image-overhead.cjs floor`; answers 200 on any GET (the bench's readiness poll).
 */
const http = require('node:http');
const { join } = require('node:path');
const { resizeInput } = require('./image-input.cjs');

const { resizeImage } = require(
  join(__dirname, '..', '..', 'dist', 'workloads', 'image', 'image.resize.js'),
);
const SLOTS = 2;
const PARAMS = JSON.parse(process.env.FLOOR_PARAMS);
let busy = 0;
const waiting = [];
const acquire = () =>
  busy < SLOTS ? (busy++, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve));
const release = () => (waiting.length > 0 ? waiting.shift()() : busy--);

async function resize(body, response) {
  await acquire();
  try {
    const signal = new AbortController().signal;
    const image = await resizeImage(resizeInput(body, PARAMS), {
      signal,
      deadline: Date.now() + 30_000,
    });
    response.writeHead(200, {
      'content-type': 'image/jpeg',
      'x-image-width': image.width,
      'x-image-height': image.height,
    });
    response.end(image.data);
  } catch (error) {
    response.writeHead(500).end(String(error));
  } finally {
    release();
  }
}

http
  .createServer((request, response) => {
    const length = Number(request.headers['content-length']);
    if (request.method !== 'POST' || !(length > 0)) return void response.end('ok');
    const body = Buffer.allocUnsafe(length);
    let offset = 0;
    request.on('data', (chunk) => (offset += chunk.copy(body, offset)));
    request.on('end', () => void resize(body.subarray(0, offset), response));
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
