import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { pdfConfig, type PdfConfig } from '../../config';

/**
 * Parses the JSON body of this module's routes only, within `PDF_MAX_BODY_BYTES`. As Nest
 * middleware it runs after the app's own (request id, access log, metrics), so a malformed
 * or oversized body is logged and measured like any request; its error goes to the
 * exception filter, which answers 400 or 413 in the API's JSON shape.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(@Inject(pdfConfig.KEY) config: PdfConfig) {
    this.parse = json({ limit: config.maxBodyBytes, type: 'application/json' });
  }

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      // body-parser's errors are Errors (http-errors), with the `type` the filter reads.
      void this.parse(request, response, (error?: unknown) =>
        error ? reject(error instanceof Error ? error : new Error('unreadable body')) : resolve(),
      );
    });
    next();
  }
}
