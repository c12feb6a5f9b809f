import type { ChildProcessRunner } from '../concurrency/child-process';
import { type CollectedMetrics, OUTCOMES, snake } from './collected';

/** The `child_process_*` series, read from {@link ChildProcessRunner.stats} at scrape time. */
export function defineChildProcessMetrics(
  runner: ChildProcessRunner,
  { gauge, total, timings }: CollectedMetrics,
): void {
  gauge('child_process_running', 'Commands running now', (set) =>
    set(runner.stats().running.length),
  );
  gauge('child_process_queued', 'Commands waiting for a slot', (set) => set(runner.stats().queued));
  timings(runner, {
    wait: ['child_process_wait_seconds', 'Time from submission to a slot'],
    run: ['child_process_run_seconds', 'Time from spawn until the process group was gone'],
  });
  total(
    'child_process_runs_total',
    'Commands by outcome',
    (set) => {
      const stats = runner.stats();
      for (const outcome of OUTCOMES) set(stats[outcome], { outcome: snake(outcome) });
    },
    ['outcome'],
  );
  total('child_process_killed_total', 'Runs whose process group had to be signalled', (set) =>
    set(runner.stats().killed),
  );
}
