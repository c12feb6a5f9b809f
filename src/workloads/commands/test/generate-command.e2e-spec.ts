/**
 * The command generator (scripts/generate/command.cjs) runs in a copy of this repository:
 * the allowlist entry it writes must be one the service accepts at boot, and what it refuses
 * must leave config/commands.json untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locate } from '../../../concurrency/child-process/executable';
import { loadCommands } from '../commands.catalog';
import { copyProject, removeProjectCopy, runInCopy } from '../../../../test/support/project-copy';

describe('generate:command', () => {
  let copy = '';
  const run = (script: string, args: string[]) => runInCopy(copy, script, args);
  const file = () => join(copy, 'config', 'commands.json');

  beforeAll(() => (copy = copyProject('generate-command-')));

  afterAll(() => removeProjectCopy(copy));

  it('adds an allowlist entry that the service would accept at boot', async () => {
    const before = loadCommands(file());
    const result = await run('npm', [
      'run',
      '--silent',
      'generate:command',
      '--',
      '--timeout-ms=5000',
      'lines',
      'wc',
      '-l',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('curl -sS -X POST http://localhost:3000/commands/lines');

    // What CommandsService.onModuleInit checks: the catalog, then each executable.
    const after = loadCommands(file());
    expect(after.get('lines')).toEqual({
      name: 'lines',
      executable: 'wc',
      args: ['-l'],
      params: {},
      timeoutMs: 5000,
      maxOutputBytes: undefined,
    });
    expect(() => locate('wc')).not.toThrow();
    after.delete('lines');
    expect(after).toEqual(before);

    const formatted = await run('node_modules/prettier/bin/prettier.cjs', ['--check', file()]);
    expect(formatted.code).toBe(0);
  });

  it.each([
    [['lines', 'wc'], /already has a command "lines"; nothing was written/],
    [['Lines', 'wc'], /not a valid command name/],
    [['x', 'no-such-executable-here'], /was not found on PATH/],
    [['x', './wc'], /is a relative path/],
    [['x', '/etc/passwd'], /is not an executable file/],
    [['x', 'gzip', '-{level}'], /needs a declared parameter/],
    [['--timeout-ms=0', 'x', 'wc'], /--timeout-ms needs a positive integer/],
    [['x'], /a name and an executable are required/],
    // The body is the command's stdin: an interpreter would run it as a program.
    [['shell', 'sh'], /runs whatever it is given/],
    [['py', 'python3', '-'], /runs whatever it is given/],
    [['e', 'env'], /runs whatever it is given/],
    [['n', process.execPath], /runs whatever it is given/],
  ])('refuses %j and writes nothing', async (args, message) => {
    const before = readFileSync(file(), 'utf8');
    const result = await run('scripts/generate/command.cjs', args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(file(), 'utf8')).toBe(before);
  });
});
