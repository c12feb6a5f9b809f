import fastifyMultipart from '@fastify/multipart';
import { ConfigService } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { registerBodyParsing } from './common/http/body-parsing';
import { setupOpenApi } from './docs';

/**
 * What main.ts and the e2e tests both apply to the app, before it starts, so tests run the
 * real setup: @fastify/multipart, the content-type parsers that give each route the body its
 * `@RouteBody` declares (no body read by a parser its route did not ask for), and the docs.
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const config = app.get(ConfigService);
  // Its limits are set per request, by the route that reads the parts (readUpload).
  await app.register(fastifyMultipart);
  registerBodyParsing(app.getHttpAdapter().getInstance(), (path) => config.get(path));
  // Swagger UI and the OpenAPI document at /docs, unless turned off (off in production).
  setupOpenApi(app);
  return app;
}
