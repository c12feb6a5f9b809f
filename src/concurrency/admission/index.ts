/**
 * The admission core the executors share (WorkerPool, ChildProcessRunner), for an executor
 * to build on: bounded FIFO lanes, a deadline and the caller's signal per run, refusal when
 * full or closed, outcome counters, wait/run histograms and the drain on shutdown. Runs in
 * the process that submits the work (an app worker); it starts no thread or process itself.
 *
 * @packageDocumentation
 */
export { ClosedError, QueueFullError, TimedOutError } from './admission.errors';
export { AdmittedRun, MAX_TIMER_MS } from './admitted-run';
export { type AdmissionLimits, type AdmissionStats, Executor, type Outcomes } from './executor';
export { type LatencySummary, type TimingKind } from './latency-histogram';
export { RunLane } from './run-lane';
