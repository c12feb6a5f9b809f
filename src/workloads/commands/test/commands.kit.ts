import { join } from 'node:path';
import { FUZZ_LIMITS } from '../../../../test/support/http-fuzz/service';
import { notOk, type WorkloadKit } from '../../../../test/support/workloads';
import { commandCases } from './commands.fuzz-cases';

/** The command input limit of the fuzzed service. */
const MAX_INPUT_BYTES = 1024 * 1024;

/** What the suites in test/ need of the commands workload (test/support/workloads.ts). */
export const kit: WorkloadKit = {
  name: 'commands',
  routes: ['POST /commands/{name}'],
  example() {
    // The README's quick start, with the shipped allowlist (config/commands.json).
    const label = 'POST /commands/wordcount';
    return Promise.resolve({
      label,
      path: '/commands/wordcount',
      headers: { 'Content-Type': 'text/plain' },
      body: Buffer.from('one two three\n'),
      problems(answer) {
        if (answer.status !== 200) return notOk(label, answer);
        const words = answer.body.toString().trim();
        return words === '3' ? [] : [`${label}: counted ${JSON.stringify(words)}, not 3`];
      },
    });
  },
  fuzz: {
    env: {
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.fuzz.json'),
      CHILD_PROCESS_MAX_INPUT_BYTES: String(MAX_INPUT_BYTES),
    },
    routes: [
      {
        name: 'POST /commands/:name',
        operationId: 'runCommand',
        runs: 60,
        deadlineMs: FUZZ_LIMITS.commandTimeoutMs,
        streams: true,
        cases: () =>
          commandCases({
            commandTimeoutMs: FUZZ_LIMITS.commandTimeoutMs,
            commandMaxInputBytes: MAX_INPUT_BYTES,
          }),
      },
    ],
    transfers() {
      const input = Buffer.alloc(200_000, 'in\n');
      return ['cat', 'count', 'quiet'].map((name) => ({
        operationId: 'runCommand',
        path: `/commands/${name}`,
        type: 'application/octet-stream',
        body: input,
        deadlineMs: FUZZ_LIMITS.commandTimeoutMs,
        streams: true,
      }));
    },
    framingTargets: ['POST /commands/cat'],
  },
};
