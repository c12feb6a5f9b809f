import fc from 'fast-check';

/*
 * Values a hostile client sends in a query, a name, a header or a JSON field: shared by the
 * unit-level and the HTTP fuzz properties.
 */

/** Arguments a command would read as options. */
export const OPTION_LIKE = [
  '-',
  '--',
  '--help',
  '-rf',
  '-0',
  '-c',
  '-e',
  '--version',
  '--output=/etc/passwd',
  '-{}',
];

/** Keys that are Object.prototype's, or reach it. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
];

/** What a parser of numbers may get wrong. */
export const NUMBER_LIKE = [
  '0',
  '-0',
  '+1',
  '007',
  '1.0',
  '1e3',
  '1e309',
  '-1',
  'NaN',
  'Infinity',
  '0x10',
  '0b1',
  ' 1',
  '1 ',
  '1\n',
  '١٢',
  '１',
  '9007199254740993',
  '99999999999999999999999',
  '9'.repeat(400),
];

/** Shell syntax, paths and escapes that must stay plain text. */
const METACHARACTERS = ['$(id)', '`id`', '; rm -rf /', '|', '&&', '../../etc/passwd', '%00', '%'];

/** C0 and C1 controls, separators, bidi overrides, BOM and lone surrogates. */
export const CONTROL_CHARACTERS = [
  '\0',
  '\x01',
  '\x07',
  '\b',
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  '\x1b',
  '\x7f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
];

/** One character of any kind: printable, astral, combining, control. */
export const anyCharacter = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom(...CONTROL_CHARACTERS),
  );

/** A long run of one character: `min` to `max` repetitions. */
export const longRun = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .tuple(anyCharacter(), fc.integer({ min, max }))
    .map(([character, count]) => character.repeat(count));

/**
 * A string a hostile client might send where a short word is expected; the long ones run
 * up to `longest` characters.
 */
export const hostileString = (longest = 20_000): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...OPTION_LIKE, ...PROTOTYPE_KEYS, ...NUMBER_LIKE, ...METACHARACTERS),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom(...CONTROL_CHARACTERS), maxLength: 10 }),
    fc
      .tuple(fc.constantFrom(...OPTION_LIKE, ...PROTOTYPE_KEYS), fc.string({ maxLength: 10 }))
      .map(([head, tail]) => head + tail),
    longRun(100, longest),
  );
