import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { fuzz, utf8Bytes } from '../../../test/support/fuzz';
import { hostileString, NUMBER_LIKE, PROTOTYPE_KEYS } from '../../../test/support/hostile';
import { optionalEnumParam, optionalIntParam, rejectUnknownParams } from './query';

/*
 * Query parsing never throws anything but a 400 with a bounded message, accepts exactly what
 * it documents, and gives the same answer twice.
 */

type Outcome<T> = { value: T } | { refusal: string };

/** What `parse` returned, or the message of the 400 it threw; anything else fails the case. */
function outcome<T>(parse: () => T): Outcome<T> {
  try {
    return { value: parse() };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    const message = error.message;
    if (utf8Bytes(message) > 1024) {
      throw new Error(`a message of ${utf8Bytes(message)} bytes`, { cause: error });
    }
    return { refusal: message };
  }
}

/** A value as a query parser gives it: a string, repeated params as an array, or absent. */
const queryValue = (strings: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: strings },
    { weight: 1, arbitrary: fc.array(strings, { minLength: 2, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 1, {}, ['1']) },
  );

const queryKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom(...known), fc.constantFrom(...PROTOTYPE_KEYS), hostileString());

/** A query object as Express or Fastify hand it over: prototype-less, or a plain object. */
const queryOf = (
  keys: fc.Arbitrary<string>,
  values: fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(fc.array(fc.tuple(keys, values), { maxLength: 300 }), fc.boolean())
    .map(([entries, bare]) => {
      const query: Record<string, unknown> = bare
        ? (Object.create(null) as Record<string, unknown>)
        : {};
      for (const [key, value] of entries)
        Object.defineProperty(query, key, {
          value,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      return query;
    });

const KNOWN = ['width', 'height', 'fit', 'format', 'quality'] as const;

describe('query parsing (property-based)', () => {
  it('refuses exactly the unknown parameters, naming one of them', async () => {
    await fuzz(
      fc.property(queryOf(queryKey(KNOWN), fc.string()), (query) => {
        const unknown = Object.keys(query).filter(
          (key) => !(KNOWN as readonly string[]).includes(key),
        );
        const result = outcome(() => rejectUnknownParams(query, KNOWN));
        expect('refusal' in result).toBe(unknown.length > 0);
        if ('refusal' in result) {
          expect(
            result.refusal.startsWith(`Unknown query parameter ${unknown[0].slice(0, 20)}`),
          ).toBe(true);
        }
        expect(outcome(() => rejectUnknownParams(query, KNOWN))).toEqual(result);
      }),
      500,
    );
  });

  it('reads an integer only from decimal digits within its range', async () => {
    const integers = fc.oneof(
      fc.integer({ min: -5, max: 10_005 }).map(String),
      fc.constantFrom(...NUMBER_LIKE),
      fc.nat(10_000).map((n) => `00${n}`),
      hostileString(),
    );
    const range = fc
      .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
    await fuzz(
      fc.property(
        queryValue(integers),
        range,
        fc.constantFrom('width', 'constructor'),
        (value, [min, max], name) => {
          const query = value === undefined ? {} : { [name]: value };
          const result = outcome(() => optionalIntParam(query, name, min, max));
          if (value === undefined) return expect(result).toEqual({ value: undefined });
          const valid =
            typeof value === 'string' && /^[0-9]+$/.test(value) && +value >= min && +value <= max;
          expect('refusal' in result).toBe(!valid);
          if (valid) expect(result).toEqual({ value: Number(value) });
          if ('value' in result && result.value !== undefined) {
            expect(Number.isSafeInteger(result.value)).toBe(true);
          }
          expect(outcome(() => optionalIntParam(query, name, min, max))).toEqual(result);
        },
      ),
      1_000,
    );
  });

  it('reads an enum value only when it is one of the values', async () => {
    const values = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
    const strings = fc.oneof(
      fc.constantFrom(...values),
      fc.constantFrom(...PROTOTYPE_KEYS),
      hostileString(),
    );
    await fuzz(
      fc.property(queryValue(strings), (value) => {
        const query = { fit: value };
        const result = outcome(() => optionalEnumParam(query, 'fit', values));
        if (value === undefined) return expect(result).toEqual({ value: undefined });
        const valid = typeof value === 'string' && (values as readonly string[]).includes(value);
        expect('refusal' in result).toBe(!valid);
        if (valid) expect(result).toEqual({ value });
        expect(outcome(() => optionalEnumParam(query, 'fit', values))).toEqual(result);
      }),
      1_000,
    );
  });
});
