import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/*
 * The chaos soak (scripts/soak, RELIABILITY.md) for one minute: the real cluster under
 * mixed traffic while its workers, primary and spawn helpers are killed, stopped and
 * restarted. The script judges its invariants and exits 0 only when every one held; its
 * summary is the failure message. SOAK_SEED replays a run (the seed is in the summary).
 */
const SOAK = join(__dirname, '..', 'scripts', 'soak', 'soak.cjs');
const MINUTES = 1;

describe('chaos soak (scripts/soak/soak.cjs, 1 minute)', () => {
  let soak: ChildProcess | undefined;
  afterAll(async () => {
    // Only if the test timed out: SIGTERM lets the soak kill the service it started.
    if (soak && soak.exitCode === null && soak.signalCode === null) {
      const exited = once(soak, 'exit');
      soak.kill('SIGTERM');
      await exited;
    }
  });

  it('keeps every invariant under chaos', async () => {
    const args = [SOAK, `--minutes=${MINUTES}`];
    if (process.env.SOAK_SEED) args.push(`--seed=${process.env.SOAK_SEED}`);
    soak = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    soak.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    soak.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(soak, 'exit')) as [number | null];

    if (code !== 0) throw new Error(`the soak exited with ${code}:\n${output}`);
    expect(output).toMatch(/RESULT: OK, every invariant held/);
    // The start (at most a minute), the run, and the end (requests in flight, a worker to
    // replace, the shutdown), each bounded by the script's own limits: about 75 s in all.
  }, 300_000);
});
