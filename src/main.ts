// First: sizes libuv's thread pool before anything uses it.
import './uv-threadpool';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { type AppConfig, appConfig } from './config';

async function bootstrap(): Promise<void> {
  // abortOnError: false lets a bad configuration reach the catch below as one clear line.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    abortOnError: false,
  });
  configureApp(app);
  const { port, shutdownTimeoutMs } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(port);
  exitOnSignals(app, shutdownTimeoutMs);
}

/**
 * SIGTERM or SIGINT closes the app and exits 0 once in-flight requests and pool tasks are
 * done. At SHUTDOWN_TIMEOUT_MS the connections still open are cut, the pool stops what is
 * left, and the exit code is 1; a second signal exits at once. Explicit handlers, because
 * the process may be PID 1 in a container, where signals without a handler are ignored;
 * and unlike `enableShutdownHooks()`, which re-raises the signal, a clean drain exits 0.
 */
function exitOnSignals(app: NestExpressApplication, shutdownTimeoutMs: number): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.removeListener('SIGTERM', onSignal).removeListener('SIGINT', onSignal);
    process.once('SIGTERM', () => process.exit(1)).once('SIGINT', () => process.exit(1));
    console.log(`${signal} received: draining for up to ${shutdownTimeoutMs} ms`);
    let forced = false;
    const deadline = setTimeout(() => {
      forced = true;
      console.error('Shutdown timeout: closing the connections still open');
      app.getHttpServer().closeAllConnections();
    }, shutdownTimeoutMs);
    deadline.unref();
    app.close().then(
      () => process.exit(forced ? 1 : 0),
      (error: unknown) => {
        console.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
}

bootstrap().catch((error: unknown) => {
  console.error(`Failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
