/**
 * README, "Using the WorkerPool in your own service": a newcomer's path from a clone to a
 * custom task on a worker thread, served over HTTP. The test takes the TypeScript blocks of
 * that section as written, puts them where the README says in a copy of the repository,
 * builds and lints it, starts the built service and calls the new route, within its limit
 * and over it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { copyProject, removeProjectCopy } from './support/project-copy';
import { readmeSnippets } from './support/readme';
import { freePort, ServiceProcess } from './support/service-process';

const run = promisify(execFile);

describe('README: add your own task', () => {
  let copy = '';
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop();
    removeProjectCopy(copy);
  });

  it('builds, lints and serves the task the README walks through, on a pool thread', async () => {
    copy = copyProject('readme-task-');
    const readme = readFileSync(join(copy, 'README.md'), 'utf8');
    const [worker, task, serviceTs, moduleTs, indexLine, controller] = readmeSnippets(
      readme,
      '## Using the WorkerPool in your own service',
    );
    const dir = join(copy, 'src', 'workloads', 'hash');
    mkdirSync(dir);
    writeFileSync(join(dir, 'hash.worker.ts'), worker);
    writeFileSync(join(dir, 'hash.task.ts'), task);
    writeFileSync(join(dir, 'hash.service.ts'), serviceTs);
    writeFileSync(join(dir, 'hash.controller.ts'), controller);
    // Step 5: "add it to HashModule's `controllers`".
    writeFileSync(
      join(dir, 'hash.module.ts'),
      `import { HashController } from './hash.controller';\n` +
        moduleTs.replace(
          '@Module({ providers',
          '@Module({ controllers: [HashController], providers',
        ),
    );
    const index = join(copy, 'src', 'workloads', 'index.ts');
    writeFileSync(index, readFileSync(index, 'utf8') + indexLine.replace(/^\/\/.*\n/, ''));

    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      cwd: copy,
    });
    await run(process.execPath, ['node_modules/eslint/bin/eslint.js', '--max-warnings=0', dir], {
      cwd: copy,
    });

    const port = await freePort();
    service = new ServiceProcess(
      { PORT: String(port), CLUSTER_WORKERS: '1' },
      join(copy, 'dist', 'main.js'),
    );
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
    const response = await fetch(`http://127.0.0.1:${port}/hash`, {
      method: 'POST',
      body: 'hello',
    });
    expect(response.status).toBe(200);
    let digest = Buffer.from('hello');
    for (let i = 0; i < 1000; i++) digest = createHash('sha256').update(digest).digest();
    expect(await response.json()).toEqual({ sha256: digest.toString('hex') });

    // The recipe's limit: a body over 1 MiB is refused with 413 and the documented error
    // body, whether its size is declared or it arrives chunked.
    const over = Buffer.alloc(1024 * 1024 + 1, 'x');
    const declared = await fetch(`http://127.0.0.1:${port}/hash`, { method: 'POST', body: over });
    const chunked = await fetch(`http://127.0.0.1:${port}/hash`, {
      method: 'POST',
      body: Readable.toWeb(Readable.from([over.subarray(0, 65_536), over.subarray(65_536)])),
      duplex: 'half',
    });
    for (const refused of [declared, chunked]) {
      expect(refused.status).toBe(413);
      expect(await refused.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    }
  }, 120_000);
});
