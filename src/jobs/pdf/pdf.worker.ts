/**
 * Thread tasks for PDF reports. The worker pool loads this file on its threads only; the
 * main thread imports its types (see `renderReportTask` in pdf.service.ts).
 */
import { move } from 'piscina';
import { renderReport } from './report.render';
import { type ReportInput, ReportTooLongError } from './report.types';

/** What a {@link ReportTooLongError} looks like once it reached the main thread. */
export interface ReportTooLongFailure {
  name: 'ReportTooLongError';
  message: string;
  maxPages: number;
  stack?: string;
}

/**
 * Renders a report on a pool thread and moves the bytes to the caller without a copy.
 *
 * A report over `maxPages` rejects with a {@link ReportTooLongFailure}: the main thread
 * matches on `name === 'ReportTooLongError'`, the only thing that is sure to cross over.
 */
export async function renderReportTask(input: {
  report: ReportInput;
  maxPages: number;
}): Promise<Uint8Array> {
  let pdf: Buffer;
  try {
    pdf = await renderReport(input.report, { maxPages: input.maxPages });
  } catch (error) {
    // postMessage clones an Error as a plain Error: V8 keeps the message and stack but
    // resets a custom name to 'Error' and drops other fields. A plain object keeps them.
    if (!(error instanceof ReportTooLongError)) throw error;
    const { message, maxPages, stack } = error;
    const failure: ReportTooLongFailure = { name: 'ReportTooLongError', message, maxPages, stack };
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- an Error would lose its name
    throw failure;
  }
  // Moving a view moves its whole ArrayBuffer, and a small Buffer shares a pooled one with
  // other Buffers of this thread: give the bytes an ArrayBuffer of their own first.
  const owned = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength;
  const bytes = owned ? new Uint8Array(pdf.buffer) : new Uint8Array(pdf);
  // move() wraps the view in a marker that piscina unwraps: the caller gets the Uint8Array.
  return move(bytes) as Uint8Array;
}
