import { Injectable } from '@nestjs/common';

/**
 * Set once, when shutdown begins (SIGTERM, or the cluster primary's notice), before any
 * module is torn down: readiness answers 503 from that moment while requests still drain.
 */
@Injectable()
export class ShutdownState {
  private since?: number;
  private readonly listeners: (() => void)[] = [];

  begin(): void {
    if (this.since !== undefined) return;
    this.since = Date.now();
    for (const listener of this.listeners.splice(0)) listener();
  }

  get shuttingDown(): boolean {
    return this.since !== undefined;
  }

  /** Calls `listener` once when shutdown begins (at once if it has): e.g. the job worker stops taking jobs. */
  onBegin(listener: () => void): void {
    if (this.since !== undefined) listener();
    else this.listeners.push(listener);
  }
}
