import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEnvironmentError } from './env';
import { validateEnvironment } from './validate-environment';

/** Variables a config file reads through a checking reader (a raw `process.env.X` accepts anything). */
function checkedVariables(): string[] {
  const read =
    /env(?:Int|Bool|IntOrAuto|Enum|EnumList|Files)(?:<\w+>)?\(\s*[\w.]+,\s*'([A-Z0-9_]+)'/g;
  const names = new Set<string>();
  for (const file of readdirSync(__dirname)) {
    if (!file.endsWith('.config.ts')) continue;
    for (const [, name] of readFileSync(join(__dirname, file), 'utf8').matchAll(read)) {
      names.add(name);
    }
  }
  return [...names].sort();
}

describe('validateEnvironment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const variables = checkedVariables();

  it('passes with the defaults', () => {
    for (const name of variables) delete process.env[name];
    expect(() => validateEnvironment()).not.toThrow();
  });

  it('finds the variables of every config file', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['PORT', 'IMAGE_MAX_INPUT_BYTES', 'API_DOCS_ENABLED', 'LOG_LEVEL']),
    );
  });

  // A reader missing from the list lets its variables through to the app workers.
  it.each(variables)('refuses a bad %s, naming it', (name) => {
    for (const other of variables) delete process.env[other];
    process.env[name] = 'not/a-valid-value';
    let thrown: unknown;
    try {
      validateEnvironment();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEnvironmentError);
    expect((thrown as InvalidEnvironmentError).variable).toBe(name);
  });
});
