import { Injectable } from '@nestjs/common';

/**
 * Set once, when shutdown begins (SIGTERM, or the cluster primary's notice), before any
 * module is torn down: readiness answers 503 from that moment while requests still drain.
 */
@Injectable()
export class ShutdownState {
  private since?: number;

  begin(): void {
    this.since ??= Date.now();
  }

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }
}
