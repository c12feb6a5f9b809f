import { relative } from 'node:path';
import fc from 'fast-check';

/*
 * Seed and size of every property-based run, from the environment:
 *
 * - FUZZ_SEED: the seed to replay (an integer). Unset, each test file draws a fresh one, so
 *   every run explores new cases; it is printed with any failure.
 * - FUZZ_PATH: with FUZZ_SEED, replays only the shrunk counterexample a failure printed
 *   (select that one test: the printed command does).
 * - FUZZ_RUNS: cases per property (`npm run fuzz -- --runs=N`); unset, each property runs
 *   the bounded number it chose for `npm test`.
 */

function envInteger(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d{1,10}$/.test(value)) throw new Error(`${name} must be an integer, not ${value}`);
  return Number(value);
}

/** The seed of this test file's properties. */
export const FUZZ_SEED = envInteger('FUZZ_SEED') ?? Math.floor(Math.random() * 0x7fffffff);
const FUZZ_PATH = process.env.FUZZ_PATH || undefined;
const FUZZ_RUNS = envInteger('FUZZ_RUNS');

/** Cases a property runs: FUZZ_RUNS when set, else `ciDefault`. */
export function fuzzRuns(ciDefault: number): number {
  return FUZZ_RUNS !== undefined && FUZZ_RUNS > 0 ? FUZZ_RUNS : ciDefault;
}

/**
 * Checks `property` for {@link fuzzRuns}(`ciDefault`) cases with FUZZ_SEED. A failure throws
 * fast-check's report (seed, path, shrunk counterexample, the error it raised) under the
 * line that replays it.
 */
export async function fuzz<Ts>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  ciDefault: number,
  parameters: fc.Parameters<Ts> = {},
): Promise<void> {
  const numRuns = fuzzRuns(ciDefault);
  const details = await fc.check(property, {
    seed: FUZZ_SEED,
    path: FUZZ_PATH,
    numRuns,
    endOnFailure: FUZZ_PATH !== undefined,
    includeErrorInReport: true,
    ...parameters,
  });
  if (!details.failed) return;
  const { currentTestName, testPath } = expect.getState();
  const where = `${relative(process.cwd(), testPath ?? '')} -t ${JSON.stringify(currentTestName ?? '')}`;
  const replay = details.counterexamplePath
    ? `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npm run fuzz -- ${where}`
    : `FUZZ_SEED=${details.seed} npm run fuzz -- --runs=${numRuns} ${where}`;
  throw new Error(`Replay: ${replay}\n${fc.defaultReportMessage(details)}`);
}

/** `arbitrary`'s value one time in `n`, else undefined (fc.option's `freq` is the other way round). */
export function rarely<T>(arbitrary: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** `value` printed in a counterexample as `text` (a request's summary, not its megabytes). */
export function described<T extends object>(value: T, text: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => text, enumerable: false });
}

/** `value` printed in a counterexample as its JSON, cut after `limit` characters. */
export function compact<T>(value: T, limit = 600): T {
  if (typeof value !== 'object' || value === null || fc.hasToStringMethod(value)) return value;
  const json = JSON.stringify(value) ?? '';
  if (json.length <= limit) return value;
  return described(value, `${json.slice(0, limit)}… (${json.length} characters of JSON)`);
}

/** Bytes of UTF-8 in `text`: what a message costs on the wire. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
