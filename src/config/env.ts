import { availableParallelism } from 'node:os';

/**
 * Reads and validates environment variables. Every failure names the variable, so a bad
 * deployment stops at boot with a message an operator can act on.
 */
export class InvalidEnvironmentError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(
      `Invalid environment variable ${variable}=${JSON.stringify(value)}: expected ${expected}`,
    );
    this.name = 'InvalidEnvironmentError';
  }
}

export interface IntOptions {
  default: number;
  min?: number;
  max?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** An integer variable with an inclusive range; unset or empty means the default. */
export function envInt(env: Env, name: string, options: IntOptions): number {
  const value = raw(env, name);
  if (value === undefined) return options.default;
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidEnvironmentError(name, value, `an integer from ${min} to ${max}`);
  }
  return parsed;
}

/** The CPUs this process may use (affinity-aware); the cluster issue refines it with cgroups. */
export function availableCpus(): number {
  return Math.max(1, availableParallelism());
}
