import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../config/env';
import { InvalidCommandsConfigError, loadCommands } from './commands.catalog';

const dir = mkdtempSync(join(tmpdir(), 'commands-'));
let n = 0;
function file(content: unknown): string {
  const path = join(dir, `commands-${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadCommands', () => {
  it('loads the shipped config/commands.json', () => {
    const commands = loadCommands(join(__dirname, '../../../config/commands.json'));
    expect([...commands.keys()]).toEqual(expect.arrayContaining(['wordcount', 'sha256', 'gzip']));
    expect(commands.get('gzip')).toMatchObject({
      executable: 'gzip',
      args: ['-c', '-{level}'],
      params: { level: { type: 'integer', min: 1, max: 9, default: 6 } },
      timeoutMs: 10000,
    });
  });

  it.each([
    ['{', /\(file\) cannot be read/],
    [{}, /commands must be an object/],
    [{ commands: { 'Bad Name': { executable: 'wc' } } }, /commands\.Bad Name is not a valid name/],
    [
      { commands: { wc: { executable: '' } } },
      /commands\.wc\.executable must be a non-empty string/,
    ],
    [
      { commands: { wc: { executable: 'wc', args: [1] } } },
      /commands\.wc\.args must be an array of strings/,
    ],
    [
      { commands: { wc: { executable: 'wc', shell: '/bin/sh' } } },
      /commands\.wc has unknown field shell/,
    ],
    [
      { commands: { wc: { executable: 'wc', args: ['{x}'] } } },
      /commands\.wc\.args uses \{x\}, which is not in params/,
    ],
    [
      { commands: { wc: { executable: 'wc', args: ['{__proto__}', '{constructor}'] } } },
      /commands\.wc\.args uses \{__proto__\}, which is not in params/,
    ],
    [
      {
        commands: {
          gz: {
            executable: 'gzip',
            params: { l: { type: 'integer', min: 1, max: 9, default: 0 } },
          },
        },
      },
      /commands\.gz\.params\.l\.default must be an integer from 1 to 9/,
    ],
    [
      { commands: { s: { executable: 'sort', params: { k: { type: 'string', pattern: '(' } } } } },
      /commands\.s\.params\.k\.pattern is not a valid regular expression/,
    ],
    [
      { commands: { s: { executable: 'sort', params: { k: { type: 'float' } } } } },
      /commands\.s\.params\.k\.type must be/,
    ],
    [
      { commands: { wc: { executable: 'wc', timeoutMs: 0 } } },
      /commands\.wc\.timeoutMs must be a positive integer/,
    ],
  ])('refuses %j, naming the entry', (content, message) => {
    const path = file(content);
    expect(() => loadCommands(path)).toThrow(InvalidCommandsConfigError);
    expect(() => loadCommands(path)).toThrow(message);
    expect(() => loadCommands(path)).toThrow(path);
  });

  it('refuses a missing file as a configuration error naming COMMANDS_CONFIG', () => {
    const missing = join(dir, 'missing.json');
    const error = (() => {
      try {
        loadCommands(missing);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError); // one line at boot, no stack; no restart
    expect(error).toMatchObject({
      variable: 'COMMANDS_CONFIG',
      name: 'InvalidCommandsConfigError',
    });
    expect((error as Error).message).toBe(
      `Invalid commands file ${missing} (COMMANDS_CONFIG): (file) cannot be read: ` +
        `ENOENT: no such file or directory, open '${missing}'`,
    );
  });
});
