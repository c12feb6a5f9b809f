import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutableNotAllowedError, ExecutableNotFoundError } from './child-process.errors';
import { ExecutableResolver, locate } from './executable';

describe('executable resolution', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'executable-spec-'));
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    writeFileSync(join(dir, 'plain'), 'not executable');
    chmodSync(join(dir, 'plain'), 0o644);
    mkdirSync(join(dir, 'folder'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('locate', () => {
    it('finds a bare name in the first PATH entry that has it as an executable file', () => {
      expect(locate('tool', `/no/such/dir:${dir}:/usr/bin`)).toBe(join(dir, 'tool'));
    });

    it('skips files that are not executable, directories and relative PATH entries', () => {
      expect(() => locate('plain', dir)).toThrow(ExecutableNotFoundError);
      expect(() => locate('folder', dir)).toThrow(ExecutableNotFoundError);
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(() => locate('tool', '.::')).toThrow(ExecutableNotFoundError);
      } finally {
        process.chdir(cwd); // jest runs other spec files in this process after this one
      }
    });

    it('takes an absolute path as given if it is an executable file', () => {
      expect(locate(join(dir, 'folder/../tool'), '')).toBe(join(dir, 'tool'));
      expect(() => locate(join(dir, 'plain'))).toThrow('is not an executable file');
      expect(() => locate(join(dir, 'missing'))).toThrow(ExecutableNotFoundError);
    });

    it('refuses relative paths and names that cannot be file names', () => {
      expect(() => locate('./tool', dir)).toThrow('is a relative path');
      expect(() => locate('bin/tool', dir)).toThrow('is a relative path');
      expect(() => locate('', dir)).toThrow(ExecutableNotFoundError);
      expect(() => locate('to\0ol', dir)).toThrow(ExecutableNotFoundError);
    });
  });

  describe('ExecutableResolver', () => {
    const savedPath = process.env.PATH;
    afterEach(() => (process.env.PATH = savedPath));

    it('resolves once and caches: a later PATH does not change what a name runs', () => {
      const resolver = new ExecutableResolver();
      process.env.PATH = dir;
      expect(resolver.resolve('tool')).toBe(join(dir, 'tool'));
      process.env.PATH = '/usr/bin';
      expect(resolver.resolve('tool')).toBe(join(dir, 'tool'));
      expect(() => new ExecutableResolver().resolve('tool')).toThrow(ExecutableNotFoundError);
    });

    it('allows executables by name, by absolute path, and by the path of an allowed name', () => {
      process.env.PATH = dir;
      const resolver = new ExecutableResolver(['tool', '/bin/sh']);
      expect(resolver.resolve('tool')).toBe(join(dir, 'tool'));
      expect(resolver.resolve(join(dir, 'tool'))).toBe(join(dir, 'tool'));
      process.env.PATH = savedPath;
      expect(resolver.resolve('sh')).toMatch(/^\/.*\/sh$/); // /usr/bin/sh is /bin/sh here
      expect(() => resolver.resolve('cat')).toThrow(ExecutableNotAllowedError);
    });

    it('says "not allowed" rather than "not found" for names outside the allowlist', () => {
      const resolver = new ExecutableResolver(['tool']);
      expect(() => resolver.resolve('no-such-command')).toThrow(ExecutableNotAllowedError);
      expect(() => resolver.resolve('tool')).toThrow(ExecutableNotFoundError); // not on PATH
    });
  });
});
