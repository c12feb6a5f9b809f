import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CommandOutput } from './command-output';

const events = { onData: () => undefined, onOverflow: () => undefined };

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('CommandOutput', () => {
  it('ends when its source had already ended and closed before it was made', async () => {
    // A command that printed nothing and exited: its stdout pipe may have reached 'end' and
    // 'close' before the runner wraps it (a socket reads as soon as it arrives).
    const source = Readable.from([]);
    source.resume();
    await finished(source);
    expect(source.readableEnded && source.closed).toBe(true);

    const output = new CommandOutput(source, 1024, events);
    output.settle();
    await expect(readAll(output)).resolves.toEqual(Buffer.alloc(0));
  });

  it('passes every byte, then ends only once the run has settled', async () => {
    const source = new PassThrough();
    const output = new CommandOutput(source, 1024, events);
    source.end('abc');
    const read = readAll(output);
    await new Promise((resolve) => setImmediate(resolve));
    expect(output.readableEnded).toBe(false);
    output.settle();
    await expect(read).resolves.toEqual(Buffer.from('abc'));
  });

  it("fails with the run's error even after its source ended", async () => {
    const source = Readable.from([]);
    source.resume();
    await finished(source);
    const output = new CommandOutput(source, 1024, events);
    output.settle(new Error('exit 1'));
    await expect(readAll(output)).rejects.toThrow('exit 1');
  });

  it('fails when its source closes without an end', async () => {
    const source = new PassThrough();
    const output = new CommandOutput(source, 1024, events);
    source.destroy();
    await expect(readAll(output)).rejects.toThrow(/premature close/i);
  });
});
