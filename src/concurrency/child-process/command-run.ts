import { AdmittedRun, type RunLane } from '../admission';
import { type ChildRun, type StopReason } from './child-run';

/**
 * One accepted command of ChildProcessRunner, from submission until its process group is
 * gone: its deadline and its caller's signal (see {@link AdmittedRun}), its wait in the
 * queue, and its process once spawned. A stop goes where the command is: out of the queue,
 * to its process group, or, while it is being spawned, to the process once it exists.
 */
export class CommandRun extends AdmittedRun<StopReason> {
  private child?: ChildRun;
  private onTurn?: (admitted: boolean) => void;

  constructor(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    private readonly lane: RunLane<CommandRun>,
  ) {
    super(timeoutMs, signal);
  }

  /**
   * Waits for a slot of the lane, in arrival order. True once the run holds one (its
   * executor must release it); false if the run was stopped first (it holds none).
   */
  admit(): boolean | Promise<boolean> {
    if (this.aborted) return false;
    if (this.lane.enter(this)) return true;
    return new Promise((resolve) => (this.onTurn = resolve));
  }

  /** The slot a released run handed on is this run's now. */
  grant(): void {
    this.onTurn?.(true);
  }

  /** The process is spawned: a stop that came while it was spawned reaches it now. */
  spawned(child: ChildRun): void {
    this.child = child;
    if (this.reason) child.stop(this.reason);
  }

  /** Marks the command done: its process group is gone, or it never started. */
  done(): void {
    this.settle();
  }

  protected timeoutReason(): StopReason {
    return { kind: 'timeout' };
  }

  protected callerReason(cause: unknown): StopReason {
    return { kind: 'aborted', cause };
  }

  protected onAbort(reason: StopReason): void {
    if (this.child) this.child.stop(reason);
    else if (this.lane.remove(this)) this.onTurn?.(false);
    // Otherwise its turn just came: spawned() passes the stop on.
  }
}
