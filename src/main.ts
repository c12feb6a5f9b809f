import { ClusterBootstrap } from './concurrency/cluster';

/*
 * The entry point hands the bootstrap to ClusterBootstrap: a supervised cluster of app
 * workers by default, or the app in this process with CLUSTER_ENABLED=false. The app is
 * loaded lazily, so the primary process never loads Nest; the probe server (HEALTH_PORT)
 * runs in the supervising process.
 */
ClusterBootstrap.run({
  start: async () => (await import('./app.start.js')).startApp(),
  probes: async (view) => (await import('./health/probe/index.js')).serveProbes(view),
});
