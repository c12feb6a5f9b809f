import { envInt } from '../../config/env';
import type { CpuBudget } from './cpu-budget';

/** A kind of thread (or slot) each app worker runs, sized by one environment variable. */
export interface ThreadGroup {
  /** The variable the app reads its size from, e.g. `WORKER_POOL_THREADS`. */
  variable: string;
  /** One of them in the plan line, e.g. `pool thread` (an `s` is added for several). */
  noun: string;
  /** Each one keeps a CPU busy: counted against the budget in the oversubscription warning. */
  busy: boolean;
}

/**
 * What the app says about its threads (src/main.ts), so the cluster module knows none of
 * the app's variables: the groups it shares the CPU budget between, and what else a worker
 * needs for the sizes planned.
 */
export interface AppThreads {
  groups: ThreadGroup[];
  /**
   * More variables an app worker needs, from the sizes planned (by variable); each is passed
   * down only if the operator left it unset. E.g. libuv's pool, for in-process work.
   */
  env?: (perWorker: Readonly<Record<string, number>>) => Record<string, string>;
}

/** What {@link planThreads} shares out: the CPU budget, the app's threads, the operator's settings. */
export interface ThreadPlanInput {
  budget: CpuBudget;
  clusterEnabled: boolean;
  /** `CLUSTER_WORKERS`: a count, or `'auto'` for one worker per CPU of the budget. */
  workers: number | 'auto';
  /** Default: none (the plan then only sizes the workers). */
  threads?: AppThreads;
  /** Where the operator's values are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One group of the plan, with its size in each app worker. */
export interface PlannedGroup extends ThreadGroup {
  /** The operator's value, or the budget shared out: max(1, floor(budget.cpus / workers)). */
  perWorker: number;
}

/** How many app workers, and how many threads of each group each of them runs. */
export interface ThreadPlan {
  /** Whether app workers are forked; when false, `workers` is 1: the primary runs the app. */
  clusterEnabled: boolean;
  /** 1 when the cluster is disabled; `budget.cpus` for `'auto'`. */
  workers: number;
  groups: PlannedGroup[];
  budget: CpuBudget;
  /** The env a worker gets so the app follows the plan: only variables the operator left unset. */
  workerEnv: Record<string, string>;
  /** Workers × busy threads exceed the budget (only possible with operator values). */
  oversubscribed: boolean;
}

/**
 * Shares the CPU budget between app workers and their threads, so N workers each sized for
 * every CPU do not run N × CPUs threads. Values the operator set are kept as they are.
 */
export function planThreads(input: ThreadPlanInput): ThreadPlan {
  const { budget, clusterEnabled, threads } = input;
  const env = input.env ?? process.env;
  const workers = !clusterEnabled
    ? 1
    : input.workers === 'auto'
      ? budget.cpus
      : positive('workers', input.workers);
  const share = Math.max(1, Math.floor(budget.cpus / workers));
  const isSet = (name: string) => Boolean(env[name]?.trim());
  const workerEnv: Record<string, string> = {};
  const groups = (threads?.groups ?? []).map((group): PlannedGroup => {
    if (isSet(group.variable)) {
      return { ...group, perWorker: envInt(env, group.variable, { default: 1, min: 1 }) };
    }
    workerEnv[group.variable] = String(share);
    return { ...group, perWorker: share };
  });
  const perWorker = Object.fromEntries(groups.map((group) => [group.variable, group.perWorker]));
  for (const [name, value] of Object.entries(threads?.env?.(perWorker) ?? {})) {
    if (!isSet(name)) workerEnv[name] = value;
  }
  return {
    clusterEnabled,
    workers,
    groups,
    budget,
    workerEnv,
    oversubscribed: workers * busyPerWorker(groups) > budget.cpus,
  };
}

/** The plan as one log line, with a warning when it oversubscribes the budget. */
export function describePlan(plan: ThreadPlan): string {
  const { budget, groups } = plan;
  const sizes = groups.map((group) => count(group.perWorker, group.noun)).join(' + ');
  const head = plan.clusterEnabled
    ? `Cluster plan: ${count(plan.workers, 'worker')}${sizes ? ` × ${sizes} each` : ''}`
    : `Cluster disabled: 1 process${sizes ? ` with ${sizes}` : ''}`;
  const limit = budget.limit === budget.cpus ? '' : `limit ${budget.limit}, `;
  let line = `${head}, CPU budget ${budget.cpus} (${limit}${budget.source})`;
  if (plan.oversubscribed) {
    const busy = groups.filter((group) => group.busy);
    const noun = busy.length === 1 ? busy[0].noun : 'busy thread';
    const threads = plan.workers * busyPerWorker(groups);
    line += `; WARNING: ${count(threads, noun)} in all oversubscribe the CPU budget`;
  }
  return line;
}

function busyPerWorker(groups: PlannedGroup[]): number {
  return groups.reduce((sum, group) => sum + (group.busy ? group.perWorker : 0), 0);
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
