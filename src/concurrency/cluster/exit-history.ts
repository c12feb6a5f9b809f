import type { WorkerExit } from './cluster-view';

/** Recent app worker exits, newest first, for `/health`. */
export class ExitHistory {
  private readonly exits: WorkerExit[] = [];

  constructor(private readonly kept = 20) {}

  record(exit: WorkerExit): void {
    this.exits.unshift(exit);
    this.exits.length = Math.min(this.exits.length, this.kept);
  }

  list(): WorkerExit[] {
    return [...this.exits];
  }
}
