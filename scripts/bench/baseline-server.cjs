'use strict';
/**
 * Baseline "B" of the event-loop section: what the service would be without the worker
 * pool. A plain node:http server that validates a report with the service's own
 * `parseReport` and renders it with the same `renderReport`, in-line on its event loop.
 * Not part of the product. Env PORT; answers /health/live, /health/ready, POST /pdf/report.
 */
const http = require('node:http');
const { renderReport } = require('../../dist/workloads/pdf/report.render.js');
const { parseReport } = require('../../dist/workloads/pdf/report.validation.js');

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PAGES = 200;
/** The service's defaults (PDF_BASE_FONT, PDF_FONTS, PDF_MISSING_GLYPHS), as in direct-runner.cjs. */
const RENDER_OPTIONS = {
  maxPages: MAX_PAGES,
  fonts: { base: 'dejavu', fallbacks: [] },
  missingGlyphs: 'refuse',
};

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res, status, value) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

function health(res) {
  const info = {
    process: { status: 'up', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) },
  };
  json(res, 200, { status: 'ok', info, error: {}, details: info });
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES)
        reject(Object.assign(new Error('body too large'), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Object.assign(new Error('invalid JSON'), { status: 400 }));
      }
    });
  });
}

async function report(req, res) {
  try {
    const input = parseReport(await readJson(req));
    const pdf = await renderReport(input, RENDER_OPTIONS);
    send(res, 200, 'application/pdf', pdf);
  } catch (error) {
    json(res, error.status ?? error.getStatus?.() ?? 500, { message: error.message });
  }
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && (path === '/health/live' || path === '/health/ready'))
    return health(res);
  if (req.method === 'POST' && path === '/pdf/report') return void report(req, res);
  json(res, 404, { message: 'not found' });
});

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
