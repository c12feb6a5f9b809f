import fc from 'fast-check';
import type { Exchange } from '../../../../test/support/exchange';
import { hostileString, NUMBER_LIKE, OPTION_LIKE } from '../../../../test/support/hostile';
import {
  allowedFor,
  either,
  type FuzzCase,
  fuzzCase,
  type Part,
  valid,
  wrong,
} from '../../../../test/support/http-fuzz/case';
import { excerpt } from '../../../../test/support/http-fuzz/answer';
import {
  extraHeaders,
  param,
  params,
  type Params,
  percentEncode,
  queryOf,
} from '../../../../test/support/http-fuzz/parts';

/*
 * POST /commands/:name against fixtures/commands.fuzz.json: each command's answer is
 * known (its output, its exit, its deadline, its output cap), so a valid request is checked
 * against it; an unknown name is a 404, a wrong parameter a 400, an input over the limit a 413.
 */

interface Command {
  /** What a run with `input` answers, and its output when it succeeds. */
  success: number;
  output?: (input: Buffer, query: URLSearchParams) => Buffer;
  params: () => fc.Arbitrary<Params>;
  /** The names of its parameters. */
  names?: string[];
  /** Its own deadline, when it has one. */
  timeoutMs?: number;
}

const integerIn = (min: number, max: number) => (value: string) =>
  /^-?[0-9]{1,16}$/.test(value) && +value >= min && +value <= max;
const none = () => fc.constant<Params>({ pairs: [], parts: [] });
/** The README's rule for a value that fills an argument: it may not start it with "-". */
const startsNoOption = (value: string) => !value.startsWith('-');

const COMMANDS: Record<string, Command> = {
  quiet: { success: 200, output: () => Buffer.alloc(0), params: none },
  sad: { success: 422, params: none },
  count: { success: 200, output: (input) => Buffer.from(`${input.length}\n`), params: none },
  cat: { success: 200, output: (input) => input, params: none },
  skim: {
    success: 200,
    names: ['bytes'],
    output: (input, query) => input.subarray(0, Number(query.get('bytes') ?? 1)),
    params: () =>
      param(
        'bytes',
        fc.oneof(fc.integer({ min: 0, max: 100_000 }).map(String), fc.constantFrom(...NUMBER_LIKE)),
        (value) => integerIn(0, 100_000)(value) && startsNoOption(String(+value)),
      ),
  },
  echo: {
    success: 200,
    names: ['text'],
    output: (_, query) => Buffer.from(query.get('text') ?? ''),
    params: () =>
      param(
        'text',
        fc.oneof(
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
          fc.constantFrom(...OPTION_LIKE, '%s', '%n', '\\c', 'a\nb', 'x'.repeat(101)),
        ),
        (value) => {
          const text = value.toWellFormed();
          return /^(?:[^\n]{1,100})$/u.test(text) && !text.includes('\0') && startsNoOption(text);
        },
        true,
      ),
  },
  sorted: {
    success: 200,
    names: ['separator', 'key'],
    params: () =>
      params(
        param('separator', fc.constantFrom(',', ';', '|', ':'), (v) => [',', ';', '|'].includes(v)),
        param('key', fc.constantFrom('1', '2,3', '9n', '1r', '0', '100', '1,2,3'), (v) =>
          /^(?:[1-9][0-9]?(,[1-9][0-9]?)?n?r?)$/u.test(v),
        ),
      ),
  },
  nap: {
    success: 200,
    names: ['s'],
    output: () => Buffer.alloc(0),
    timeoutMs: 2_000,
    params: () =>
      param(
        's',
        fc.constantFrom('0', '0.05', '0.2', '1e9', '-1'),
        (v) => ['0', '0.05', '0.2'].includes(v),
        true,
      ),
  },
  stuck: { success: 504, timeoutMs: 300, params: none },
  flood: { success: 502, params: none },
};

/** What a case needs to know of the service. */
export interface CommandLimits {
  commandTimeoutMs: number;
  commandMaxInputBytes: number;
}

/** An input: empty, a little, past the 64 KiB the route holds back, at or over the limit. */
function input(limits: CommandLimits): fc.Arbitrary<Part<Buffer>> {
  const max = limits.commandMaxInputBytes;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid(Buffer.alloc(0), 'no input')) },
    {
      weight: 6,
      arbitrary: fc
        .uint8Array({ maxLength: 300 })
        .map((bytes) => valid(Buffer.from(bytes), `${bytes.length} bytes`)),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(64 * 1024 + 1, 300_000, max)
        .map((size) => valid(Buffer.alloc(size, 'ab\n'), `${size} bytes`)),
    },
    {
      weight: 1,
      arbitrary: fc.constant(
        wrong(Buffer.alloc(max + 1, 'x'), 'over CHILD_PROCESS_MAX_INPUT_BYTES', 413),
      ),
    },
  );
}

