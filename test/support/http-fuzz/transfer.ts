import fc from 'fast-check';
import { type FuzzCase, fuzzCase } from './case';

/*
 * Bodies that stop arriving: the request declares its length (or is chunked), sends part of
 * it, then waits without sending more (`hold`) or ends its side of the connection (`close`).
 * Held, it must still be answered within its route's deadline (no request
 * unanswered past its deadline, body reading included); closed, nothing may be left running.
 */

export interface TransferRoute {
  /** The route's operationId in the OpenAPI document, whose statuses it may answer with. */
  operationId: string;
  path: string;
  type: string;
  body: Buffer;
  deadlineMs: number;
  /** Whether a 200 may be cut short (a route that streams its answer). */
  streams?: boolean;
}

/** A cut request to one of `routes`, with the statuses its route documents (plus 408). */
export function transferCases(
  routes: TransferRoute[],
  documented: (operationId: string) => number[],
): fc.Arbitrary<FuzzCase & { route: TransferRoute }> {
  return fc
    .tuple(
      fc.constantFrom(...routes),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      fc.constantFrom<'hold' | 'close'>('hold', 'close'),
      fc.boolean(),
    )
    .map(([route, share, then, chunked]) => {
      const after = Math.floor(route.body.length * share);
      // Whatever a route documents, or 408: the status HTTP has for a body that stopped coming.
      const allowed = [...documented(route.operationId), 408];
      const kase = fuzzCase({
        request: {
          method: 'POST',
          path: route.path,
          headers: [['Content-Type', route.type]],
          body: route.body,
          chunked,
          cut: { after, then },
        },
        allowed,
        labels: [
          `${route.path} (${route.type.split(';')[0]}) cut after ${after} of ${route.body.length} bytes, then ${then}`,
        ],
        deadlineMs: route.deadlineMs,
      });
      return Object.assign(kase, { route });
    });
}
