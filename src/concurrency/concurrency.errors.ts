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

type ErrorClass = abstract new (...args: never[]) => ConcurrencyError;

const ownInstanceCheck = Function.prototype[Symbol.hasInstance];

/**
 * Makes `instanceof family` (an executor's base, such as `WorkerPoolError`) also hold for
 * errors of `members`: that executor's classes that extend a shared admission base
 * (`QueueFullError`, `ClosedError`, `TimedOutError`) instead, since a class has one parent.
 * Subclasses of `family` keep the ordinary check.
 */
export function adoptIntoFamily(family: ErrorClass, members: readonly ErrorClass[]): void {
  Object.defineProperty(family, Symbol.hasInstance, {
    value(this: ErrorClass, value: unknown): boolean {
      if (ownInstanceCheck.call(this, value)) return true;
      return this === family && members.some((member) => ownInstanceCheck.call(member, value));
    },
  });
}
