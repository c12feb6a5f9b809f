import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Times every request; the route label is the matched pattern (`/commands/:name`), never the raw URL. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    response.once('finish', () => {
      const route = request.route as { path?: string } | undefined;
      end({
        method: request.method,
        route: route?.path ? `${request.baseUrl}${route.path}` : 'unmatched',
        status_code: String(response.statusCode),
      });
    });
    next();
  }
}
