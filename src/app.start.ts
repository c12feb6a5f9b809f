import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { type AppConfig, appConfig } from './config';
import type { ServedApp } from './concurrency/cluster';
import { ShutdownState } from './health/shutdown-state';

/** Creates the Nest app, listening on PORT: what each cluster worker (or the one process) runs. */
export async function startApp(): Promise<ServedApp> {
  // abortOnError: false lets a bad configuration reach ClusterBootstrap as one clear line.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    abortOnError: false,
  });
  configureApp(app);
  const { port } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(port);
  const shutdown = app.get(ShutdownState);
  return {
    server: app.getHttpServer(),
    markNotReady: () => shutdown.begin(),
    close: () => app.close(),
  };
}
