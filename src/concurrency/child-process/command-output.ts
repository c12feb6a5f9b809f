import { finished, Readable } from 'node:stream';

export interface CommandOutputEvents {
  /** Bytes passed through: the command is active. */
  onData(): void;
  /** The byte count passed the cap; nothing more is passed on. */
  onOverflow(): void;
}

/**
 * The stdout a `stream()` caller reads. Bytes are counted as they pass to the consumer, and
 * only as fast as it reads (at most one chunk waits here). The end is held back until the run
 * has settled: a command that writes its output and then fails must not look like a complete
 * response, so its stream errors instead of ending.
 *
 * It takes at most one chunk from the pipe per event-loop turn, always from a setImmediate
 * callback. Piped directly, a fast command and a fast consumer let libuv read up to 32 × 64 KiB
 * from the pipe in one callback, each chunk passing through the consumer before timers and
 * other sockets get a turn; that is what the event-loop delay measured in BENCHMARKS.md
 * section 4 came from. Here a turn moves at most 64 KiB per running command.
 */
export class CommandOutput extends Readable {
  private bytes = 0;
  private outcome?: { error?: Error };
  private sourceEnded = false;
  private wanted = false;
  private overflowed = false;
  private pending?: NodeJS.Immediate;

  constructor(
    private readonly source: Readable,
    private readonly maxBytes: number,
    private readonly events: CommandOutputEvents,
  ) {
    super({ highWaterMark: 64 * 1024 });
    // A 'readable' listener keeps the source paused: it reads only when pull() asks.
    source.on('readable', () => this.schedule());
    // Not `once('end')`: a pipe handed over by the spawn host starts reading as soon as it
    // arrives (net.Socket reads at once), so a command that printed nothing and exited may
    // have ended and closed its stdout before this constructor runs, and that 'end' is gone.
    // finished() looks at the stream's state first, then listens.
    finished(source, { writable: false }, (error) => {
      if (error) {
        // A read error, or a pipe closed without its end: the output is incomplete.
        this.destroy(error);
        return;
      }
      this.sourceEnded = true;
      this.finish();
    });
  }

  /** The run settled: end after the last byte, or fail at once with the run's error. */
  settle(error?: Error): void {
    if (this.outcome) return;
    this.outcome = { error };
    if (error) this.destroy(error);
    else this.finish();
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  override _read(): void {
    this.wanted = true;
    this.schedule();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    callback(error);
  }

  private schedule(): void {
    // Never read inside the pipe's own callback: re-arming the read there lets libuv go on
    // reading in the same turn.
    this.pending ??= setImmediate(() => this.pull());
  }

  private pull(): void {
    this.pending = undefined;
    if (!this.wanted || this.overflowed || this.destroyed) return;
    const chunk = this.source.read() as Buffer | null;
    if (chunk === null) return; // 'readable' or 'end' follows
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.overflowed = true;
      this.events.onOverflow();
      return;
    }
    this.events.onData();
    this.wanted = false;
    this.push(chunk);
  }

  private finish(): void {
    if (!this.sourceEnded || !this.outcome || this.destroyed) return;
    if (this.outcome.error) this.destroy(this.outcome.error);
    else this.push(null);
  }
}
