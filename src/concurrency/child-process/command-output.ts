import { Transform, type TransformCallback } from 'node:stream';

export interface CommandOutputEvents {
  /** Bytes passed through: the command is active. */
  onData(): void;
  /** The byte count passed the cap; nothing more is passed on. */
  onOverflow(): void;
}

/**
 * The stdout a `stream()` caller reads. Bytes are counted as they pass to the consumer
 * (backpressure keeps that within a highWaterMark of what was read). The end is held back
 * until the run has settled: a command that writes its output and then fails must not look
 * like a complete response, so its stream errors instead of ending.
 */
export class CommandOutput extends Transform {
  private bytes = 0;
  private pendingFlush?: TransformCallback;
  private outcome?: { error?: Error };

  constructor(
    private readonly maxBytes: number,
    private readonly events: CommandOutputEvents,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  /** The run settled: end after the last byte, or fail at once with the run's error. */
  settle(error?: Error): void {
    if (this.outcome) return;
    this.outcome = { error };
    if (this.pendingFlush) this.pendingFlush(error);
    else if (error) this.destroy(error);
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.events.onOverflow();
      callback();
      return;
    }
    this.events.onData();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.outcome) callback(this.outcome.error);
    else this.pendingFlush = callback;
  }
}
