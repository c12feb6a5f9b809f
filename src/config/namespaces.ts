import { registerAs } from '@nestjs/config';
import { readAppConfig } from './app.config';
import { readChildProcessConfig } from './child-process.config';
import { readCommandsConfig } from './commands.config';
import { readImageConfig } from './image.config';
import { readJobsConfig } from './jobs.config';
import { readPdfConfig } from './pdf.config';
import { readWorkerPoolConfig } from './worker-pool.config';

/*
 * The typed namespaces Nest injects (`@Inject(appConfig.KEY)`), over plain readers: the
 * readers load no Nest, so the cluster primary checks every variable with them
 * (validate-environment.ts) without paying for @nestjs/config.
 */
export const appConfig = registerAs('app', () => readAppConfig());
export const workerPoolConfig = registerAs('workerPool', () => readWorkerPoolConfig());
export const imageConfig = registerAs('image', () => readImageConfig());
export const pdfConfig = registerAs('pdf', () => readPdfConfig());
export const childProcessConfig = registerAs('childProcess', () => readChildProcessConfig());
export const commandsConfig = registerAs('commands', () => readCommandsConfig());
export const jobsConfig = registerAs('jobs', () => readJobsConfig());
