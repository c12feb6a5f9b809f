import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz, utf8Bytes } from '../../../test/support/fuzz';
import { hostileString, OPTION_LIKE, PROTOTYPE_KEYS } from '../../../test/support/hostile';
import { buildArgs } from './commands.args';
import { InvalidCommandsConfigError, loadCommands } from './commands.catalog';
import type { CommandDefinition, CommandParam } from './commands.types';

/*
 * Command argument filling under properties: a commands file goes through loadCommands (so
 * only entries the catalog accepts reach buildArgs), then a query through buildArgs. Whatever
 * either gets, it refuses with its own error type only, with a message within 1 KiB; an
 * argv it returns has one argument per template, each filled with values its parameter
 * declares, none made an option by a value; and the same input gives the same answer.
 */

/** Parameter names the catalog accepts, Object.prototype's members among them. */
const paramName = fc.oneof(
  fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/),
  fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'),
);

/** Patterns of string parameters, as an allowlist author writes them. */
const PATTERNS = [
  '[^\\n]{1,100}',
  '[a-z]+',
  '[1-9][0-9]?(,[1-9][0-9]?)?n?r?',
  '.*',
  '\\d{1,5}',
  '-?[a-z]{1,8}',
  '(a|-)+',
  '[\\s\\S]{0,50}',
];

const paramSpec: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc
    .tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.nat(1e6), fc.boolean())
    .chain(([min, span, bounded]) =>
      fc.record(
        {
          type: fc.constant('integer'),
          min: fc.constant(bounded ? min : undefined),
          max: fc.constant(bounded ? min + span : undefined),
          default: fc.option(fc.integer({ min, max: min + span }), { nil: undefined }),
        },
        { requiredKeys: ['type'] },
      ),
    ),
  fc
    .uniqueArray(fc.oneof(fc.constantFrom(...OPTION_LIKE), hostileString()), {
      minLength: 1,
      maxLength: 5,
    })
    .chain((values) =>
      fc.record(
        {
          type: fc.constant('enum'),
          values: fc.constant(values),
          default: fc.option(fc.constantFrom(...values), { nil: undefined }),
        },
        { requiredKeys: ['type', 'values'] },
      ),
    ),
  fc.record(
    {
      type: fc.constant('string'),
      pattern: fc.constantFrom(...PATTERNS),
      maxLength: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(4096)),
      default: hostileString(),
    },
    { requiredKeys: ['type', 'pattern'] },
  ),
);

/** A template: literal text and placeholders, declared (`names`) or not. */
const template = (names: string[]): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            '-c',
            '--key=',
            'x',
            '',
            '%s',
            '-',
            '{',
            '}',
            'a{b',
            '$(id)',
            ' ',
          ),
        },
        ...(names.length > 0
          ? [{ weight: 4, arbitrary: fc.constantFrom(...names).map((name) => `{${name}}`) }]
          : []),
        // Placeholders of no parameter: the catalog must refuse the entry.
        {
          weight: 1,
          arbitrary: fc.constantFrom(...PROTOTYPE_KEYS, 'nope', '').map((name) => `{${name}}`),
        },
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((pieces) => pieces.join(''));

/** An entry of a commands file: its params and argv templates. */
const entry = fc
  .uniqueArray(fc.tuple(paramName, paramSpec), {
    maxLength: 4,
    selector: ([name]) => name,
  })
  .chain((params) =>
    fc.record({
      executable: fc.constant('true'),
      params: fc.constant(Object.fromEntries(params)),
      args: fc.array(template(params.map(([name]) => name)), { maxLength: 5 }),
    }),
  );

const matchers = new Map<string, fc.Arbitrary<string>>();

/** Strings matching `pattern` whole (built once per pattern: building one parses the regex). */
function matching(pattern: string): fc.Arbitrary<string> {
  let arbitrary = matchers.get(pattern);
  if (!arbitrary) {
    arbitrary = fc.stringMatching(new RegExp(`^(?:${pattern})$`));
    matchers.set(pattern, arbitrary);
  }
  return arbitrary;
}

/** A valid value of `param`, as a client would write it (mostly). */
function validValue(param: CommandParam): fc.Arbitrary<string> {
  switch (param.type) {
    case 'integer':
      return fc.integer({ min: param.min, max: param.max }).map(String);
    case 'enum':
      return fc.constantFrom(...param.values);
    case 'string':
      // Cut to maxLength rather than filtered (a cut may break the pattern: then it is wrong).
      return matching(param.pattern).map((value) => value.slice(0, param.maxLength));
  }
}

