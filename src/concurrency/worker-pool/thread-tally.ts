/** What piscina hands to `workerCreate` listeners (its public `PiscinaWorker` shape). */
export interface PiscinaThread {
  id: number;
  currentUsage: number;
  destroyed: boolean;
  terminating: boolean;
  histogram: { p99: number } | null;
}

/** Tasks one thread finished, by outcome. */
export interface ThreadTally {
  done: number;
  failed: number;
}

type Response = { error?: unknown };
type WorkerInfo = { onMessage?: (message: Response) => void };

/**
 * Counts the tasks a piscina thread finished and failed. piscina keeps per-thread timing
 * (`workerHistogram`) but not outcomes, so this wraps the callback its thread record calls
 * for every response (`WorkerInfo.onMessage`, reached through the record's symbol-keyed
 * field). Should a piscina release change that internal, the counts stay at zero and
 * nothing else is affected.
 */
export function tallyThread(thread: PiscinaThread): ThreadTally {
  const tally: ThreadTally = { done: 0, failed: 0 };
  const record = Object.getOwnPropertySymbols(thread)
    .map((symbol) => (thread as unknown as Record<symbol, unknown>)[symbol])
    .find((value): value is WorkerInfo => typeof (value as WorkerInfo)?.onMessage === 'function');
  if (!record?.onMessage) return tally;
  const forward = record.onMessage;
  record.onMessage = (message: Response) => {
    if (message?.error == null) tally.done += 1;
    else tally.failed += 1;
    forward.call(record, message);
  };
  return tally;
}
