import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { compact, described, fuzz, rarely, utf8Bytes } from '../../../test/support/fuzz';
import { anyCharacter, hostileString, PROTOTYPE_KEYS } from '../../../test/support/hostile';
import { violation } from '../../../test/support/json-schema';
import { REPORT_SCHEMA } from './report.schema';
import type { ReportInput } from './report.types';
import { parseReport } from './report.validation';

/*
 * Report validation under properties: for any JSON body, parseReport accepts exactly what the
 * OpenAPI schema (REPORT_SCHEMA) describes, plus the one rule the schema can only say in
 * words (one cell per column); it returns the report it was given and nothing else, refuses
 * with a 400 only, in a message within 1 KiB, touches no prototype, and answers the same twice.
 */

/** Text of a field limited to `max` characters: short, at the limit, blank, or hostile. */
const text = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
    {
      weight: 2,
      // A character repeated around the limit; an astral one is 2 UTF-16 units but 1 character.
      arbitrary: fc
        .tuple(anyCharacter(), fc.integer({ min: Math.max(0, max - 2), max: max + 2 }))
        .map(([character, count]) => character.repeat(count)),
    },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u00a0', '\u2028', '\ufeff x') },
    { weight: 1, arbitrary: hostileString() },
  );

const notText = fc.oneof(
  fc.constantFrom(null, 0, -1.5, 1e308, true, [], {}),
  fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 2 }),
);

/** A valid-looking value most of the time, else one of another type (records leave some out). */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: notText });

const OPTIONAL = { requiredKeys: [] as [] };

const section = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ heading: field(text(200)), body: field(text(50_000)) }, OPTIONAL),
  },
  { weight: 1, arbitrary: notText },
);

/** A cell as JSON carries it: no NaN or Infinity. */
const cell = fc.oneof(
  text(1_000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(null, true, [], {}),
);

const table = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: 0, max: 21 }).chain((columns) =>
      fc.record(
        {
          columns: field(fc.array(text(100), { minLength: columns, maxLength: columns })),
          rows: fc.oneof(
            field(
              fc.array(
                fc.oneof(
                  {
                    weight: 5,
                    arbitrary: fc.array(cell, { minLength: columns, maxLength: columns }),
                  },
                  { weight: 1, arbitrary: fc.array(cell, { maxLength: columns + 1 }) },
                  { weight: 1, arbitrary: notText },
                ),
                { maxLength: 4 },
              ),
            ),
            // Around the row limit, every row the same, at most two cells wide: the limit is
            // on rows, and a wide table only costs time here.
            fc
              .integer({ min: 19_999, max: 20_001 })
              .map((count) =>
                Array<unknown[]>(count).fill(Array<string>(Math.min(columns, 2)).fill('c')),
              ),
          ),
        },
        OPTIONAL,
      ),
    ),
  },
  { weight: 1, arbitrary: notText },
);

const sections = fc.oneof(
  { weight: 6, arbitrary: fc.array(section, { maxLength: 4 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 499, max: 501 })
      .map((count) => Array<object>(count).fill({ heading: 'h' })),
  },
);

/** Unknown fields: prototype names, hostile names, or thousands of them (the body limit allows 60,000). */
const unknownFields = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.dictionary(
      fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString()),
      fc.jsonValue(),
      { minKeys: 1, maxKeys: 3 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(2_000, 60_000)
      .map((count) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 1]))),
  },
);

/** A report whose sections are nested `depth` times in arrays or objects. */
const deep = fc.tuple(fc.integer({ min: 1, max: 5_000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { heading: value };
  const shape = arrays ? '[…]' : '{"heading": …}';
  return described(
    { title: 't', sections: value },
    `{"title":"t","sections": ${depth} × ${shape}}`,
  );
});

const report = fc
  .tuple(
    fc.record(
      {
        title: field(text(200)),
        subtitle: field(text(500)),
        sections: field(sections),
        table: field(table),
      },
      OPTIONAL,
    ),
    rarely(unknownFields, 4),
  )
  .map(([fields, unknown]) => ({ ...fields, ...unknown }));

/**
 * A request body as the route receives it: a value JSON can carry (no undefined, NaN or
 * Infinity). Raw texts carry `__proto__` as an own key (JSON.parse defines it; an object
 * literal would set the prototype).
 */
const body: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: report },
  { weight: 1, arbitrary: fc.jsonValue() },
  {
    weight: 1,
    arbitrary: deep,
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{"__proto__":{"title":"x"},"title":"y"}',
        '{"title":"y","sections":[{"__proto__":{"heading":"h"},"heading":"h"}]}',
        '{"title":"y","table":{"__proto__":{"columns":["a"]},"columns":["a"],"rows":null}}',
        '{"title":"y","constructor":{"prototype":{"polluted":1}}}',
      )
      .map((json) => JSON.parse(json) as unknown),
  },
);

/** What the README and the schema promise for `value`: the report, or a refusal. */
function documented(value: unknown): ReportInput | undefined {
  if (violation(value, REPORT_SCHEMA) !== undefined) return undefined;
  const input = value as ReportInput;
  const columns = input.table?.columns.length;
  if (input.table?.rows?.some((row) => row.length !== columns)) return undefined;
  return {
    title: input.title,
    subtitle: input.subtitle,
    sections: input.sections?.map(({ heading, body }) => ({ heading, body: body ?? '' })),
    table: input.table && { columns: input.table.columns, rows: input.table.rows ?? [] },
  };
}

type Outcome = { report: ReportInput } | { refusal: string };

function outcome(value: unknown): Outcome {
  try {
    return { report: parseReport(value) };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    if (utf8Bytes(error.message) > 1024) {
      throw new Error(`a message of ${utf8Bytes(error.message)} bytes`, { cause: error });
    }
    return { refusal: error.message };
  }
}

describe('report validation (property-based)', () => {
  it('accepts exactly the reports the schema describes, and returns them', async () => {
    const prototype = Object.getOwnPropertyNames(Object.prototype).sort();
    await fuzz(
      fc.property(body.map(compact), (value) => {
        const result = outcome(value);
        const promised = documented(value);
        if (promised) expect(result).toEqual({ report: promised });
        else expect(result).toEqual({ refusal: expect.any(String) as string });
        // Same answer twice (compared as JSON: a 20,000-row report is slow to diff).
        expect(JSON.stringify(outcome(value))).toBe(JSON.stringify(result));
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototype);
      }),
      200,
    );
  });
});
