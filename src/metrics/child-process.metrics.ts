import type { ChildProcessRunner } from '../concurrency/child-process';
import { type CollectedMetrics, OUTCOMES, quantiles, snake } from './collected';

/** The `child_process_*` series, read from {@link ChildProcessRunner.stats} at scrape time. */
export function defineChildProcessMetrics(
  runner: ChildProcessRunner,
  { gauge, total }: CollectedMetrics,
): void {
  gauge('child_process_running', 'Commands running now', (set) =>
    set(runner.stats().running.length),
  );
  gauge('child_process_queued', 'Commands waiting for a slot', (set) => set(runner.stats().queued));
  gauge(
    'child_process_run_seconds',
    'Time from spawn until the process group was gone (quantiles)',
    (set) => quantiles(set, runner.stats().runTime),
    ['quantile'],
  );
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
