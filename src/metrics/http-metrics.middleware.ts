import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Times every request. The route label is the matched pattern (`/commands/:name`), never the
 * raw URL, and `unmatched` for a URL no route serves (Nest's own catch-all middleware layer
 * is not a route), so the label set stays bounded. A request whose client went away before
 * the response ended is counted with status `aborted`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      const path = (request.route as { path?: unknown } | undefined)?.path;
      end({
        method: request.method,
        route:
          typeof path === 'string' && !path.includes('*')
            ? `${request.baseUrl}${path}`
            : 'unmatched',
        status_code: response.writableFinished ? String(response.statusCode) : 'aborted',
      });
    };
    response.once('finish', record).once('close', record);
    next();
  }
}
