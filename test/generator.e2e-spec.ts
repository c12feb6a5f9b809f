/**
 * The task generator (scripts/generate/task.cjs) runs in a copy of this repository: what it
 * writes must compile, lint, be formatted and pass its own spec on a real thread at once,
 * and what it refuses must leave the copy untouched. (The command generator writes the
 * commands workload's allowlist: its spec is in src/workloads/commands/test/.)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { copyProject, removeProjectCopy, runInCopy } from './support/project-copy';
import { listedWorkloads } from './support/workloads';

describe('generate:task', () => {
  let copy = '';
  const run = (script: string, args: string[]) => runInCopy(copy, script, args);

  /** Every file under `dir` of the copy with its content, to prove a refusal wrote nothing. */
  function snapshot(dir: string): Map<string, string> {
    const files = readdirSync(join(copy, dir), { recursive: true, withFileTypes: true });
    return new Map(
      files
        .filter((f) => f.isFile())
        .map((f) => {
          const path = join(f.parentPath, f.name);
          return [relative(copy, path), readFileSync(path, 'utf8')];
        }),
    );
  }

  beforeAll(() => (copy = copyProject('generator-')));

  afterAll(() => removeProjectCopy(copy));

  // Not the README's example name: a user who followed the README has src/workloads/text-digest.
  const name = 'generated-probe';
  const dir = join('src', 'workloads', name);
  const generated = ['worker', 'task', 'service', 'module', 'service.spec'].map((role) =>
    join(dir, `${name}.${role}.ts`),
  );

  // Plain, and with --job: generated side by side, checked in one tsc, eslint and jest run.
  const jobName = 'generated-job-probe';
  const jobDir = join('src', 'workloads', jobName);
  const jobGenerated = [
    'worker',
    'task',
    'service',
    'module',
    'job',
    'job.spec',
    'service.spec',
  ].map((role) => join(jobDir, `${jobName}.${role}.ts`));

  it('writes a task (with --job, a job type too) that compiles, lints, is formatted and passes its specs on a thread', async () => {
    const generate = await run('npm', ['run', '--silent', 'generate:task', '--', name]);
    expect(generate).toMatchObject({ code: 0, stderr: '' });
    for (const file of generated) expect(existsSync(join(copy, file))).toBe(true);
    const wired = /Wired GeneratedProbeModule into the app: (\S+)\./.exec(generate.stdout);
    expect(wired).not.toBeNull();
    const wiring = wired![1];
    expect(readFileSync(join(copy, wiring), 'utf8')).toContain(`/${name}.module'`);

    const job = await run('npm', ['run', '--silent', 'generate:task', '--', jobName, '--job']);
    expect(job).toMatchObject({ code: 0, stderr: '' });
    expect(job.stdout).toContain(`POST /jobs/${jobName}`);
    expect(readFileSync(join(copy, jobGenerated[3]), 'utf8')).toContain(
      'imports: [JobsModule.forFeature(generatedJobProbeJob)]',
    );
    expect(readFileSync(join(copy, jobGenerated[4]), 'utf8')).toContain(`name: '${jobName}'`);
    expect(readFileSync(join(copy, wiring), 'utf8')).toContain(`/${jobName}.module'`);

    // The generated folders and the app module (with all they import): not the whole
    // project, so that an unrelated file being edited cannot fail this test.
    writeFileSync(
      join(copy, 'tsconfig.generated.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { incremental: false },
        include: [dir, jobDir, 'src/app.module.ts', wiring],
      }),
    );
    const files = [...generated, ...jobGenerated, wiring];
    const checks = await Promise.all([
      run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.generated.json', '--noEmit']),
      run('node_modules/eslint/bin/eslint.js', ['--max-warnings=0', ...files]),
      run('node_modules/prettier/bin/prettier.cjs', ['--check', ...files]),
    ]);
    for (const check of checks) expect(check).toMatchObject({ code: 0 });

    // All three specs, as the generator's "npx jest src/workloads/<name>" runs them: the --job
    // task's service spec loads its module, which registers the job type, without a Redis.
    const spec = await run('node_modules/jest/bin/jest.js', [
      '--ci',
      generated[4],
      jobGenerated[5],
      jobGenerated[6],
    ]);
    expect(spec.stderr).toMatch(/Tests:\s+6 passed, 6 total/); // on failure, shows jest's output
    expect(spec.code).toBe(0);
  }, 180_000);

  it.each<[string, RegExp]>([
    ['Word-Count', /not a valid task name/],
    ['1st', /not a valid task name/],
    ['word_count', /not a valid task name/],
    ['word--count', /not a valid task name/],
    ['word-', /not a valid task name/],
    ['a'.repeat(41), /at most 40 characters/],
    ['worker-pool', /"worker-pool" is reserved/],
    ['health', /"health" is reserved/],
    ['delete', /JavaScript reserved word/],
    ['config', /"config" is reserved/],
    ['testing', /would declare TestingModule/],
    ['define-thread', /would declare defineThreadTask/],
    ['exports', /would declare exports/],
    ['define-job-type', /would declare defineJobType/],
    [name, /src\/workloads\/generated-probe\/ already exists; nothing was written/],
    // A shipped workload's folder, if one is left.
    ...listedWorkloads()
      .slice(0, 1)
      .map((shipped): [string, RegExp] => [
        shipped,
        new RegExp(`src/workloads/${shipped}/ already exists`),
      ]),
  ])('refuses %s and writes nothing', async (bad, message) => {
    const before = snapshot('src');
    const result = await run('scripts/generate/task.cjs', [bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(snapshot('src')).toEqual(before);
  });

  it('refuses a missing name, a second name and an unknown option', async () => {
    const runs = await Promise.all([
      run('scripts/generate/task.cjs', []),
      run('scripts/generate/task.cjs', ['one', 'two']),
      run('scripts/generate/task.cjs', ['--force', 'three']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(runs[0].stderr).toMatch(/a task name is required/);
    expect(runs[1].stderr).toMatch(/one task name at a time/);
    expect(runs[2].stderr).toMatch(/Unknown option '--force'/);
  });
});