/** A name: one of the allowlist, or not (hostile, a near miss, undecodable). */
const unknownName = fc.oneof(
  hostileString(1_000).map((name) => ({
    path: percentEncode(name),
    label: `name ${JSON.stringify(name.slice(0, 30))}`,
    refusals: [404],
  })),
  fc
    .constantFrom('QUIET', 'quiet ', 'cat.', '__proto__', 'constructor', 'toString', '')
    .map((name) => ({
      path: percentEncode(name),
      label: `name ${JSON.stringify(name)}`,
      refusals: [404],
    })),
  // Escapes that are not UTF-8 and separators sent as they are: 400 or 404 by the router.
  fc
    .constantFrom(
      '%ff',
      '%c3',
      '%',
      'a%2fb',
      'quiet%00',
      'quiet/x',
      '..%2F..%2Fbin%2Fsh',
      `%ff${'a'.repeat(5_000)}`,
    )
    .map((raw) => ({
      path: raw,
      label: `name ${JSON.stringify(raw.slice(0, 30))} as it is`,
      refusals: [400, 404],
    })),
);

/** A command's answer as its definition makes it: its exact output, or its exit and stderr. */
function verify(
  name: string,
  command: Command | undefined,
  request: { body: Buffer; query: string },
  answer: Exchange,
): string[] {
  if (!command || answer.status !== command.success) return [];
  if (command.success === 422) {
    // A 422's body was checked as JSON already.
    const body = JSON.parse(answer.body.toString()) as { exitCode?: number; stderrTail?: string };
    return body.exitCode === 3 && body.stderrTail?.includes('it went wrong')
      ? []
      : [`${name}: 422 body ${excerpt(answer.body)}`];
  }
  if (!command.output) return [];
  const expected = command.output(request.body, new URLSearchParams(request.query.slice(1)));
  return expected.equals(answer.body)
    ? []
    : [`${name}: output ${excerpt(answer.body)}, expected ${excerpt(expected)}`];
}

/** `POST /commands/:name` requests of every kind, with what may answer each and its deadline. */
export function commandCases(limits: CommandLimits): fc.Arbitrary<FuzzCase> {
  const names = Object.keys(COMMANDS);
  const known = fc.constantFrom(...names).chain((name) =>
    queryOf(COMMANDS[name].params(), COMMANDS[name].names ?? []).map((query) => ({
      name,
      query,
    })),
  );
  const unknown = fc
    .tuple(unknownName, queryOf(none(), []))
    .map(([name, query]) => ({ name, query }));
  return fc
    .tuple(
      fc.oneof({ weight: 6, arbitrary: known }, { weight: 1, arbitrary: unknown }),
      input(limits),
      extraHeaders,
      fc.constantFrom(
        undefined,
        'application/octet-stream',
        'text/plain; charset=utf-8',
        'application/json',
        'multipart/form-data',
      ),
      fc.constantFrom(undefined, undefined, undefined, undefined, 'identity', 'gzip', 'bogus'),
      fc.boolean(),
    )
    .map(([{ name, query }, body, extra, type, encoding, chunked]) => {
      const command = typeof name === 'string' ? COMMANDS[name] : undefined;
      const path = typeof name === 'string' ? name : name.path;
      const nameParts: Part<unknown>[] =
        typeof name === 'string'
          ? [valid(name, name)]
          : [wrong(name.path, name.label, ...name.refusals)];
      // A coding the route does not decode: 415, or the bytes streamed as they are.
      const coding =
        encoding && encoding !== 'identity'
          ? [either(null, `Content-Encoding ${encoding}`, 415)]
          : [];
      const parts = [...nameParts, ...query.parts, body, ...coding];
      const headers: [string, string][] = [...extra];
      if (type) headers.push(['Content-Type', type]);
      if (encoding) headers.push(['Content-Encoding', encoding]);
      // Over the limit, the size is declared: the route may refuse it before reading it.
      const declared = body.refusals ? false : chunked;
      const allowed = allowedFor(parts, [command?.success ?? 200]);
      const request = { body: body.value, query: query.text };
      return fuzzCase({
        request: {
          method: 'POST',
          path: `/commands/${path}${query.text}`,
          headers,
          body: body.value,
          chunked: declared,
        },
        allowed,
        labels: parts.map((part) => part.label),
        deadlineMs: command?.timeoutMs ?? limits.commandTimeoutMs,
        verify: (answer: Exchange) => verify(path, command, request, answer),
      });
    });
}
