export { appConfig, type AppConfig } from './app.config';
export { readClusterConfig, type ClusterConfig } from './cluster.config';
export { imageConfig, type ImageConfig } from './image.config';
export { pdfConfig, type PdfConfig, type PdfBaseFont, type PdfMissingGlyphs } from './pdf.config';
export { workerPoolConfig, type WorkerPoolConfig } from './worker-pool.config';
export { InvalidEnvironmentError } from './env';
export { childProcessConfig, type ChildProcessConfig } from './child-process.config';
export { commandsConfig, type CommandsConfig } from './commands.config';
export { readHealthConfig, minReadyWorkers, type HealthConfig } from './health.config';
export { readDocsConfig, type DocsConfig } from './docs.config';
export { readHttpConfig, type HttpConfig } from './http.config';
export {
  jobsConfig,
  jobConcurrency,
  readJobsConfig,
  readRedisUrl,
  type JobsConfig,
} from './jobs.config';
