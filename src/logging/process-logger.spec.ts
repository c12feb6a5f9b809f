import { PassThrough } from 'node:stream';
import { createProcessLogger } from './process-logger';

describe('createProcessLogger', () => {
  function capture(linesMayNamePid: boolean) {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const logger = createProcessLogger({
      worker: 'primary',
      config: { level: 'info', format: 'json' },
      destination: sink,
      linesMayNamePid,
    });
    return { logger, lines: () => text.trim().split('\n') };
  }

  it('puts this process pid on every line by default', () => {
    const { logger, lines } = capture(false);
    logger.info('hello');
    expect(JSON.parse(lines()[0])).toMatchObject({ pid: process.pid, worker: 'primary' });
  });

  it("lets a line name another process's pid, with one pid key per line", () => {
    const { logger, lines } = capture(true);
    logger.info({ event: 'worker-ready', slot: 1, pid: 4242 }, 'ready');
    logger.info('plain');
    const [event, plain] = lines();
    expect(event.match(/"pid":/g)).toHaveLength(1);
    expect(JSON.parse(event)).toMatchObject({
      worker: 'primary',
      event: 'worker-ready',
      pid: 4242,
    });
    expect(JSON.parse(plain)).toMatchObject({ worker: 'primary', pid: process.pid, msg: 'plain' });
  });
});
