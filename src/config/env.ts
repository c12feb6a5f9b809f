import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { detectCpuBudget } from '../concurrency/cluster/cpu-budget';

/*
 * Reads and validates environment variables. Every failure names the variable, so a bad
 * deployment stops at boot with a message an operator can act on.
 */

/**
 * A configuration the service cannot start with: the supervising process stops it with one
 * line, no stack, and an app worker that meets one exits with the cluster's config-error
 * code, since restarting cannot fix it. `variable` is what to change.
 */
export class ConfigurationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** An environment variable's value is not one the service accepts; the message says what is. */
export class InvalidEnvironmentError extends ConfigurationError {
  constructor(
    variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(
      variable,
      `Invalid environment variable ${variable}=${JSON.stringify(value)}: expected ${expected}`,
    );
    this.name = 'InvalidEnvironmentError';
  }
}

export interface IntRange {
  min?: number;
  max?: number;
}

export interface IntOptions extends IntRange {
  default: number;
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
  return parseInteger(name, value, options, '');
}

/** An integer variable with an inclusive range, or `'auto'` (any case); unset or empty means `'auto'`. */
export function envIntOrAuto(env: Env, name: string, options: IntRange): number | 'auto' {
  const value = raw(env, name);
  if (value === undefined || value.toLowerCase() === 'auto') return 'auto';
  return parseInteger(name, value, options, '"auto" or ');
}

// A Map, not an object literal: `booleans['constructor']` must not find Object's.
const booleans: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/** A boolean variable: true/false, 1/0 or yes/no, in any case; unset or empty means the default. */
export function envBool(env: Env, name: string, defaultValue: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return defaultValue;
  const parsed = booleans.get(value.toLowerCase());
  if (parsed === undefined) {
    throw new InvalidEnvironmentError(name, value, 'one of true, false, 1, 0, yes, no');
  }
  return parsed;
}

/** One of `values` (exact, after trimming); unset or empty means the default. */
export function envEnum<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  defaultValue: T,
): T {
  const value = raw(env, name);
  if (value === undefined) return defaultValue;
  if (!(values as readonly string[]).includes(value)) {
    throw new InvalidEnvironmentError(name, value, `one of ${values.join(', ')}`);
  }
  return value as T;
}

/** A comma-separated list of values from `values`, at least one; unset or empty means the default. */
export function envEnumList<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  defaultValue: readonly T[],
): T[] {
  const value = raw(env, name);
  if (value === undefined) return [...defaultValue];
  const items = value.split(',').map((item) => item.trim().toLowerCase());
  if (items.some((item) => !(values as readonly string[]).includes(item))) {
    throw new InvalidEnvironmentError(
      name,
      value,
      `a comma-separated list of ${values.join(', ')}`,
    );
  }
  return [...new Set(items)] as T[];
}

export interface FilesOptions {
  /** Most entries accepted. */
  max: number;
  /** Starts a part of an entry that is not part of the file's path (e.g. `#` in `a.ttc#Face`). */
  suffix?: string;
}

/**
 * A comma-separated list of files, each checked to be a readable regular file now, so a
 * typo stops the service at boot rather than at the first request that needs the file.
 * Relative paths are taken from the working directory; unset or empty means none.
 */
export function envFiles(env: Env, name: string, options: FilesOptions): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length > options.max) {
    throw new InvalidEnvironmentError(name, value, `at most ${options.max} comma-separated files`);
  }
  return entries.map((entry) => {
    const cut = options.suffix === undefined ? -1 : entry.indexOf(options.suffix);
    const path = resolve(cut === -1 ? entry : entry.slice(0, cut));
    try {
      accessSync(path, constants.R_OK);
      if (!statSync(path).isFile()) throw new Error('not a regular file');
    } catch (error) {
      const reason = (error as Error).message;
      throw new InvalidEnvironmentError(name, value, `readable files; ${path}: ${reason}`);
    }
    return cut === -1 ? path : path + entry.slice(cut);
  });
}

/**
 * A file path, taken from the working directory; unset or empty means `fallback` (already
 * absolute), and `off` (any case) means none.
 */
export function envPath(env: Env, name: string, fallback: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  return value.toLowerCase() === 'off' ? undefined : resolve(value);
}

/** `value` as an integer inside `range`; the error's "expected" starts with `otherwise`. */
function parseInteger(name: string, value: string, range: IntRange, otherwise: string): number {
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidEnvironmentError(name, value, `${otherwise}an integer from ${min} to ${max}`);
  }
  return parsed;
}

/**
 * The CPUs this process may use: its CPU budget (affinity and cgroup quota), the figure the
 * cluster plan shares out. Not `os.availableParallelism()` alone: Node 24 caps that by the
 * quota and Node 20 does not, so the pool's default size would depend on the Node version.
 */
export function availableCpus(): number {
  return detectCpuBudget().cpus;
}
