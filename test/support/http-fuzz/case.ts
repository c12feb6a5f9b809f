import fc from 'fast-check';
import type { Exchange } from '../exchange';
import { describeRequest, type FuzzRequest } from './request';

/**
 * One piece of a generated request (its query, content type, body, …) and what it implies:
 * `refusals` lists the statuses that answer it when it is wrong on purpose (a 400 for an
 * invalid parameter, 413 and 415 alike for a coding the route may or may not decode);
 * a piece without them is valid. `ok` marks a wrong piece the route may also accept.
 */
export interface Part<T> {
  value: T;
  label: string;
  refusals?: readonly number[];
  ok?: boolean;
}

export const valid = <T>(value: T, label: string): Part<T> => ({ value, label });
export const wrong = <T>(value: T, label: string, ...refusals: number[]): Part<T> => ({
  value,
  label,
  refusals,
});
/** A piece the route may accept, or refuse with one of `refusals`. */
export const either = <T>(value: T, label: string, ...refusals: number[]): Part<T> => ({
  value,
  label,
  refusals,
  ok: true,
});

/** A request to send, with what may answer it. */
export interface FuzzCase {
  request: FuzzRequest;
  /** Statuses this request may get (every one documented for its route). */
  allowed: number[];
  /** What was generated, in words. */
  labels: string[];
  /** The route's deadline for this request, when it is not the route's default. */
  deadlineMs?: number;
  /** Checks of an answer's content (its output, its error fields); what is wrong. */
  verify?: (answer: Exchange) => Promise<string[]> | string[];
}

/**
 * The statuses a request made of `parts` may get: when every part is valid, `success`
 * (the answer to work done, which includes its documented failures); otherwise whichever
 * refusal the route checks first, so the order of the checks is the route's own business.
 */
export function allowedFor(parts: readonly Part<unknown>[], success: readonly number[]): number[] {
  const wrongParts = parts.filter((part) => part.refusals);
  const allowed = new Set<number>(wrongParts.flatMap((part) => part.refusals ?? []));
  if (wrongParts.every((part) => part.ok)) for (const status of success) allowed.add(status);
  return [...allowed].sort();
}

export function fuzzCase(value: FuzzCase): FuzzCase {
  const text = `${value.labels.join(' · ')} → ${value.allowed.join('/')}\n${describeRequest(value.request)}`;
  return Object.defineProperty(value, fc.toStringMethod, { value: () => text });
}