/** A query for `command`: each param absent, valid, hostile or repeated; unknown keys too. */
function queryFor(command: CommandDefinition): fc.Arbitrary<Record<string, unknown>> {
  const params = Object.entries(command.params).map(([name, param]) =>
    fc
      .oneof(
        fc.constant(undefined),
        validValue(param),
        hostileString(),
        fc.array(validValue(param), { minLength: 2, maxLength: 2 }),
      )
      .map((value) => [name, value] as const),
  );
  const extra = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString()), fc.string()),
    { maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...params), extra, fc.boolean()).map(([known, unknown, bare]) => {
    const query: Record<string, unknown> = bare
      ? (Object.create(null) as Record<string, unknown>)
      : {};
    for (const [key, value] of [...known, ...unknown]) {
      if (value === undefined) continue;
      Object.defineProperty(query, key, { value, enumerable: true, writable: true });
    }
    return query;
  });
}

/**
 * The value a parameter documents for `raw` (README, "params"): an integer of at most 16
 * digits from min to max, one of the values, or a whole match of the pattern within
 * maxLength; never with NUL. Undefined when `raw` is not one.
 */
function documentedValue(param: CommandParam, raw: string): string | undefined {
  if (raw.includes('\0')) return undefined;
  switch (param.type) {
    case 'integer':
      return /^-?\d{1,16}$/.test(raw) && BigInt(raw) >= param.min && BigInt(raw) <= param.max
        ? String(BigInt(raw))
        : undefined;
    case 'enum':
      return param.values.includes(raw) ? raw : undefined;
    case 'string':
      return raw.length <= param.maxLength && new RegExp(`^(?:${param.pattern})$`, 'u').test(raw)
        ? raw
        : undefined;
  }
}

/** The argv the README promises for `query`, or undefined where it promises a 400. */
function documentedArgs(
  command: CommandDefinition,
  query: Record<string, unknown>,
): string[] | undefined {
  if (Object.keys(query).some((key) => !Object.hasOwn(command.params, key))) return undefined;
  const values = new Map<string, string>();
  for (const [name, param] of Object.entries(command.params)) {
    const given = Object.hasOwn(query, name) ? query[name] : undefined;
    if (given !== undefined && typeof given !== 'string') return undefined;
    const raw = given ?? (param.default === undefined ? undefined : String(param.default));
    const value = raw === undefined ? undefined : documentedValue(param, raw);
    if (value === undefined) return undefined;
    values.set(name, value);
  }
  const args = command.args.map((t) =>
    t.replace(/\{([^{}]*)\}/g, (_, name: string) => values.get(name)!),
  );
  const option = args.some((arg, i) => arg.startsWith('-') && !command.args[i].startsWith('-'));
  return option ? undefined : args;
}

type Outcome = { args: string[] } | { refusal: string };

function outcome(command: CommandDefinition, query: Record<string, unknown>): Outcome {
  try {
    return { args: buildArgs(command, query) };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    if (utf8Bytes(error.message) > 1024) {
      throw new Error(`a message of ${utf8Bytes(error.message)} bytes`, { cause: error });
    }
    return { refusal: error.message };
  }
}

describe('command argument filling (property-based)', () => {
  // A file per case: in memory where there is a tmpfs (a write to disk costs milliseconds).
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'commands-fuzz-'));
  const file = join(dir, 'commands.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The entry as loadCommands reads it from a file, or its refusal. */
  function load(json: unknown): CommandDefinition | InvalidCommandsConfigError {
    writeFileSync(file, JSON.stringify({ commands: { cmd: json } }));
    try {
      return loadCommands(file).get('cmd')!;
    } catch (error) {
      if (error instanceof InvalidCommandsConfigError) return error;
      throw error;
    }
  }

  const loaded = entry
    .map(load)
    .filter((command): command is CommandDefinition => !(command instanceof Error));

  it('loads an entry or refuses it with InvalidCommandsConfigError only', async () => {
    await fuzz(
      fc.property(entry, (json) => {
        const command = load(json);
        if (command instanceof Error) return;
        for (const arg of command.args) {
          for (const [, used] of arg.matchAll(/\{([^{}]*)\}/g)) {
            expect({ arg, declared: Object.hasOwn(command.params, used) }).toEqual({
              arg,
              declared: true,
            });
          }
        }
      }),
      300,
    );
  });

  it('fills exactly the argv the README documents, or refuses with a 400', async () => {
    await fuzz(
      fc.property(
        loaded.chain((command) => fc.tuple(fc.constant(command), queryFor(command))),
        ([command, query]) => {
          const result = outcome(command, query);
          expect(outcome(command, query)).toEqual(result);
          const documented = documentedArgs(command, query);
          if (documented) expect(result).toEqual({ args: documented });
          else expect(result).toEqual({ refusal: expect.any(String) as string });
          if ('args' in result) {
            expect(result.args).toHaveLength(command.args.length);
            result.args.forEach((arg, i) => {
              expect(arg.includes('\0')).toBe(false);
              if (arg.startsWith('-')) expect(command.args[i].startsWith('-')).toBe(true);
            });
          }
        },
      ),
      200,
    );
  });
});
