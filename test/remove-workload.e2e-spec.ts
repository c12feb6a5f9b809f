import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');
const WORKLOADS = ['pdf', 'image', 'commands'];

/** A copy of what the build reads (src, tsconfigs, package.json), node_modules linked. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'remove-workload-'));
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

const SPECIFIER = /(?:\bfrom|\bimport\(|\brequire(?:\.resolve)?\()\s*['"](\.[^'"]*)['"]/;

/** Every line of src, outside the workload's own folder, that imports from that folder. */
function referencesTo(project: string, workload: string): string[] {
  const folder = join(project, 'src', 'workloads', workload);
  const inFolder = (path: string) => path === folder || path.startsWith(folder + sep);
  return sourceFiles(join(project, 'src'))
    .filter((file) => !inFolder(file))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => {
          const specifier = SPECIFIER.exec(line)?.[1];
          return specifier !== undefined && inFolder(resolve(dirname(file), specifier));
        })
        .map((line) => `${relative(project, file)}: ${line.trim()}`),
    );
}

/** What the README says to do: delete the folder and its one line in src/workloads/index.ts. */
function removeWorkload(project: string, workload: string): void {
  rmSync(join(project, 'src', 'workloads', workload), { recursive: true });
  const index = join(project, 'src', 'workloads', 'index.ts');
  const lines = readFileSync(index, 'utf8').split('\n');
  writeFileSync(index, lines.filter((line) => !line.includes(`'./${workload}/`)).join('\n'));
}

/** `tsc -p tsconfig.build.json --noEmit`, as `npm run build` checks, without writing dist. */
async function typecheck(project: string): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  await promisify(execFile)(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--noEmit', '--incremental', 'false'],
    { cwd: project },
  ).catch((error: Error & { stdout?: string }) => {
    throw new Error(`tsc failed:\n${error.stdout ?? error.message}`);
  });
}

describe('removing a shipped workload', () => {
  const projects: string[] = [];
  afterAll(() => {
    for (const project of projects) rmSync(project, { recursive: true, force: true });
  });
  const project = () => {
    const dir = copyProject();
    projects.push(dir);
    return dir;
  };

  it.each(WORKLOADS)(
    'src/workloads/%s is its folder and one line of src/workloads/index.ts; the rest still builds',
    async (workload) => {
      const dir = project();
      expect(referencesTo(dir, workload)).toEqual([
        expect.stringMatching(
          new RegExp(`^src/workloads/index\\.ts: export .* from '\\./${workload}/`),
        ),
      ]);
      removeWorkload(dir, workload);
      expect(referencesTo(dir, workload)).toEqual([]);
      await typecheck(dir);
    },
    60_000,
  );

  it('all three removed leaves a template that still builds', async () => {
    const dir = project();
    for (const workload of WORKLOADS) removeWorkload(dir, workload);
    await typecheck(dir);
  }, 60_000);
});
