/** Talking to the job routes of a running service, as a client would (fetch over a socket). */
import { setTimeout as delay } from 'node:timers/promises';
import { parsePrometheus } from '../../../../test/support/prometheus';

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  bytes: Buffer;
}

/** Sends a request and reads the whole answer (JSON bodies parsed). */
export async function call(
  base: string,
  path: string,
  init: {
    method?: string;
    json?: unknown;
    body?: string | Buffer;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers = {
    ...(init.json !== undefined && { 'content-type': 'application/json' }),
    ...init.headers,
  };
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return {
    status: res.status,
    headers: res.headers,
    body: json ? (JSON.parse(bytes.toString()) as Record<string, unknown>) : {},
    bytes,
  };
}

/** `POST /jobs/pdf-report`, expecting 202; resolves to the job's id. */
export async function enqueueReport(base: string, report: unknown): Promise<string> {
  const answer = await call(base, '/jobs/pdf-report', { method: 'POST', json: report });
  if (answer.status !== 202)
    throw new Error(`enqueue: ${answer.status} ${answer.bytes.toString()}`);
  return answer.body.id as string;
}

/** Polls `GET /jobs/{id}` until its status is one of `statuses`; resolves to the job. */
export async function waitForStatus(
  base: string,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    const answer = await call(base, `/jobs/${id}`).catch((error: Error) => ({
      body: error.message,
    }));
    last = answer.body;
    const status = (answer.body as { status?: string }).status;
    if (status && statuses.includes(status)) return answer.body as Record<string, unknown>;
    await delay(50);
  }
  throw new Error(
    `job ${id} not ${statuses.join('|')} after ${timeoutMs} ms: ${JSON.stringify(last)}`,
  );
}

/** A sample of the service's /metrics (the probe port), by name and labels; 0 when absent. */
export async function metric(
  probeBase: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${probeBase}/metrics`)).text();
  // Only the family asked for: Node's own event-loop gauges may read "Nan" right after a reset.
  const family = text
    .split('\n')
    .filter((line) => line.replace(/^# (HELP|TYPE) /, '').startsWith(name))
    .join('\n');
  return parsePrometheus(family)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * A report of at least `pages` pages for few bytes (sections of one-character lines, some 90
 * pages each and under 10 KB), rendered in well under a second per thousand pages.
 */
export function blankPages(pages: number) {
  return {
    title: 'Many short lines',
    sections: Array.from({ length: Math.ceil(pages / 80) }, (_, i) => ({
      heading: `Part ${i + 1}`,
      body: '.\n'.repeat(3_000),
    })),
  };
}

/**
 * A report that keeps a pool thread busy for about `rows` / 1,500 seconds here (a 20-column
 * table whose cells wrap: some 0.6 ms of rendering per row, more per row the longer the
 * table, see {@link msPerTableRow}; 57 pages per 1,000 rows, 120 bytes of JSON per row); slower per byte
 * than text, so a long render still fits a small body. {@link tableFor} sizes it for a
 * wanted duration on the machine at hand, within the limits of {@link tableLimits}, and up
 * to REPORT_LIMITS.rows (20,000) rows.
 */
export function slowTable(rows: number) {
  const columns = Array.from({ length: 20 }, (_, c) => `c${c}`);
  return {
    title: 'A long table',
    table: {
      columns,
      rows: Array.from({ length: rows }, (_, r) => columns.map((_, c) => r * 20 + c)),
    },
  };
}

/**
 * The service's limits (its environment) under which a {@link slowTable} of up to `maxRows`
 * rows is accepted and renders to its end, as measured on Node 20 and 24 here: its pages
 * (`PDF_MAX_PAGES`, 57 per 1,000 rows), its body (`PDF_MAX_BODY_BYTES`), the heap of the pool
 * thread that renders it (`WORKER_MAX_HEAP_MB`: pdfkit keeps every page until the footers
 * are drawn, some 75 to 150 KB per row live, 8,000 rows did not fit 600 MiB; 200 KB a row
 * leaves room for the heap's growing factor, HEAP_GROWING_PERCENT) and the stored PDF
 * (`JOBS_MAX_RESULT_BYTES`, some 300 bytes per row). They are caps, not reservations: a
 * shorter table uses less.
 */
export function tableLimits(maxRows: number): Record<string, string> {
  return {
    PDF_MAX_PAGES: String(Math.ceil(maxRows * 0.06) + 10),
    PDF_MAX_BODY_BYTES: String(Buffer.byteLength(JSON.stringify(slowTable(maxRows))) + 1024),
    WORKER_MAX_HEAP_MB: String(Math.ceil((maxRows * 200) / 1024) + 256),
    JOBS_MAX_RESULT_BYTES: String(maxRows * 400 + 1024 * 1024),
  };
}

/**
 * Milliseconds of rendering per row of a {@link slowTable} on this machine and runtime now:
 * the faster of two 2,000-row renders through `POST /pdf/report`. Tests size their "short" and
 * "long" jobs from it with {@link tableFor}, so that a faster machine or runtime (Node 24
 * renders tables faster than Node 20) does not finish a job before the test can stop it.
 * Per row, a table gets slower as it grows (pdfkit keeps its pages: more heap to collect),
 * steeply up to some 2,000 rows, slowly after: 500 rows took 0.3 ms a row here, 2,000 rows
 * 0.55-0.6 ms and 16,000 rows 0.8 ms, so a table sized from this sample renders some 10-20 %
 * longer than asked (from a 500-row sample, 2.5 times longer).
 */
export async function msPerTableRow(base: string): Promise<number> {
  const sample = 2_000;
  let fastest = Infinity;
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    const answer = await call(base, '/pdf/report', { method: 'POST', json: slowTable(sample) });
    if (answer.status !== 200) throw new Error(`calibration render: ${answer.status}`);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest / sample;
}

/**
 * A {@link slowTable} of about `seconds` of rendering at `msPerRow`. `maxRows` is a safety
 * bound (the service's limits come from it, {@link tableLimits}), set far above what the
 * machines we know need: a test still checks that its job was running when it had to be.
 */
export function tableFor(msPerRow: number, seconds: number, maxRows: number) {
  return slowTable(Math.min(maxRows, Math.ceil((seconds * 1000) / msPerRow)));
}

/** Polls `condition` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await delay(100);
  }
}
