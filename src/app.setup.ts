import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupOpenApi } from './docs';

/**
 * What main.ts and the e2e tests both apply to the app, so tests run the real setup.
 * The app is created with `bodyParser: false`: each route reads its own body with its own
 * limit (the PDF module parses JSON, uploads and command input are streamed), so no body is
 * consumed by a parser its route did not ask for.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  // Swagger UI and the OpenAPI document at /docs, unless turned off (off in production).
  setupOpenApi(app);
  return app;
}
