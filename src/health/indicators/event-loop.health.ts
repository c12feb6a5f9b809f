import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event loop delay p99 above which the process counts as saturated (not ready), in ms. */
export const EVENT_LOOP_SATURATED_MS = 1_000;
const WINDOW_MS = 1_000;

/**
 * Event loop delay over the last full second (a rolling window, so one slow second shows
 * and then passes). Never throws.
 */
@Injectable()
export class EventLoopHealthIndicator implements OnModuleInit, OnModuleDestroy {
  private histogram?: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  private last = { p99Ms: 0, maxMs: 0 };

  constructor(private readonly health: HealthIndicatorService) {}

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  /** p99 and max of the last window, or of the current one if it is worse. */
  sample(): { p99Ms: number; maxMs: number } {
    const current = this.read();
    return {
      p99Ms: Math.max(this.last.p99Ms, current.p99Ms),
      maxMs: Math.max(this.last.maxMs, current.maxMs),
    };
  }

  check(key = 'eventLoop'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const sample = this.sample();
    return sample.p99Ms > EVENT_LOOP_SATURATED_MS
      ? indicator.down({ ...sample, reason: 'event loop saturated' })
      : indicator.up(sample);
  }

  private read(): { p99Ms: number; maxMs: number } {
    if (!this.histogram || this.histogram.count === 0) return { p99Ms: 0, maxMs: 0 };
    return {
      p99Ms: round(this.histogram.percentile(99) / 1e6),
      maxMs: round(this.histogram.max / 1e6),
    };
  }

  private rotate(): void {
    this.last = this.read();
    this.histogram?.reset();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
