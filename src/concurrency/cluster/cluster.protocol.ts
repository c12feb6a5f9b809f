/** Messages between the primary and its app workers, over the cluster's IPC channel. */

/** Worker → primary: the app listens and takes traffic. */
export interface ReadyMessage {
  cluster: 'ready';
}

/** Worker → primary, every heartbeat interval, from the worker's event loop. */
export interface HeartbeatMessage {
  cluster: 'heartbeat';
  /** Event loop delay since the last heartbeat, in ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export type WorkerMessage = ReadyMessage | HeartbeatMessage;

/** Primary → worker: shutdown begins; turn not ready, keep serving. */
export interface NotReadyMessage {
  cluster: 'not-ready';
}

/** Primary → worker: drain and exit (0 when clean). */
export interface ShutdownMessage {
  cluster: 'shutdown';
  timeoutMs: number;
}

export type PrimaryMessage = NotReadyMessage | ShutdownMessage;

/** Exit code of a worker that cannot start because of its configuration: not worth a restart. */
export const EXIT_CONFIG_ERROR = 78;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return isObject(value) && (value.cluster === 'ready' || value.cluster === 'heartbeat');
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return isObject(value) && (value.cluster === 'not-ready' || value.cluster === 'shutdown');
}
