import type { Server } from 'node:http';
import type { ClusterView } from '../../concurrency/cluster';
import { minReadyWorkers, readHealthConfig } from '../../config/health.config';
import { startProbeServer } from './probe-server';

/*
 * Runs in: the primary, or the one process with CLUSTER_ENABLED=false. It answers from the
 * app workers' last heartbeats and never loads Nest.
 */

/**
 * The probe server as main.ts starts it: on `HEALTH_PORT` (0 turns it off), with the
 * readiness threshold and hysteresis from the environment.
 */
export async function serveProbes(view: ClusterView): Promise<Server | undefined> {
  const config = readHealthConfig();
  if (config.port === 0) return undefined;
  return startProbeServer(view, {
    port: config.port,
    minReadyWorkers: minReadyWorkers(config, view.plannedWorkers),
    readyHysteresisMs: config.readyHysteresisMs,
    scrapeTimeoutMs: config.scrapeTimeoutMs,
  });
}

export { startProbeServer, type ProbeServerOptions } from './probe-server';
