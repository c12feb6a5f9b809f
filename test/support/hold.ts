/** A latch for the `hold` fixture task: know when it started, release it when you choose. */
export class Hold {
  readonly flags = new SharedArrayBuffer(8);
  private readonly cells = new Int32Array(this.flags);

  /** Resolves once the task holding this latch has started on its thread. */
  async started(): Promise<void> {
    const wait = Atomics.waitAsync(this.cells, 0, 0);
    if (wait.async) await wait.value;
  }

  release(): void {
    Atomics.store(this.cells, 1, 1);
    Atomics.notify(this.cells, 1);
  }
}
