import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { rarely } from '../fuzz';
import { hostileString, PROTOTYPE_KEYS } from '../hostile';
import { either, type Part, valid, wrong } from './case';

/*
 * Pieces every route's requests are made of: query strings, extra headers, content codings.
 */

/** `text` percent-encoded as UTF-8 (a lone surrogate becomes U+FFFD, as any client sends it). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text.toWellFormed());
}

/** Query pairs as a query string; `raw` is appended as it is (malformed escapes and the like). */
export function queryString(pairs: readonly (readonly [string, string])[], raw = ''): string {
  const encoded = pairs.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`);
  const all = [...encoded, raw].filter(Boolean).join('&');
  return all ? `?${all}` : '';
}

/** Escapes and separators a hand-written or hostile query string holds, sent as they are. */
export const RAW_QUERY = [
  '%',
  '%zz',
  '%ff',
  '%c3',
  '%00',
  '+',
  ';',
  '&&',
  '=',
  '==',
  '[]',
  'a[b]=1',
];

/** Parameters of a route: pairs in the order sent, and what they imply. */
export interface Params {
  pairs: [string, string][];
  parts: Part<unknown>[];
}

/** A query string and the parts it was made of. */
export interface Query {
  text: string;
  parts: Part<unknown>[];
}

/**
 * A query of `params`, sometimes with an unknown, prototype-named
 * or hundreds of parameters, or raw escapes and separators: the route refuses those with 400.
 */
export function queryOf(
  params: fc.Arbitrary<Params>,
  known: readonly string[],
): fc.Arbitrary<Query> {
  const unknown = fc
    .tuple(
      fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString()),
      fc.string({ maxLength: 8 }),
    )
    .filter(([key]) => key !== '' && !known.includes(key.toWellFormed()))
    .map(([key, value]) =>
      wrong<[string, string][]>([[key, value]], `unknown ${JSON.stringify(key.slice(0, 20))}`, 400),
    );
  const many = fc.integer({ min: 50, max: 600 }).map((count) =>
    wrong(
      Array.from({ length: count }, (_, i): [string, string] => [`p${i}`, '1']),
      `${count} unknown parameters`,
      400,
    ),
  );
  const raw = fc
    .constantFrom(...RAW_QUERY)
    .map((text) => either(text, `raw ${JSON.stringify(text)}`, 400));
  return fc
    .tuple(
      params,
      rarely(fc.oneof({ weight: 4, arbitrary: unknown }, { weight: 1, arbitrary: many }), 6),
      rarely(raw, 10),
    )
    .map(([given, extra, garbage]) => ({
      text: queryString([...given.pairs, ...(extra?.value ?? [])], garbage?.value ?? ''),
      parts: [...given.parts, extra, garbage].filter((part) => part !== undefined),
    }));
}

/** Headers a client may add that no route reads: each valid (Latin-1 printable values). */
export const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.constantFrom<[string, string]>(
      ['Accept', 'application/xml'],
      ['Accept', '*/*;q=0'],
      ['Accept-Encoding', 'br, gzip, zstd, bogus'],
      ['Accept-Language', '*'],
      ['Connection', 'close'],
      ['Connection', 'keep-alive, Upgrade'],
      ['Upgrade', 'websocket'],
      ['Expect', '100-continue'],
      ['X-Forwarded-For', '1.2.3.4, ::1, garbage'],
      ['X-Forwarded-Proto', 'gopher'],
      ['X-HTTP-Method-Override', 'DELETE'],
      ['Cookie', `a=${'x'.repeat(4000)}`],
      ['Authorization', 'Bearer ' + 'A'.repeat(2000)],
      ['Range', 'bytes=0-0'],
      ['Origin', 'null'],
      ['X-Request-Id', 'fuzz-request-1'],
      ['X-Request-Id', '\u00ff'.repeat(200)],
      ['X-Request-Id', '../../etc/passwd'],
      ['Content-Language', '__proto__'],
    ),
    fc
      .tuple(
        fc.stringMatching(/^X-[A-Za-z0-9-]{1,20}$/),
        fc.string({
          unit: fc
            .integer({ min: 0x20, max: 0xff })
            .filter((c) => c !== 0x7f)
            .map((c) => String.fromCharCode(c)),
          maxLength: 200,
        }),
      )
      .map(([name, value]): [string, string] => [name, value.trim()]),
  ),
  { maxLength: 3, size: 'xsmall' },
);

const bombs = new Map<number, Buffer>();

/** A gzip bomb: `megabytes` of zeros in a few KB (made once). */
export function gzipBomb(megabytes: number): Buffer {
  let bomb = bombs.get(megabytes);
  if (!bomb) {
    bomb = gzipSync(Buffer.alloc(megabytes * 1024 * 1024), { level: 9 });
    bombs.set(megabytes, bomb);
  }
  return bomb;
}

/**
 * One query parameter: absent, given once (valid or not by `isValid`, the documented rule)
 * or given twice; what is not valid, and a required one left out, is refused with 400.
 */
export function param(
  name: string,
  values: fc.Arbitrary<string>,
  isValid: (value: string) => boolean,
  required = false,
): fc.Arbitrary<Params> {
  // Hostile values stay under 500 characters: the query must fit Node's 16 KiB of headers.
  const once = (arbitrary: fc.Arbitrary<string>) =>
    arbitrary.map((value): Params => {
      const label = `${name}=${JSON.stringify(value.slice(0, 20))}`;
      const part = isValid(value) ? valid(value, label) : wrong(value, label, 400);
      return { pairs: [[name, value]], parts: [part] };
    });
  const absent: Params = {
    pairs: [],
    parts: required ? [wrong(null, `no ${name}`, 400)] : [],
  };
  const twice = fc.tuple(values, values).map(([a, b]): Params => ({
    pairs: [
      [name, a],
      [name, b],
    ],
    parts: [wrong(null, `${name} twice`, 400)],
  }));
  // Mostly one of `values`: a request is usually wrong in one place at most.
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(absent) },
    { weight: 20, arbitrary: once(values) },
    { weight: 1, arbitrary: once(hostileString(500)) },
    { weight: 1, arbitrary: twice },
  );
}

/** Several parameters as one. */
export function params(...each: fc.Arbitrary<Params>[]): fc.Arbitrary<Params> {
  return fc.tuple(...each).map((list) => ({
    pairs: list.flatMap((p) => p.pairs),
    parts: list.flatMap((p) => p.parts),
  }));
}
