/**
 * The cluster supervisor's public API. `ClusterBootstrap.run` is called before Nest exists
 * (src/main.ts); an app that does not need it calls its own bootstrap instead, and the
 * worker pool, runner, health and metrics work the same in that one process.
 *
 * Runs in: the primary (the supervisor, before Nest exists) and in each app worker (its side
 * of the IPC: ready, heartbeats, drain); with CLUSTER_ENABLED=false, in the one process.
 *
 * @packageDocumentation
 */
export { ClusterBootstrap, type ClusterBootstrapOptions } from './cluster-bootstrap';
export type { ServedApp } from './served-app';
export { detectCpuBudget, type CpuBudget } from './cpu-budget';
export {
  planThreads,
  describePlan,
  type AppThreads,
  type ThreadGroup,
  type ThreadPlan,
} from './thread-plan';
export type {
  ClusterView,
  SupervisorState,
  WorkerExit,
  WorkerState,
  WorkerView,
} from './cluster-view';
