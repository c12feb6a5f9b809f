export { ClusterBootstrap, type ClusterBootstrapOptions } from './cluster-bootstrap';
export type { ServedApp } from './served-app';
export { detectCpuBudget, type CpuBudget } from './cpu-budget';
export { planThreads, describePlan, type ThreadPlan } from './thread-plan';
