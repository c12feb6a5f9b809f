/**
 * The service's configuration: a plain reader per `*.config.ts` (no Nest), and the typed
 * namespaces Nest injects over them (namespaces.ts).
 *
 * Runs in: the primary (validate-environment.ts checks every variable before anything forks)
 * and the app workers (the namespaces).
 *
 * @packageDocumentation
 */
export {
  appConfig,
  childProcessConfig,
  commandsConfig,
  imageConfig,
  jobsConfig,
  pdfConfig,
  workerPoolConfig,
} from './namespaces';
export type { AppConfig } from './app.config';
export { readClusterConfig, type ClusterConfig } from './cluster.config';
export type { ImageConfig } from './image.config';
export type { PdfConfig, PdfBaseFont, PdfMissingGlyphs } from './pdf.config';
export type { WorkerPoolConfig } from './worker-pool.config';
export { ConfigurationError, InvalidEnvironmentError } from './env';
export type { ChildProcessConfig } from './child-process.config';
export type { CommandsConfig } from './commands.config';
export { readHealthConfig, minReadyWorkers, type HealthConfig } from './health.config';
export { readDocsConfig, type DocsConfig } from './docs.config';
export { readHttpConfig, type HttpConfig } from './http.config';
export { jobConcurrency, readJobsConfig, readRedisUrl, type JobsConfig } from './jobs.config';
