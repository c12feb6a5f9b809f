import type { ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { createHttpAdapter } from '../../src/common/http/http-adapter';

/** `METHOD /path` of every route Fastify registered, per app (read by the docs e2e). */
const registered = new WeakMap<NestFastifyApplication, { method: string; url: string }[]>();

export function registeredRoutes(app: NestFastifyApplication): { method: string; url: string }[] {
  return registered.get(app) ?? [];
}

/**
 * Boots the real AppModule on Fastify with `env` applied over the process environment,
 * listening on a real socket (127.0.0.1, random port). Close it with `app.close()`: that
 * runs the same shutdown hooks as SIGTERM and proves the pool releases its threads.
 * `imports` adds test-only modules beside AppModule.
 */
export async function startApp(
  env: Record<string, string> = {},
  imports: NonNullable<ModuleMetadata['imports']> = [],
): Promise<NestFastifyApplication> {
  // pino writes to stdout itself, past jest's console capture: quiet unless a test asks.
  env = { LOG_LEVEL: 'silent', ...env };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, ...imports],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
      bodyParser: false,
      logger: false,
    });
    const routes: { method: string; url: string }[] = [];
    registered.set(app, routes);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', ({ method, url }) => {
        for (const one of [method].flat()) routes.push({ method: one, url });
      });
    await configureApp(app);
    await app.listen(0, '127.0.0.1');
    return app;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
