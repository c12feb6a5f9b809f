import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { exchange } from './support/exchange';
import { copyProject, removeProjectCopy } from './support/project-copy';
import { freePort, ServiceProcess } from './support/service-process';
import { listedWorkloads, sendExample, workloadKits } from './support/workloads';

/*
 * README, "Remove a shipped workload": delete its folder and its line in
 * src/workloads/index.ts, and the rest still lints, builds, passes its tests and serves.
 * Proven on a copy of the project, for each shipped workload and for all of them at once:
 *
 * - nothing outside the folder imports it (src, test and scripts), before and after;
 * - `tsc -p tsconfig.json` compiles what is left, every test file included (the first half
 *   of `npm run lint`), and emits it beside its sources, where the service runs from;
 *   `tsc -p tsconfig.build.json --listFilesOnly` shows the build compiles src/ and no test;
 * - eslint passes on the files the removal changed and on their importers: every other
 *   file, and every type it imports, is the same as in `npm run lint` of the whole project;
 * - jest would run exactly the suites of the whole project minus the folder's own, and the
 *   shared suites, which reach the workloads only through their kits (test/support/
 *   workloads.ts), find the remaining ones;
 * - the trimmed service starts, is ready, answers each remaining workload's README example,
 *   and 404 on the removed routes.
 * Running the trimmed suite itself would take minutes per workload.
 */

const ROOT = join(__dirname, '..');
const SHIPPED = listedWorkloads();
const run = promisify(execFile);
/**
 * A removal costs about 20 s of CPU (two tsc runs, eslint, jest --list, a service start);
 * this much wall time allows for a machine other work keeps busy.
 */
const REMOVAL_BUDGET_MS = 300_000;

/** `node <script> ...args` in `dir`; its output on failure. */
async function node(dir: string, script: string, args: string[]): Promise<string> {
  const result = await run(process.execPath, [join(dir, script), ...args], {
    cwd: dir,
    maxBuffer: 16 << 20,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${script} ${args.join(' ')} failed:\n${error.stdout}${error.stderr}`);
  });
  return result.stdout;
}

/** The spec files jest would run in `dir`, relative to it. */
async function jestSuites(dir: string): Promise<string[]> {
  const out = await node(dir, 'node_modules/jest/bin/jest.js', ['--listTests']);
  return out
    .split('\n')
    .filter((line) => line.startsWith(dir + sep))
    .map((line) => relative(dir, line))
    .sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|cjs|js)$/.test(file))
    .map((file) => join(dir, file));
}

const SPECIFIER = /(?:\bfrom|\bimport\(|\brequire(?:\.resolve)?\()\s*['"](\.[^'"]*)['"]/;

/** The file an import of `path` loads, as Node and TypeScript resolve it; else `path`. */
function resolveFile(path: string): string {
  const candidates = ['', '.ts', '.js', '.cjs', '.json', `${sep}index.ts`, `${sep}index.js`];
  const found = candidates
    .map((suffix) => path + suffix)
    .find((file) => existsSync(file) && statSync(file).isFile());
  return found ?? path;
}

/** Every line of the project's code (src, test, scripts) that imports `target` (a file or folder). */
function importsOf(project: string, target: string): string[] {
  const inTarget = (path: string) => path === target || path.startsWith(target + sep);
  return ['src', 'test', 'scripts']
    .flatMap((dir) => sourceFiles(join(project, dir)))
    .filter((file) => !inTarget(file))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => {
          const specifier = SPECIFIER.exec(line)?.[1];
          if (specifier === undefined) return false;
          return inTarget(resolveFile(resolve(dirname(file), specifier)));
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

describe('removing a shipped workload', () => {
  let wholeSuites: string[] = [];
  const copies: string[] = [];
  const services: ServiceProcess[] = [];
  beforeAll(async () => {
    wholeSuites = await jestSuites(ROOT);
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
  });
  afterAll(() => copies.forEach(removeProjectCopy));

  async function proveRemoval(removed: string[]): Promise<void> {
    const copy = copyProject('remove-workload-');
    copies.push(copy);
    const index = join(copy, 'src', 'workloads', 'index.ts');
    for (const workload of removed) {
      expect(importsOf(copy, join(copy, 'src', 'workloads', workload))).toEqual([
        expect.stringMatching(
          new RegExp(`^src/workloads/index\\.ts: export .* from '\\./${workload}/`),
        ),
      ]);
    }
    for (const workload of removed) removeWorkload(copy, workload);
    const remaining = SHIPPED.filter((workload) => !removed.includes(workload));

    for (const workload of removed) {
      expect(importsOf(copy, join(copy, 'src', 'workloads', workload))).toEqual([]);
    }
    expect(listedWorkloads(copy)).toEqual(remaining);
    const folders = removed.map((workload) => `src/workloads/${workload}/`);
    expect(await jestSuites(copy)).toEqual(
      wholeSuites.filter((suite) => !folders.some((folder) => suite.startsWith(folder))),
    );

    // The removal changed index.ts: it and what imports it are linted again.
    await node(copy, 'node_modules/eslint/bin/eslint.js', [
      '--max-warnings=0',
      index,
      ...importsOf(copy, index).map((line) => line.split(':')[0]),
    ]);

    // tsconfig.json (src and every test), with the JavaScript beside the sources: an explicit
    // `exclude` keeps tsc from leaving out its own output folder, the project.
    writeFileSync(
      join(copy, 'tsconfig.in-place.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { outDir: '.', incremental: false },
        exclude: ['node_modules'],
      }),
    );
    await node(copy, 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.in-place.json']);
    const built = (
      await node(copy, 'node_modules/typescript/bin/tsc', [
        '-p',
        'tsconfig.build.json',
        '--listFilesOnly',
      ])
    )
      .split('\n')
      .filter((file) => file.startsWith(copy + sep))
      .map((file) => relative(copy, file));
    expect(built).toContain('src/main.ts');
    expect(built.filter((file) => !file.startsWith('src/') || /(^|\/)test\//.test(file))).toEqual(
      [],
    );

    const port = await freePort();
    const service = new ServiceProcess(
      { PORT: String(port), CLUSTER_ENABLED: 'false' },
      join(copy, 'src', 'main.js'),
    );
    services.push(service);
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`, 30_000);
    for (const kit of workloadKits()) {
      if (remaining.includes(kit.name)) {
        expect(await sendExample(port, await kit.example())).toEqual([]);
      } else {
        for (const route of kit.routes) {
          const path = route.split(' ')[1].replace(/\{\w+\}/g, 'x');
          expect({ route, status: (await exchange(port, path)).status }).toEqual({
            route,
            status: 404,
          });
        }
      }
    }
  }

  if (SHIPPED.length > 0) {
    it.each(SHIPPED)(
      'src/workloads/%s is its folder and its line: without them the rest lints, builds, tests and serves',
      (workload) => proveRemoval([workload]),
      REMOVAL_BUDGET_MS,
    );
  }

  it(
    'all of them removed leave a template that lints, builds, tests and serves',
    () => proveRemoval(SHIPPED),
    REMOVAL_BUDGET_MS,
  );
});
