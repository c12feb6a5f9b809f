import { serviceUrls } from './app.urls';
import { type AppThreads, ClusterBootstrap } from './concurrency/cluster';
import { validateEnvironment } from './config/validate-environment';
import { logLine } from './logging/process-logger';
import { checkWorkloads } from './workloads/boot-checks';

/*
 * The threads of each app worker, for the cluster's thread plan: the pool's threads render
 * PDFs (each keeps a CPU busy); its in-process slots resize images, which sharp hands to
 * libuv's thread pool. libuv sizes that pool once, from UV_THREADPOOL_SIZE, at first use:
 * the plan sets it before the app loads, with two threads left for fs and dns (at least
 * libuv's default, 4). The primary never loads the workloads, so this does not follow
 * src/workloads/index.ts: without the image workload, delete the inline group and `env`
 * (README, "Remove a shipped workload").
 */
const threads: AppThreads = {
  groups: [
    { variable: 'WORKER_POOL_THREADS', noun: 'pool thread', busy: true },
    { variable: 'WORKER_INLINE_CONCURRENCY', noun: 'inline image slot', busy: false },
  ],
  env: (perWorker) => ({
    UV_THREADPOOL_SIZE: String(Math.max(4, perWorker.WORKER_INLINE_CONCURRENCY + 2)),
  }),
};

/*
 * The entry point hands the bootstrap to ClusterBootstrap: a supervised cluster of app
 * workers by default, or the app in this process with CLUSTER_ENABLED=false. The app is
 * loaded lazily, so the primary process never loads Nest; the configuration (variables, and
 * the files workloads read) is checked and the probe server (HEALTH_PORT) runs in the
 * supervising process.
 */
ClusterBootstrap.run({
  start: async () => (await import('./app.start.js')).startApp(),
  validate: () => {
    validateEnvironment();
    checkWorkloads(); // files a workload reads at boot, such as the commands allowlist
  },
  threads,
  probes: async (view) => (await import('./health/probe/index.js')).serveProbes(view),
  announce: ({ port }) => logLine(serviceUrls(port)),
});
