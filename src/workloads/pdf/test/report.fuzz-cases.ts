import fc from 'fast-check';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import type { Exchange } from '../../../../test/support/exchange';
import { rarely } from '../../../../test/support/fuzz';
import { hostileString, PROTOTYPE_KEYS } from '../../../../test/support/hostile';
import {
  allowedFor,
  either,
  type FuzzCase,
  fuzzCase,
  type Part,
  valid,
  wrong,
} from '../../../../test/support/http-fuzz/case';
import { extraHeaders, gzipBomb, queryString } from '../../../../test/support/http-fuzz/parts';

/*
 * POST /pdf/report: valid reports, reports the schema refuses, JSON that is not JSON, bodies
 * over PDF_MAX_BODY_BYTES, reports longer than PDF_MAX_PAGES; under every content type and
 * content coding.
 */

export interface PdfLimits {
  pdfMaxBodyBytes: number;
  pdfMaxPages: number;
}

const word = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: hostileString() },
  )
  .filter((text) => text.trim() !== '' && [...text].length <= 100);

const report = fc.record(
  {
    title: word,
    subtitle: word,
    sections: fc.array(fc.record({ heading: word, body: fc.string({ maxLength: 400 }) }), {
      maxLength: 3,
    }),
    table: fc.integer({ min: 1, max: 4 }).chain((columns) =>
      fc.record({
        columns: fc.array(word, { minLength: columns, maxLength: columns }),
        rows: fc.array(
          fc.array(
            fc.oneof(word, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()),
            { minLength: columns, maxLength: columns },
          ),
          { maxLength: 5 },
        ),
      }),
    ),
  },
  { requiredKeys: ['title'] },
);

type Report = Record<string, unknown>;

/** What the schema refuses: each mutation of a valid report is a 400. */
const mutations: fc.Arbitrary<{ label: string; apply: (r: Report) => Report }> = fc.oneof(
  fc
    .oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString())
    .filter((key) => !['title', 'subtitle', 'sections', 'table'].includes(key))
    .map((key) => ({
      label: `unknown field ${JSON.stringify(key.slice(0, 20))}`,
      apply: (r: Report) => ({ ...r, [key]: 1 }),
    })),
  fc.constant({
    label: '60,000 unknown fields',
    apply: (r: Report) => ({
      ...r,
      ...Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1])),
    }),
  }),
  fc.constantFrom('', ' ', '\u2028', 'x'.repeat(201), null, 7, ['t'], { t: 1 }).map((title) => ({
    label: `title ${JSON.stringify(title).slice(0, 20)}`,
    apply: (r: Report) => ({ ...r, title }),
  })),
  fc.constantFrom(null, {}, 'x', [1], [{}], Array(501).fill({ heading: 'h' })).map((sections) => ({
    label: `sections ${JSON.stringify(sections).slice(0, 20)}`,
    apply: (r: Report) => ({ ...r, sections }),
  })),
  fc
    .constantFrom(
      {},
      { columns: [] },
      { columns: ['a'], rows: [[1, 2]] },
      { columns: ['a'], rows: [[null]] },
      { columns: Array(21).fill('c') },
    )
    .map((table) => ({
      label: `table ${JSON.stringify(table).slice(0, 40)}`,
      apply: (r: Report) => ({ ...r, table }),
    })),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => ({
    label: `sections nested ${depth} deep`,
    // Written as text below: JSON.stringify itself would overflow the stack.
    apply: (r: Report) => ({ ...r, sections: `${DEEP}${depth}` }),
  })),
);

/** Marks where {@link json} writes `depth` nested arrays. */
const DEEP = '\u0000deep:';

/**
 * A JSON text and what it implies. `glyphs` is the refusal of a character no font draws
 * (422, where the route documents it): a report with another fault may get it first.
 */
