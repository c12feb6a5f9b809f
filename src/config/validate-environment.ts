import { readAppConfig } from './app.config';
import { readChildProcessConfig } from './child-process.config';
import { readCommandsConfig } from './commands.config';
import { readClusterConfig } from './cluster.config';
import { readDocsConfig } from './docs.config';
import { readHealthConfig } from './health.config';
import { readHttpConfig } from './http.config';
import { readImageConfig } from './image.config';
import { readJobsConfig } from './jobs.config';
import { readLoggingConfig } from './logging.config';
import { readPdfConfig } from './pdf.config';
import { readWorkerPoolConfig } from './worker-pool.config';

/** Every reader of the service's configuration: a new `*.config.ts` adds its reader here. */
const READERS: readonly (() => unknown)[] = [
  readClusterConfig,
  readLoggingConfig,
  readHealthConfig,
  readAppConfig,
  readHttpConfig,
  readDocsConfig,
  readWorkerPoolConfig,
  readChildProcessConfig,
  readCommandsConfig,
  readImageConfig,
  readPdfConfig,
  readJobsConfig,
];

/**
 * Reads every variable of the service from `process.env` and throws the first
 * `InvalidEnvironmentError`. The supervising process runs it before anything forks or Nest
 * boots, so a bad value stops the service with one line naming it, not once per app worker.
 * Loads no Nest.
 */
export function validateEnvironment(): void {
  for (const read of READERS) read();
}
