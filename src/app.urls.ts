import { readDocsConfig } from './config/docs.config';
import { readHealthConfig } from './config/health.config';
import type { LogRecord } from './logging/process-logger';

/**
 * Where the service is, as one log line: the app, its API docs when they are on, and the
 * probe server's health and metrics when it runs. Loads no Nest: the primary logs it.
 */
export function serviceUrls(port: number, env = process.env): LogRecord {
  const url = `http://localhost:${port}`;
  const docsUrl = readDocsConfig(env).enabled ? `${url}/docs` : undefined;
  const probePort = readHealthConfig(env).port;
  const probes = probePort === 0 ? undefined : `http://localhost:${probePort}`;
  const healthUrl = probes && `${probes}/health`;
  const metricsUrl = probes && `${probes}/metrics`;
  const parts = [`Serving on ${url}`];
  if (docsUrl) parts.push(`API docs: ${docsUrl}`);
  parts.push(probes ? `health: ${healthUrl}, metrics: ${metricsUrl}` : 'probe server off');
  return { event: 'serving', port, url, docsUrl, healthUrl, metricsUrl, msg: parts.join('; ') };
}