function json(limits: PdfLimits, glyphs: number[]): fc.Arbitrary<Part<Buffer>> {
  const text = (value: unknown) =>
    Buffer.from(
      JSON.stringify(value).replace(
        /"\\u0000deep:(\d+)"/,
        (_, depth: string) => '['.repeat(+depth) + ']'.repeat(+depth),
      ),
    );
  return fc.oneof(
    { weight: 8, arbitrary: report.map((r) => valid(text(r), 'a report')) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(report, mutations)
        .map(([r, m]) => wrong(text(m.apply(r)), m.label, 400, ...glyphs)),
    },
    {
      weight: 1,
      // Longer than PDF_MAX_PAGES: refused while rendering (or past the deadline under load).
      arbitrary: fc.constant(
        wrong(
          text({
            title: 'long',
            table: {
              columns: ['n'],
              rows: Array.from({ length: limits.pdfMaxPages * 60 }, (_, i) => [i]),
            },
          }),
          'too many pages',
          413,
          504,
        ),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(report, fc.nat()).map(([r, at]) => {
        const whole = text(r);
        const cut = at % whole.length;
        return wrong(whole.subarray(0, cut), `JSON cut at ${cut} of ${whole.length}`, 400);
      }),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc
          .uint8Array({ maxLength: 500 })
          .map((bytes) => wrong(Buffer.from(bytes), 'random bytes', 400)),
        fc
          .constantFrom(
            '',
            'null',
            '[]',
            '"title"',
            "{'title':'x'}",
            '{"title":NaN}',
            '{"title":"x"} trailing',
            '['.repeat(100_000),
            '{"a":'.repeat(50_000),
          )
          .map((t) => wrong(Buffer.from(t), `JSON ${JSON.stringify(t.slice(0, 20))}`, 400)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constant(
        either(Buffer.from('\ufeff{"title":"x"}'), 'a report after a BOM', 400),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constant(
        wrong(
          text({
            title: 'big',
            sections: [{ heading: 'h', body: 'x'.repeat(limits.pdfMaxBodyBytes) }],
          }),
          'over PDF_MAX_BODY_BYTES',
          413,
        ),
      ),
    },
  );
}

const contentType: fc.Arbitrary<Part<string | undefined>> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON')
      .map((t) => valid(t, t)),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset="bogus"',
      )
      .map((t) => either(t, t, 400, 415)),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        undefined,
        '',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/jsonx',
        'application/vnd.api+json',
        'json',
        '*/*',
      )
      .map((t) => wrong(t, `Content-Type ${String(t)}`, 415)),
  },
);

/** A content coding for `body`: none, a real one (decoded or refused), a broken one, a bomb. */
function encoded(
  body: Buffer,
): fc.Arbitrary<{ coding?: string; data: Buffer; part?: Part<unknown> }> {
  const codings: Record<string, (data: Buffer) => Buffer> = {
    gzip: (data) => gzipSync(data),
    deflate: (data) => deflateSync(data),
    br: (data) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
    'gzip, gzip': (data) => gzipSync(gzipSync(data)),
  };
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ data: body }) },
    { weight: 1, arbitrary: fc.constant({ coding: 'identity', data: body }) },
    {
      weight: 2,
      // Compressed only when drawn: a megabyte through brotli is not free.
      arbitrary: fc.constantFrom(...Object.keys(codings)).map((coding) => ({
        coding,
        data: codings[coding](body),
        part: either(null, `Content-Encoding ${coding}`, 400, 415),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('gzip', 'deflate', 'br', 'bogus', 'GZIP', 'compress')
        .map((coding) => ({
          coding,
          data: body,
          part: wrong(null, `Content-Encoding ${coding} on plain bytes`, 400, 415),
        })),
    },
    {
      weight: 1,
      arbitrary: fc.constant(null).map(() => ({
        coding: 'gzip',
        data: gzipBomb(64),
        part: wrong(null, 'gzip bomb of 64 MiB', 400, 413, 415),
      })),
    },
  );
}

function verifyPdf(answer: Exchange): string[] {
  if (answer.status !== 200) return [];
  const type = answer.headers['content-type'];
  const problems: string[] = [];
  if (type !== 'application/pdf') problems.push(`a 200 of type ${String(type)}`);
  if (!answer.body.subarray(0, 5).equals(Buffer.from('%PDF-')))
    problems.push('a 200 that is not a PDF');
  return problems;
}

/** `POST /pdf/report` requests of every kind, with what may answer each. */
export function reportCases(limits: PdfLimits, success: readonly number[]): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(
      json(
        limits,
        success.filter((status) => status === 422),
      ),
      contentType,
      extraHeaders,
      fc.boolean(),
      rarely(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
        6,
      ),
    )
    .chain(([body, type, extra, chunked, query]) =>
      encoded(body.value).map((coding) => {
        const headers: [string, string][] = [...extra];
        if (type.value !== undefined) headers.push(['Content-Type', type.value]);
        if (coding.coding) headers.push(['Content-Encoding', coding.coding]);
        const ignored =
          query && Object.keys(query).length > 0 ? [either(null, 'a query', 400)] : [];
        const parts: Part<unknown>[] = [
          body,
          type,
          ...ignored,
          ...(coding.part ? [coding.part] : []),
        ];
        return fuzzCase({
          request: {
            method: 'POST',
            path: `/pdf/report${queryString(Object.entries(query ?? {}))}`,
            headers,
            body: coding.data,
            chunked,
          },
          allowed: allowedFor(parts, success),
          labels: parts.map((part) => part.label),
          verify: verifyPdf,
        });
      }),
    );
}
