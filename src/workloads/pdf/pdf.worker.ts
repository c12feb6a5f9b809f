/**
 * Thread tasks for PDF reports. The worker pool loads this file on its threads only; the
 * main thread imports its types (see `renderReportTask` in pdf.service.ts). The fonts a
 * thread reads stay loaded in it for the next reports (see `fontBook`).
 */
import { move } from 'piscina';
import { type Cancellable, isCancelled } from '../../concurrency/worker-pool/cancellation';
import { MissingGlyphError } from './pdf.errors';
import { renderReport } from './report.render';
import { type RenderOptions, type ReportInput, ReportTooLongError } from './report.types';

/** What a {@link ReportTooLongError} looks like once it reached the main thread. */
export interface ReportTooLongFailure {
  name: 'ReportTooLongError';
  message: string;
  maxPages: number;
  stack?: string;
}

/** What a {@link MissingGlyphError} looks like once it reached the main thread. */
export interface MissingGlyphFailure {
  name: 'MissingGlyphError';
  message: string;
  field: string;
  codePoint: string;
}

/** A failure of a report, as the main thread receives it. */
export type ReportFailure = ReportTooLongFailure | MissingGlyphFailure;

/**
 * Renders a report on a pool thread and moves the bytes to the caller without a copy.
 * Cooperative (`cancelGraceMs` in pdf.service.ts): once its caller gave up, it stops at the
 * next page, and its thread goes on to the next report.
 *
 * A report over `maxPages`, or with a character no font has, rejects with a
 * {@link ReportFailure}: the main thread matches on `name`, the only thing that is sure
 * to cross over.
 */
export async function renderReportTask(
  input: RenderOptions & Cancellable & { report: ReportInput },
): Promise<Uint8Array> {
  let pdf: Buffer;
  try {
    pdf = await renderReport(input.report, { ...input, cancelled: () => isCancelled(input) });
  } catch (error) {
    // postMessage clones an Error as a plain Error: V8 keeps the message and stack but
    // resets a custom name to 'Error' and drops other fields. A plain object keeps them.
    throw toFailure(error) ?? error;
  }
  // Moving a view moves its whole ArrayBuffer, and a small Buffer shares a pooled one with
  // other Buffers of this thread: give the bytes an ArrayBuffer of their own first.
  const owned = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength;
  const bytes = owned ? new Uint8Array(pdf.buffer) : new Uint8Array(pdf);
  // move() wraps the view in a marker that piscina unwraps: the caller gets the Uint8Array.
  return move(bytes) as Uint8Array;
}

function toFailure(error: unknown): ReportFailure | undefined {
  if (error instanceof ReportTooLongError) {
    const { message, maxPages, stack } = error;
    return { name: 'ReportTooLongError', message, maxPages, stack };
  }
  if (error instanceof MissingGlyphError) {
    const { message, field, codePoint } = error;
    return { name: 'MissingGlyphError', message, field, codePoint };
  }
  return undefined;
}
