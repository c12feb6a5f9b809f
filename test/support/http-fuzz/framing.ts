import fc from 'fast-check';
import { described } from '../fuzz';
import { CONTROL_CHARACTERS } from '../hostile';

/*
 * Requests an HTTP/1.1 parser must refuse, written byte by byte: headers over Node's 16 KiB,
 * control characters and bad names in headers, conflicting or malformed framing, bad request
 * lines. Each gets a 4xx, as JSON like every other error.
 */

/** The client errors a malformed request may get. */
export const FRAMING_STATUSES = [400, 413, 414, 431, 501, 505];

export interface RawCase {
  bytes: Buffer;
  label: string;
}

function head(line: string, headers: string[]): string {
  return [line, ...headers].join('\r\n') + '\r\n\r\n';
}

/** What is wrong with a request, as header lines (and the body that goes with them). */
const defects: fc.Arbitrary<{
  label: string;
  headers: readonly string[];
  body?: string;
  line?: string;
}> = fc.oneof(
  fc.integer({ min: 90, max: 400 }).map((count) => ({
    label: `${count} headers of 200 bytes`,
    headers: Array.from({ length: count }, (_, i) => `X-Flood-${i}: ${'f'.repeat(190)}`),
  })),
  fc.integer({ min: 17_000, max: 40_000 }).map((size) => ({
    label: `one header of ${size} bytes`,
    headers: [`X-Big: ${'b'.repeat(size)}`],
  })),
  fc
    .constantFrom(...CONTROL_CHARACTERS.filter((c) => c !== '\t' && c.charCodeAt(0) < 0x80))
    .map((c) => ({
      label: `header value with ${JSON.stringify(c)}`,
      headers: [`X-Control: a${c}b`],
    })),
  fc.constantFrom('X Bad', 'X(y)', 'X\x01', '', ' X', 'X\u00e9').map((name) => ({
    label: `header name ${JSON.stringify(name)}`,
    headers: [`${name}: 1`],
  })),
  fc
    .constantFrom(
      ['Content-Length: 5', 'Content-Length: 6'],
      ['Content-Length: -1'],
      ['Content-Length: abc'],
      ['Content-Length: 1e3'],
      ['Content-Length: 99999999999999999999999'],
      ['Transfer-Encoding: chunked', 'Content-Length: 5'],
      ['Transfer-Encoding: gzip'],
      ['Transfer-Encoding: chunked, identity'],
      ['Transfer-Encoding: chunked\r\n continued'],
      ['X-Folded: a\r\n b'],
      ['X-Bare-CR: a\rb'],
    )
    .map((headers) => ({
      label: headers.join(' + ').replace(/\r\n/g, '⏎'),
      headers: [...headers],
      body: 'hello',
    })),
  fc.constantFrom('zz', '-1', 'fffffffffffffffffff', `1;${'e'.repeat(20_000)}`).map((size) => ({
    label: `chunk size ${JSON.stringify(size.slice(0, 20))}`,
    headers: ['Transfer-Encoding: chunked'],
    body: `${size}\r\nx\r\n0\r\n\r\n`,
  })),
  fc
    .constantFrom(
      'G@T /health/live HTTP/1.1',
      'get /health/live HTTP/1.1',
      'GET /health/live HTTP/1.2',
      'GET /health live HTTP/1.1',
      'GET health/live HTTP/1.1',
      `GET /${'u'.repeat(20_000)} HTTP/1.1`,
    )
    .map((line) => ({
      label: `request line ${JSON.stringify(line.slice(0, 40))}`,
      headers: [],
      line,
    })),
  fc.constant({
    label: 'HTTP/1.1 without Host',
    headers: ['Host-less: 1'],
    line: 'GET /health/live HTTP/1.1',
  }),
);

/**
 * A malformed request to one of `targets` (request lines such as `POST /pdf/report`, the
 * workloads' routes); `POST /health/live` when there is none.
 */
export function framingCases(port: number, targets: string[]): fc.Arbitrary<RawCase> {
  const lines = targets.length > 0 ? targets : ['POST /health/live'];
  return fc.tuple(fc.constantFrom(...lines), defects).map(([target, defect]) => {
    const host = defect.label === 'HTTP/1.1 without Host' ? [] : [`Host: 127.0.0.1:${port}`];
    const body = defect.body ?? '';
    const framing = defect.headers.some((h) => /^(content-length|transfer-encoding):/i.test(h))
      ? []
      : [`Content-Length: ${Buffer.byteLength(body)}`];
    const text =
      head(defect.line ?? `${target} HTTP/1.1`, [
        ...host,
        'Connection: close',
        ...framing,
        ...defect.headers,
      ]) + body;
    const bytes = Buffer.from(text, 'latin1');
    return described(
      { bytes, label: `${target}: ${defect.label}` },
      `${target}: ${defect.label} (${bytes.length} bytes)`,
    );
  });
}
