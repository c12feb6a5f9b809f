import type { CpuBudget } from './cpu-budget';

/** What {@link planThreads} shares out: the CPU budget and the operator's settings. */
export interface ThreadPlanInput {
  budget: CpuBudget;
  clusterEnabled: boolean;
  /** `CLUSTER_WORKERS`: a count, or `'auto'` for one worker per CPU of the budget. */
  workers: number | 'auto';
  /** `WORKER_POOL_THREADS`, only when the operator set it. */
  poolThreads?: number;
  /** `WORKER_INLINE_CONCURRENCY`, only when the operator set it. */
  inlineConcurrency?: number;
}

/** How many app workers, and how many pool threads and in-process slots each of them runs. */
export interface ThreadPlan {
  /** Whether app workers are forked; when false, `workers` is 1: the primary runs the app. */
  clusterEnabled: boolean;
  /** 1 when the cluster is disabled; `budget.cpus` for `'auto'`. */
  workers: number;
  /** The operator's value, or the budget shared out: max(1, floor(budget.cpus / workers)). */
  poolThreadsPerWorker: number;
  /** The operator's value, or the same as `poolThreadsPerWorker`. */
  inlineConcurrencyPerWorker: number;
  budget: CpuBudget;
  /** The env a worker gets so its WorkerPool follows the plan: only variables the operator left unset. */
  workerEnv: Record<string, string>;
  /** Workers × pool threads exceed the budget (only possible with operator values). */
  oversubscribed: boolean;
}

/**
 * Shares the CPU budget between app workers and their pools, so N workers each sized for
 * every CPU do not run N × CPUs threads. Values the operator set are kept as they are.
 */
export function planThreads(input: ThreadPlanInput): ThreadPlan {
  const { budget, clusterEnabled } = input;
  const workers = !clusterEnabled
    ? 1
    : input.workers === 'auto'
      ? budget.cpus
      : positive('workers', input.workers);
  const share = Math.max(1, Math.floor(budget.cpus / workers));
  const poolThreadsPerWorker =
    input.poolThreads === undefined ? share : positive('poolThreads', input.poolThreads);
  const inlineConcurrencyPerWorker =
    input.inlineConcurrency === undefined
      ? share
      : positive('inlineConcurrency', input.inlineConcurrency);
  const workerEnv: Record<string, string> = {};
  if (input.poolThreads === undefined) workerEnv.WORKER_POOL_THREADS = String(poolThreadsPerWorker);
  if (input.inlineConcurrency === undefined) {
    workerEnv.WORKER_INLINE_CONCURRENCY = String(inlineConcurrencyPerWorker);
  }
  return {
    clusterEnabled,
    workers,
    poolThreadsPerWorker,
    inlineConcurrencyPerWorker,
    budget,
    workerEnv,
    oversubscribed: workers * poolThreadsPerWorker > budget.cpus,
  };
}

/** The plan as one log line, with a warning when it oversubscribes the budget. */
export function describePlan(plan: ThreadPlan): string {
  const { budget } = plan;
  const head = plan.clusterEnabled
    ? `Cluster plan: ${count(plan.workers, 'worker')} ×`
    : 'Cluster disabled: 1 process with';
  const limit = budget.limit === budget.cpus ? '' : `limit ${budget.limit}, `;
  let line =
    `${head} ${count(plan.poolThreadsPerWorker, 'pool thread')} + ` +
    `${count(plan.inlineConcurrencyPerWorker, 'inline image slot')}` +
    `${plan.clusterEnabled ? ' each' : ''}, CPU budget ${budget.cpus} (${limit}${budget.source})`;
  if (plan.oversubscribed) {
    const threads = plan.workers * plan.poolThreadsPerWorker;
    line += `; WARNING: ${count(threads, 'pool thread')} in all oversubscribe the CPU budget`;
  }
  return line;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Config validation catches bad env values first; this guards callers that skip it. */
function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Thread plan: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
