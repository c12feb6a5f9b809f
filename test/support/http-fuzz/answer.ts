import type { Exchange } from '../exchange';
import { utf8Bytes } from '../fuzz';

/** The most an error message may cost (messages are capped). */
export const MAX_MESSAGE_BYTES = 1024;

/** README, "Logs": the request id sent back is the caller's only when it is one of these. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export interface Expectation {
  /** Statuses the route documents (OpenAPI, README). */
  documented: readonly number[];
  /** Statuses this request may get: a subset of `documented`, or all of it. */
  allowed: readonly number[];
  /** The route's deadline; the answer must be complete within it plus the grace. */
  deadlineMs: number;
  graceMs: number;
  /** Whether the app itself answers (so the answer carries a request id). */
  fromApp?: boolean;
  /**
   * Whether a 200 may be cut short: a route that streams (README: past 64 KiB a command's
   * output streams, and a later failure can only end the response early).
   */
  streams?: boolean;
}

/** A short, printable excerpt of a body. */
export function excerpt(body: Buffer, length = 300): string {
  const text = body.subarray(0, length).toString('utf8');
  return JSON.stringify(body.length > length ? `${text}… (${body.length} bytes)` : text);
}

/**
 * What is wrong with `answer` for `expectation`, as sentences; empty when nothing is:
 * an answer, within the deadline, with an allowed and documented status, and every
 * 4xx and 5xx a JSON `{ statusCode, error, message }` with the HTTP status and a message within
 * {@link MAX_MESSAGE_BYTES}; a 503 says when to retry. (A 2xx or 3xx is the route's.)
 */
export function problemsOf(answer: Exchange, expectation: Expectation): string[] {
  const { documented, allowed, deadlineMs, graceMs } = expectation;
  const ms = Math.round(answer.ms);
  if (answer.status === undefined) return [`no answer (${answer.error}) after ${ms} ms`];
  const problems: string[] = [];
  const status = answer.status;
  if (answer.error !== undefined && !(expectation.streams && status === 200)) {
    problems.push(`a ${status} cut short (${answer.error}) after ${ms} ms`);
  }
  if (answer.ms > deadlineMs + graceMs) {
    problems.push(`answered after ${ms} ms, past the deadline ${deadlineMs} + ${graceMs} ms`);
  }
  if (!documented.includes(status)) {
    problems.push(`${status} is not a documented status (${documented.join(', ')})`);
  } else if (!allowed.includes(status)) {
    problems.push(`${status} where this request may get ${allowed.join(', ')}`);
  }
  if (expectation.fromApp !== false) {
    const id = answer.headers['x-request-id'];
    if (typeof id !== 'string' || !REQUEST_ID.test(id)) {
      problems.push(`X-Request-Id ${JSON.stringify(id)} is not a valid request id`);
    }
  }
  if (status < 400) return problems;
  if (status === 503 && !answer.headers['retry-after']) problems.push('503 without Retry-After');
  problems.push(...errorBodyProblems(answer));
  return problems.map((problem) => `${problem}; body ${excerpt(answer.body)}`);
}

/** What is wrong with the JSON error body of a 4xx or 5xx `answer`. */
export function errorBodyProblems(answer: Exchange): string[] {
  const type = answer.headers['content-type'];
  if (typeof type !== 'string' || !/^application\/json\b/.test(type)) {
    return [`a ${answer.status} with Content-Type ${JSON.stringify(type)}, not JSON`];
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return [`a ${answer.status} whose body is not JSON`];
  }
  const { statusCode, error, message } = (body ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (statusCode !== answer.status)
    problems.push(`statusCode ${String(statusCode)} ≠ ${answer.status}`);
  if (typeof error !== 'string' || error === '') problems.push('no "error"');
  if (typeof message !== 'string' || message === '') problems.push('no "message"');
  else if (utf8Bytes(message) > MAX_MESSAGE_BYTES) {
    problems.push(`a message of ${utf8Bytes(message)} bytes (over ${MAX_MESSAGE_BYTES})`);
  }
  return problems;
}
