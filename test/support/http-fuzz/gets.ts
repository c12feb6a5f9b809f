import fc from 'fast-check';
import { rarely } from '../fuzz';
import { hostileString } from '../hostile';
import { type FuzzCase, fuzzCase } from './case';
import { extraHeaders, percentEncode, queryString, RAW_QUERY } from './parts';

/*
 * The GET routes of the app port (README: /health/live and /health/ready for this process,
 * Swagger UI and the OpenAPI document under /docs), paths the app does not serve (the probe
 * port's /health and /health/startup among them), and methods a route does not take.
 */

/** Statuses per served GET path (the probes' from the OpenAPI document, the docs' 200). */
export type Served = Record<string, { documented: number[]; allowed: number[] }>;

/** A query the route ignores: hostile keys and values, repeats, raw escapes. */
const ignoredQuery = fc
  .tuple(
    fc.array(fc.tuple(hostileString(), hostileString()), { maxLength: 4 }),
    rarely(fc.constantFrom(...RAW_QUERY), 4),
  )
  .map(([pairs, raw]) =>
    queryString(
      pairs.map(([k, v]) => [k.slice(0, 200), v.slice(0, 200)]),
      raw,
    ),
  );

/** GET of a served path, with whatever query and headers: its documented answer. */
export function getCases(served: Served): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.constantFrom(...Object.keys(served)), ignoredQuery, extraHeaders)
    .map(([path, query, headers]) =>
      fuzzCase({
        request: { method: 'GET', path: `${path}${query}`, headers, body: Buffer.alloc(0) },
        allowed: served[path].allowed,
        labels: [`GET ${path}`],
      }),
    );
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** A path the app does not serve: 404, whatever the method (OPTIONS may list the allowed ones). */
export function unservedCases(): fc.Arbitrary<FuzzCase> {
  const segment = fc.oneof(
    // At most 150 characters, so the encoded path stays far under Node's 16 KiB of headers.
    { weight: 3, arbitrary: hostileString().map((text) => percentEncode(text.slice(0, 150))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '%ff',
        '%',
        '~',
        'a;b',
        '@',
        'x'.repeat(3_000),
      ),
    },
  );
  const path = fc.oneof(
    fc.constantFrom(
      '/health',
      '/health/startup',
      '/metrics',
      '/health/ready/x',
      '/images',
      '/pdf',
      '/commands',
      '/commands/',
      '/docs/../health/live',
    ),
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    segment
      .map((s) => `/docs/${s}`)
      .filter((p) => !['/docs/', '/docs/openapi.json', '/docs/openapi.yaml'].includes(p)),
  );
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
  const known = fc.constantFrom(
    'GET /images/resize',
    'PUT /pdf/report',
    'DELETE /commands/quiet',
    'PATCH /health/live',
    'POST /health/ready',
  );
  return fc
    .oneof(
      fc.tuple(method, path).map(([m, p]) => `${m} ${p}`),
      known,
    )
    .chain((line) => fc.tuple(fc.constant(line), extraHeaders, fc.uint8Array({ maxLength: 100 })))
    .map(([line, headers, body]) => {
      const [method, path] = line.split(' ');
      // A path that is not valid percent-encoded UTF-8 may be refused before routing.
      const undecodable = !isDecodable(path);
      return fuzzCase({
        request: { method, path, headers, body: Buffer.from(body) },
        // An Allow list for OPTIONS is HTTP's, not an error.
        allowed: [
          ...(method === 'OPTIONS' ? [200, 204] : []),
          ...(undecodable ? [400] : []),
          // Swagger UI's static files: a directory answers with a redirect to its slash form,
          // and a path the file server will not map to a file (e.g. encoded spaces) 403.
          ...(path.startsWith('/docs/') ? [301, 403] : []),
          404,
        ],
        labels: [line.slice(0, 80)],
      });
    });
}
