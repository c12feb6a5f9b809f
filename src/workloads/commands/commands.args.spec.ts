import { BadRequestException } from '@nestjs/common';
import { buildArgs } from './commands.args';
import type { CommandDefinition } from './commands.types';

const gzip: CommandDefinition = {
  name: 'gzip',
  executable: 'gzip',
  args: ['-c', '-{level}'],
  params: { level: { type: 'integer', min: 1, max: 9, default: 6 } },
};

const grep: CommandDefinition = {
  name: 'grep',
  executable: 'grep',
  args: ['--fixed-strings', '--', '{word}', '--mode={mode}'],
  params: {
    word: { type: 'string', pattern: '[^\\n]+', maxLength: 20 },
    mode: { type: 'enum', values: ['a', 'b'], default: 'a' },
  },
};

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('buildArgs', () => {
  it('fills placeholders from the query, or from defaults', () => {
    expect(buildArgs(gzip, {})).toEqual(['-c', '-6']);
    expect(buildArgs(gzip, { level: '9' })).toEqual(['-c', '-9']);
    expect(buildArgs(grep, { word: 'hello world', mode: 'b' })).toEqual([
      '--fixed-strings',
      '--',
      'hello world',
      '--mode=b',
    ]);
  });

  it('keeps a value inside one argument, whatever it contains', () => {
    const args = buildArgs(grep, { word: 'a b; rm -rf / $(id)' });
    expect(args).toHaveLength(4);
    expect(args[2]).toBe('a b; rm -rf / $(id)');
  });

  it.each([
    [gzip, { level: '10' }, 'level must be an integer from 1 to 9'],
    [gzip, { level: '1.5' }, 'level must be an integer from 1 to 9'],
    [gzip, { level: ['1', '2'] }, 'level must be given once'],
    [gzip, { fast: '1' }, 'Unknown parameter fast for command gzip; expected level'],
    [grep, {}, 'word is required'],
    [grep, { word: 'x', mode: 'c' }, 'mode must be one of a, b'],
    [grep, { word: 'x'.repeat(21) }, 'word must match [^\\n]+ (at most 20 characters)'],
    [grep, { word: '-v' }, 'A parameter of grep may not start an argument with "-"'],
    [grep, { word: 'a\0b' }, 'word must not contain NUL'],
  ])('refuses %#', (command, query, message) => {
    expect(refusal(() => buildArgs(command, query))).toBe(message);
  });
});
