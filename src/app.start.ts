import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { createHttpAdapter } from './common/http/http-adapter';
import { setHeapGrowing } from './common/runtime/heap-growth';
import { type AppConfig, appConfig } from './config';
import { readAppConfig } from './config/app.config';
import type { ServedApp } from './concurrency/cluster';
import { HealthSnapshotService } from './health/health-snapshot.service';
import { ShutdownState } from './health/shutdown-state';
import { AppLogger } from './logging';
import { MetricsService } from './metrics/metrics.service';

/**
 * Creates the Nest app on Fastify, listening on PORT: what each cluster worker (or the one
 * process) runs. It looks up, in whatever AppModule imports: AppLogger (LoggingModule), the
 * `app` config (`appConfig` in ConfigModule's `load`), ShutdownState and HealthSnapshotService
 * (HealthModule) and MetricsService (MetricsModule); a root module without one of them fails
 * every boot (README, "Use only the modules you need").
 */
export async function startApp(): Promise<ServedApp> {
  setHeapGrowing(readAppConfig().heapGrowingPercent);
  // abortOnError: false lets a bad configuration reach ClusterBootstrap as one clear line.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bodyParser: false,
    abortOnError: false,
    // Nest's boot lines wait for the pino logger, so every line of the process is pino's.
    bufferLogs: true,
  });
  app.useLogger(app.get(AppLogger));
  await configureApp(app);
  const { port } = app.get<AppConfig>(appConfig.KEY);
  // All interfaces, as on Express (Fastify's default would be localhost only).
  await app.listen(port, '0.0.0.0');
  const shutdown = app.get(ShutdownState);
  const health = app.get(HealthSnapshotService);
  const metrics = app.get(MetricsService);
  return {
    server: app.getHttpServer(),
    markNotReady: () => shutdown.begin(),
    close: () => app.close(),
    snapshot: () => health.snapshot(),
    metrics: () => metrics.json(),
  };
}
