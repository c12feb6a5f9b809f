import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';

/** Memory of this process, for the picture; informational, so always up. Never throws. */
@Injectable()
export class MemoryHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  sample(): { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number } {
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    return { rssBytes: rss, heapUsedBytes: heapUsed, heapTotalBytes: heapTotal };
  }

  check(key = 'memory'): HealthIndicatorResult {
    return this.health.check(key).up(this.sample());
  }
}
