/** Every message the WorkerPool produces, in one place. */
export const WorkerPoolMessages = {
  queueFull: (maxQueue: number) =>
    `The worker pool queue is full (${maxQueue} tasks waiting); try again shortly`,
  timedOut: (task: string, timeoutMs: number) =>
    `Task ${task} did not finish within ${timeoutMs} ms`,
  aborted: (task: string) => `Task ${task} was cancelled`,
  crashed: (task: string, reason: string) =>
    `The worker thread running ${task} died (${reason}); the thread was replaced`,
  closed: () => 'The worker pool is shutting down and takes no new tasks',
} as const;
