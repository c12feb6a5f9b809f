/** Messages between the primary and its app workers, over the cluster's IPC channel. */

/** Worker → primary: the app listens and takes traffic. */
export interface ReadyMessage {
  cluster: 'ready';
  /** The app's first health snapshot: the primary never shows a ready worker without one. */
  snapshot?: unknown;
  /** The port the app listens on (the one the primary announces). */
  port?: number;
}

/** Worker → primary, every heartbeat interval, from the worker's event loop. */
export interface HeartbeatMessage {
  cluster: 'heartbeat';
  /** Event loop delay since the last heartbeat, in ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The app's health snapshot, if the app provides one. */
  snapshot?: unknown;
}

/** Worker → primary: the answer to a metrics request. */
export interface MetricsMessage {
  cluster: 'metrics';
  id: number;
  metrics: unknown;
}

export type WorkerMessage = ReadyMessage | HeartbeatMessage | MetricsMessage;

/** Primary → worker: shutdown begins; turn not ready, keep serving. */
export interface NotReadyMessage {
  cluster: 'not-ready';
}

/** Primary → worker: drain and exit (0 when clean). */
export interface ShutdownMessage {
  cluster: 'shutdown';
  timeoutMs: number;
}

/** Primary → worker: send your metrics (a scrape of the probe port). */
export interface MetricsRequestMessage {
  cluster: 'metrics-request';
  id: number;
}

export type PrimaryMessage = NotReadyMessage | ShutdownMessage | MetricsRequestMessage;

/** Exit code of a worker that cannot start because of its configuration: not worth a restart. */
export const EXIT_CONFIG_ERROR = 78;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return (
    isObject(value) &&
    (value.cluster === 'ready' || value.cluster === 'heartbeat' || value.cluster === 'metrics')
  );
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return (
    isObject(value) &&
    (value.cluster === 'not-ready' ||
      value.cluster === 'shutdown' ||
      value.cluster === 'metrics-request')
  );
}
