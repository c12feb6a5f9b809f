import { Readable } from 'node:stream';
import type { ByteBudget } from './byte-budget';

export interface ReadAheadOptions {
  /** Bytes passed on in all; past it `onOverflow` is called once and the rest is dropped. */
  limit: number;
  /** Shared by every read-ahead: the bytes they hold at once. Spent, they fall back to back-pressure. */
  budget: ByteBudget;
  onOverflow: () => void;
}

/**
 * `source` as a stream that reads ahead of its consumer. Piped straight into a slow consumer
 * (a command that does not read its stdin, or one still waiting for a slot), a request stops
 * being read, and so does its socket: a client that leaves then goes unnoticed, its FIN or
 * RST waiting unread in the kernel until the consumer ends. Read ahead, the socket stays
 * read and the request's 'close' comes at once. What is read and not yet consumed is
 * charged to `budget` as it arrives; while the budget is spent, the source is paused as a
 * plain pipe would (a departure then shows at the consumer's own deadline).
 *
 * Destroying the returned stream (or its end) stops reading `source` and gives back what it
 * held; whatever `source` still has is its owner's (see `drainUnread`).
 */
export function readAhead(source: Readable, options: ReadAheadOptions): Readable {
  const { limit, budget, onOverflow } = options;
  let received = 0;
  let charged = 0;
  // What is charged follows what is held: called whenever the held bytes change.
  const settle = () => {
    const held = ahead.destroyed ? 0 : ahead.readableLength;
    budget.charge(held - charged);
    charged = held;
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      if (received - chunk.length <= limit) onOverflow();
      return;
    }
    ahead.push(chunk);
    settle();
    if (budget.exhausted && ahead.readableLength >= ahead.readableHighWaterMark) source.pause();
  };
  const onEnd = () => ahead.push(null);
  const onError = (error: Error) => ahead.destroy(error);
  const ahead = new Readable({
    read() {
      settle();
      if (source.isPaused()) source.resume();
    },
    destroy(error, callback) {
      source.off('data', onData).off('end', onEnd).off('error', onError);
      source.pause();
      settle();
      callback(error);
    },
  });
  source.on('data', onData).once('end', onEnd).once('error', onError);
  // A client that resets the connection fails `source`, and so this stream, maybe before
  // anyone reads it (a command still waiting for a slot): that is no crash. Its consumer,
  // once there is one, sees the error through its own listeners.
  ahead.on('error', () => undefined);
  return ahead;
}
