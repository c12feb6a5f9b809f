import { Agent } from 'node:http';
import { join } from 'node:path';
import { type Exchange, exchange } from '../../../../test/support/exchange';
import { descendantsOf } from '../../../../test/support/processes';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';
import { waitFor } from '../../../../test/support/wait';

/*
 * Every command request is answered with its documented status, whatever the command does
 * with its stdio: print nothing, print a little, fail without a word, or exit without reading
 * its stdin. Regression: a command that printed nothing and exited before its stdout pipe
 * reached the service left the request unanswered (its 'end' came before anyone listened).
 */
const TIMEOUT_MS = 3_000; // CHILD_PROCESS_TIMEOUT_MS and `nap`'s own
const GRACE_MS = 1_000;
const STDIN = Buffer.alloc(2 * 1024 * 1024, 'y');

interface Case {
  path: string;
  body?: Buffer;
  status: number;
  /** The exact stdout of a 200. */
  output?: string;
}

const CASES: Case[] = [
  { path: '/commands/quiet', status: 200, output: '' },
  { path: '/commands/little', status: 200, output: 'x' },
  { path: '/commands/sad', status: 422 },
  { path: '/commands/skim', body: STDIN, status: 200, output: 'y' },
  { path: '/commands/quiet', body: STDIN, status: 200, output: '' },
  { path: '/commands/nap?s=0', status: 200, output: '' },
  { path: '/commands/nap?s=0.05', status: 200, output: '' },
];

describe('POST /commands/:name answers every request (node dist/main.js)', () => {
  let service: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_ENABLED: 'false',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.answered.json'),
      CHILD_PROCESS_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
  });
  afterAll(() => service.stop());

  const send = (item: Case, agent?: Agent) =>
    exchange(port, item.path, { body: item.body, agent, timeoutMs: TIMEOUT_MS + GRACE_MS * 5 });

  /** What was wrong with an answer, or undefined when it is the one documented for `item`. */
  function judge(item: Case, answer: Exchange, mayRefuse: boolean): string | undefined {
    const what = `${item.path}${item.body ? ` with ${item.body.length} bytes` : ''}`;
    if (answer.error) return `${what}: ${answer.error} after ${Math.round(answer.ms)} ms`;
    if (answer.ms > TIMEOUT_MS + GRACE_MS) return `${what}: answered after ${answer.ms} ms`;
    // In a burst, a request may wait for a slot: the queue may be full (503 + Retry-After),
    // or its wait may eat its deadline (504, as documented), on a slow or loaded machine.
    if (answer.status === 503 && mayRefuse && answer.headers['retry-after']) return undefined;
    if (
      answer.status === 504 &&
      mayRefuse &&
      /did not finish within/.test(answer.body.toString())
    ) {
      return undefined;
    }
    if (answer.status !== item.status) {
      return `${what}: ${answer.status} ${answer.body.toString().slice(0, 200)}`;
    }
    if (item.output !== undefined && answer.body.toString() !== item.output) {
      return `${what}: output ${JSON.stringify(answer.body.toString().slice(0, 50))}`;
    }
    if (answer.status !== 200) {
      const error = JSON.parse(answer.body.toString()) as { statusCode: number };
      if (error.statusCode !== answer.status) return `${what}: body ${answer.body.toString()}`;
    }
    return undefined;
  }

  async function expectNoCommandLeft(): Promise<void> {
    // Only the spawn helper may remain below the service.
    const commands = () =>
      descendantsOf(service.child.pid!).filter(
        (process) => !process.argv.some((arg) => arg.includes('spawn-host')),
      );
    await waitFor(() => commands().length === 0, 'no command process left', 2_000).catch(() => {
      throw new Error(`left behind: ${JSON.stringify(commands())}`);
    });
  }

  it('answers 500 sequential requests over keep-alive connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const wrong: string[] = [];
    for (let i = 0; i < 500; i++) {
      const item = CASES[i % CASES.length];
      const problem = judge(item, await send(item, agent), false);
      if (problem) wrong.push(`#${i} ${problem}`);
      if (wrong.length === 5) break; // each hang costs a client timeout: enough to tell
    }
    agent.destroy();
    expect(wrong).toEqual([]);
    await expectNoCommandLeft();
  }, 120_000);

  it('answers 3 rounds of 60 concurrent requests', async () => {
    const wrong: string[] = [];
    for (let round = 0; round < 3; round++) {
      const items = Array.from({ length: 60 }, (_, i) => CASES[(i + round) % CASES.length]);
      const answers = await Promise.all(items.map((item) => send(item)));
      answers.forEach((answer, i) => {
        const problem = judge(items[i], answer, true);
        if (problem) wrong.push(`round ${round} #${i} ${problem}`);
      });
    }
    expect(wrong).toEqual([]);
    await expectNoCommandLeft();
    // And the service is still itself: a single request after the bursts.
    expect(judge(CASES[0], await send(CASES[0]), false)).toBeUndefined();
  }, 120_000);
});
