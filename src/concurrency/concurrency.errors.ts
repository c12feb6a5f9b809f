/**
 * Base of every error the concurrency layer raises. Callers branch on the subclass; the
 * HTTP layer maps them to status codes in one filter, so these modules never know HTTP.
 */
export abstract class ConcurrencyError extends Error {
  /** Seconds a client may wait before trying again, where trying again can help. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
