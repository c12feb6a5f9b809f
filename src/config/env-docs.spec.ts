import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Every variable the config reads is documented where users look: `.env.example` (with its
 * default) and the README. A variable added without docs fails here.
 */
const ROOT = join(__dirname, '..', '..');
const READ =
  /env(?:Int|Bool|IntOrAuto|Enum|EnumList|Files|Path)(?:<\w+>)?\(\s*[\w.]+,\s*'([A-Z0-9_]+)'|process\.env\.([A-Z0-9_]+)/g;

function variablesRead(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(__dirname)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    for (const [, a, b] of readFileSync(join(__dirname, file), 'utf8').matchAll(READ)) {
      names.add(a ?? b);
    }
  }
  return [...names].sort();
}

describe('configuration docs', () => {
  const variables = variablesRead();
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('finds the variables the config reads', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['PORT', 'CLUSTER_WORKERS', 'COMMANDS_CONFIG', 'LOG_FORMAT']),
    );
  });

  it.each(variables)('%s is in .env.example and the README', (name) => {
    expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    expect(readme).toContain(`\`${name}\``);
  });
});
