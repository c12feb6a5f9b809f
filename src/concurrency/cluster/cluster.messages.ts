/** Log lines of the primary, in one place. */
export const clusterMessages = {
  forked: (slot: number, pid: number, reason: string) =>
    `Cluster: worker ${slot} forked (pid ${pid}, ${reason})`,
  ready: (slot: number, pid: number, ms: number) =>
    `Cluster: worker ${slot} ready (pid ${pid}) in ${ms} ms`,
  allReady: (count: number, ms: number) => `Cluster: all ${count} workers ready in ${ms} ms`,
  exited: (slot: number, pid: number, how: string, uptimeMs: number) =>
    `Cluster: worker ${slot} (pid ${pid}) exited with ${how} after ${uptimeMs} ms`,
  restarting: (slot: number, delayMs: number, attempt: number) =>
    `Cluster: restarting worker ${slot} in ${delayMs} ms (attempt ${attempt})`,
  ipcError: (slot: number, pid: number, message: string) =>
    `Cluster: worker ${slot} (pid ${pid}) IPC error: ${message}`,
  startTimeout: (slot: number, pid: number, ms: number) =>
    `Cluster: worker ${slot} (pid ${pid}) not ready after ${ms} ms; killing it`,
  silent: (slot: number, pid: number, ms: number) =>
    `Cluster: worker ${slot} (pid ${pid}) sent no heartbeat for ${ms} ms (blocked or stopped); killing it`,
  overRss: (slot: number, pid: number, rssMb: number, maxMb: number) =>
    `Cluster: worker ${slot} (pid ${pid}) uses ${rssMb} MiB RSS, above ${maxMb} MiB; replacing it`,
  crashLoop: (exits: number, windowMs: number) =>
    `Cluster: crash loop, ${exits} unstable worker exits within ${windowMs} ms; stopping the cluster`,
  configError: (slot: number) =>
    `Cluster: worker ${slot} cannot start with this configuration; stopping the cluster`,
  rolling: (count: number) => `Cluster: SIGHUP, rolling restart of ${count} workers`,
  rolled: (ms: number) => `Cluster: rolling restart done in ${ms} ms`,
  replaceFailed: (slot: number) =>
    `Cluster: the replacement of worker ${slot} did not become ready; keeping the old one`,
  shutdown: (signal: string, delayMs: number, timeoutMs: number) =>
    `Cluster: ${signal} received: not ready now, draining in ${delayMs} ms, for up to ${timeoutMs} ms`,
  stragglers: (count: number) => `Cluster: shutdown timeout, killing ${count} worker(s)`,
  stopped: (code: number) => `Cluster: all workers gone, exiting ${code}`,
};
