import cluster from 'node:cluster';
import { type SupervisorClock, systemSupervisorClock } from './clock';
import type { PrimaryMessage } from './cluster.protocol';

/** One forked app worker process, as the primary drives it. */
export interface WorkerProcess {
  readonly pid: number;
  /** Whether its IPC channel is open. */
  isConnected(): boolean;
  /** Sends over IPC; `done` gets the error of a send that failed (EPIPE: it just died). */
  send(message: PrimaryMessage, done: (error: Error | null) => void): void;
  kill(signal: NodeJS.Signals): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: Error) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
}

/**
 * What the primary needs from its process and from Node: a clock, forking, signals and
 * `exit`. Production uses {@link nodePrimaryHost}; unit specs pass fakes, so the supervisor's
 * races run on a fake clock against fake workers.
 */
export interface PrimaryHost {
  readonly clock: SupervisorClock;
  /** Forks an app worker with these variables added to this process's environment. */
  fork(env: Record<string, string>): WorkerProcess;
  /** Calls `handler` on every `signal` this process receives. */
  onSignal(signal: NodeJS.Signals, handler: () => void): void;
  exit(code: number): void;
}

/** This process and Node's cluster module. */
export function nodePrimaryHost(): PrimaryHost {
  // Round robin (Node's default on Linux) spreads connections evenly; the operator may
  // choose NODE_CLUSTER_SCHED_POLICY=none (README, "Known limit").
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_RR;
  return {
    clock: systemSupervisorClock,
    fork: (env) => {
      const worker = cluster.fork(env);
      return {
        pid: worker.process.pid ?? 0,
        isConnected: () => worker.isConnected(),
        send: (message, done) => worker.send(message, undefined, undefined, done),
        kill: (signal) => worker.process.kill(signal),
        onMessage: (listener) => worker.on('message', listener),
        onError: (listener) => worker.on('error', listener),
        onExit: (listener) => worker.once('exit', listener),
      };
    },
    onSignal: (signal, handler) => process.on(signal, handler),
    exit: (code) => process.exit(code),
  };
}
