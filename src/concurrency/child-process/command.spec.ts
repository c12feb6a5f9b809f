import { InvalidCommandError } from './child-process.errors';
import { assertValidCommand, buildCommandEnv } from './command';

describe('buildCommandEnv', () => {
  const source = { PATH: '/usr/bin', LANG: 'C.UTF-8', DATABASE_PASSWORD: 'hunter2' };

  it('copies only the allowlisted variables that are set, then adds the caller’s', () => {
    const env = buildCommandEnv(['PATH', 'LANG', 'TZ'], { EXTRA: '1' }, source);
    expect({ ...env }).toEqual({ PATH: '/usr/bin', LANG: 'C.UTF-8', EXTRA: '1' });
  });

  it('lets the caller override an allowlisted variable', () => {
    expect(buildCommandEnv(['LANG'], { LANG: 'C' }, source).LANG).toBe('C');
  });

  it('keeps a "__proto__" entry from parsed JSON as a plain variable', () => {
    const extra = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const env = buildCommandEnv([], extra, source);
    expect(Object.keys(env)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(env)).toBeNull();
  });
});

describe('assertValidCommand', () => {
  const invalid =
    (args: unknown[], options: { cwd?: unknown; env?: unknown } = {}) =>
    () =>
      assertValidCommand('tool', args as string[], options as { cwd?: string });

  it('accepts strings, including ones a shell would interpret', () => {
    expect(invalid(['$(id)', '; rm -rf /', '*', ''])).not.toThrow();
  });

  it.each([
    ['a NUL byte in an argument', invalid(['a\0b'])],
    ['an argument that is not a string', invalid([1])],
    ['args that are not an array', () => assertValidCommand('tool', 'a b' as never, {})],
    ['a NUL byte in cwd', invalid([], { cwd: '/tmp\0' })],
    ['an env name with "="', invalid([], { env: { 'A=B': 'c' } })],
    ['an env value that is not a string', invalid([], { env: { A: 1 } })],
    ['a NUL byte in an env value', invalid([], { env: { A: 'b\0' } })],
  ])('rejects %s with InvalidCommandError', (_, check) => {
    expect(check).toThrow(InvalidCommandError);
  });
});
