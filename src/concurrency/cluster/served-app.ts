import type { Server } from 'node:http';

/**
 * What ClusterBootstrap needs from the app it runs: a started, listening app. A Nest app
 * fits with a few lines (see src/main.ts).
 */
export interface ServedApp {
  /** The listening HTTP server, drained on shutdown. */
  readonly server: Server;
  /** Turns readiness off at once: called when shutdown begins, before anything is torn down. */
  markNotReady(): void;
  /** Releases everything else (Nest: `app.close()`, which runs the shutdown hooks). */
  close(): Promise<void>;
  /** This process's health as plain data, sent to the primary with every heartbeat. */
  snapshot?(): unknown;
  /** This process's metrics as plain data (prom-client JSON), when the primary scrapes. */
  metrics?(): Promise<unknown>;
}

/** The port `app` listens on, if it listens on one. */
export function listeningPort(app: ServedApp): number | undefined {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
