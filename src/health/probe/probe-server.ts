import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { ClusterView } from '../../concurrency/cluster';
import { ClusterHealth, type ProbeAnswer } from './cluster-health';
import { ClusterMetrics } from '../../metrics/cluster.metrics';

export interface ProbeServerOptions {
  port: number;
  host?: string;
  minReadyWorkers: number;
  readyHysteresisMs: number;
  scrapeTimeoutMs: number;
}

/**
 * The probe port: `/health/live`, `/health/ready`, `/health/startup`, `/health` and
 * `/metrics`, on a plain `node:http` server in the supervising process (the cluster
 * primary, or the one app process). Health answers come from the latest snapshots, so
 * they never wait on a worker; only `/metrics` asks the workers, with a timeout.
 */
export async function startProbeServer(
  view: ClusterView,
  options: ProbeServerOptions,
): Promise<Server> {
  const health = new ClusterHealth(view, options);
  const metrics = new ClusterMetrics(view, options.scrapeTimeoutMs);
  const routes: Record<string, () => ProbeAnswer> = {
    '/health/live': () => health.live(),
    '/health/ready': () => health.ready(),
    '/health/startup': () => health.startup(),
    '/health': () => health.full(),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(response, 405, {
        statusCode: 405,
        error: 'Method Not Allowed',
        message: 'GET only',
      });
    }
    if (path === '/metrics') {
      metrics.text().then(
        (text) => {
          response.writeHead(200, { 'Content-Type': metrics.contentType });
          response.end(text);
        },
        (error: unknown) =>
          json(response, 500, {
            statusCode: 500,
            error: 'Internal Server Error',
            message: String(error),
          }),
      );
      return;
    }
    const route = routes[path];
    if (!route) {
      return json(response, 404, {
        statusCode: 404,
        error: 'Not Found',
        message: `No probe at ${path}`,
      });
    }
    try {
      const { statusCode, body } = route();
      json(response, statusCode, body);
    } catch (error) {
      // A probe must answer; a bug here must not take the supervising process down.
      json(response, 500, {
        statusCode: 500,
        error: 'Internal Server Error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  // Probes are tiny and frequent: no reason to keep connections around.
  server.keepAliveTimeout = 1_000;
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return server;
}

function json(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
