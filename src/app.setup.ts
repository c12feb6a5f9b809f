import type { NestExpressApplication } from '@nestjs/platform-express';
import { type PdfConfig, pdfConfig } from './config';
import { setupOpenApi } from './docs';

/**
 * What main.ts and the e2e tests both apply to the app, so tests run the real setup.
 * The app is created with `bodyParser: false`: JSON is parsed with the report size limit,
 * and uploads are streamed by their own routes with theirs.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const pdf = app.get<PdfConfig>(pdfConfig.KEY);
  // JSON is parsed for the JSON routes only: /commands streams any body to a command's stdin.
  app.useBodyParser('json', {
    limit: pdf.maxBodyBytes,
    type: (req) =>
      !req.url?.startsWith('/commands/') &&
      /^application\/json\b/i.test(String(req.headers['content-type'] ?? '')),
  });
  app.disable('x-powered-by');
  // Swagger UI and the OpenAPI document at /docs, unless turned off (off in production).
  setupOpenApi(app);
  return app;
}
