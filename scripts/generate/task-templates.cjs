'use strict';
/**
 * The files `generate:task` writes for a task `<name>`, shaped like src/workloads/pdf: a worker
 * file the pool loads on its threads only, a typed descriptor, an injectable service, a
 * module, and a spec that runs the task on a real thread.
 */

/**
 * What the spec of a task with `--job` adds to its imports: the jobs root, as AppModule has
 * it, with an empty environment so that a REDIS_URL in the shell does not matter.
 */
const JOBS_ROOT = `
        // The jobs root with REDIS_URL unset: the module's job type registers, and nothing
        // connects to Redis (its POST /jobs/… would answer 501).
        JobsModule.forRoot({}),`;

/**
 * The spec that loads the task's module and runs the task on a real thread. With `job`, the
 * module imports `JobsModule.forFeature`, so the spec sets up the jobs root as AppModule does.
 */
function serviceSpec({ name, fnName, Pascal }, { job }) {
  return `import { Test, type TestingModule } from '@nestjs/testing';
import { TaskAbortedError, WorkerPool, WorkerPoolModule } from '../../concurrency/worker-pool';
${job ? "import { JobsModule } from '../../jobs';\n" : ''}import { ${Pascal}Module } from './${name}.module';
import { ${Pascal}Service } from './${name}.service';

describe('${Pascal}Service', () => {
  let moduleRef: TestingModule;
  let service: ${Pascal}Service;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        WorkerPoolModule.forRoot({ threads: 1, maxQueue: 4, taskTimeoutMs: 10_000 }),${job ? JOBS_ROOT : ''}
        ${Pascal}Module,
      ],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(${Pascal}Service);
  });

  // Closing the module stops the pool's threads.
  afterAll(() => moduleRef.close());

  it('runs ${fnName} on a pool thread', async () => {
    const data = new TextEncoder().encode('hello');
    await expect(service.run({ data, rounds: 1 })).resolves.toEqual({
      checksum: '4f9f2cab',
      bytes: 5,
    });
    expect(moduleRef.get(WorkerPool).stats().threads).toEqual([
      expect.objectContaining({ tasksDone: 1 }),
    ]);
  });

  it('rejects with TaskAbortedError when its signal is aborted', async () => {
    const data = new Uint8Array(16);
    await expect(service.run({ data, rounds: 1 }, AbortSignal.abort())).rejects.toBeInstanceOf(
      TaskAbortedError,
    );
  });
});
`;
}

/** `fnName` is the worker's function, `Pascal` prefixes the types and classes. */
function taskFiles({ name, fnName, Pascal }) {
  const worker = `${name}.worker`;
  return {
    [`${name}.worker.ts`]: `/**
 * Thread task \`${fnName}\`.
 *
 * The worker pool loads this file on its threads only; the main thread imports its types
 * (see the descriptor in ${name}.task.ts).
 *
 * Replace the placeholder body with your CPU-bound work. Input and output cross the thread
 * by structured clone: plain objects, arrays, typed arrays, Maps and Sets; no class
 * instances or functions. Errors arrive as plain Errors: the main thread can match on
 * \`name\` and \`message\` only (see pdf.worker.ts for a typed failure).
 */

export interface ${Pascal}Input {
  /** The bytes to digest. */
  data: Uint8Array;
  /** Passes over the bytes: the placeholder's knob for how much CPU it burns. */
  rounds: number;
}

export interface ${Pascal}Output {
  /** FNV-1a (32-bit) of \`data\`, continued over \`rounds\` passes, as 8 hex digits. */
  checksum: string;
  bytes: number;
}

export function ${fnName}(input: ${Pascal}Input): ${Pascal}Output {
  let hash = 0x811c9dc5;
  for (let round = 0; round < input.rounds; round++) {
    for (const byte of input.data) {
      hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    }
  }
  return { checksum: hash.toString(16).padStart(8, '0'), bytes: input.data.byteLength };
}
`,

    [`${name}.task.ts`]: `import { defineThreadTask } from '../../concurrency/worker-pool';
import type * as ${Pascal}Worker from './${worker}';

/**
 * \`${fnName}\` on a pool thread. Its input and result types come from the worker file,
 * imported as a type only: the main thread never loads it. \`require.resolve\` finds the
 * compiled .js file in dist/ and the .ts file under jest.
 */
export const ${fnName}Task = defineThreadTask<typeof ${Pascal}Worker>()(
  require.resolve('./${worker}'),
  '${fnName}',
);
`,

    [`${name}.service.ts`]: `import { Injectable } from '@nestjs/common';
import { WorkerPool } from '../../concurrency/worker-pool';
import { ${fnName}Task } from './${name}.task';
import type { ${Pascal}Input, ${Pascal}Output } from './${worker}';

@Injectable()
export class ${Pascal}Service {
  constructor(private readonly pool: WorkerPool) {}

  /**
   * Runs the task on a pool thread, off the event loop. Pass a request's AbortSignal
   * (\`@RequestSignal()\`) so that a client that goes away drops its queued task.
   *
   * Rejects with TaskQueueFullError, TaskTimeoutError, TaskAbortedError, PoolClosedError or
   * WorkerCrashedError (ApiExceptionFilter maps them to HTTP statuses); an error the task
   * throws arrives by structured clone. To move large buffers instead of copying them, add
   * \`transferList: [input.data.buffer]\` (type \`data\` as \`Uint8Array<ArrayBuffer>\`, which
   * TypeScript requires of a transferable; the caller's view is then detached).
   */
  run(input: ${Pascal}Input, signal?: AbortSignal): Promise<${Pascal}Output> {
    return this.pool.run(${fnName}Task, input, { signal });
  }
}
`,

    [`${name}.module.ts`]: `import { Module } from '@nestjs/common';
import { ${Pascal}Service } from './${name}.service';

/**
 * Provides ${Pascal}Service.
 *
 * WorkerPool comes from WorkerPoolModule, which is global. Add a controller here to serve
 * the task over HTTP (see src/workloads/pdf).
 */
@Module({
  providers: [${Pascal}Service],
  exports: [${Pascal}Service],
})
export class ${Pascal}Module {}
`,

    [`${name}.service.spec.ts`]: serviceSpec({ name, fnName, Pascal }, { job: false }),
  };
}

/**
 * With `--job`: the task as a job type too (`POST /jobs/<name>`, src/jobs), its handler in
 * `<name>.job.ts` with a spec that runs it on a real thread, and the module importing
 * `JobsModule.forFeature`. Replaces the module and the service spec of {@link taskFiles}: that
 * spec sets up `JobsModule.forRoot` as well, without Redis.
 */
function jobFiles({ name, fnName, Pascal }) {
  return {
    [`${name}.service.spec.ts`]: serviceSpec({ name, fnName, Pascal }, { job: true }),
    [`${name}.job.ts`]: `import { BadRequestException, Injectable } from '@nestjs/common';
import { defineJobType, type JobContext, type JobHandler } from '../../jobs';
import { ${Pascal}Service } from './${name}.service';

/** What a job stores in Redis until a worker takes it: JSON. */
export interface ${Pascal}JobData {
  text: string;
  rounds: number;
}

const MAX_TEXT = 10_000;

/**
 * \`POST /jobs/${name}\` with \`{ "text": "…", "rounds": 1 }\`: validated here, in the request
 * (a 4xx queues nothing), then run by whichever app worker takes the job, through the pool.
 * Its result is the task's output as JSON.
 */
@Injectable()
export class ${Pascal}Job implements JobHandler<${Pascal}JobData> {
  constructor(private readonly service: ${Pascal}Service) {}

  accept(body: unknown): ${Pascal}JobData {
    const { text, rounds = 1, ...rest } = (body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new BadRequestException(\`Unknown field: \${unknown[0]}\`);
    if (typeof text !== 'string' || text.length > MAX_TEXT) {
      throw new BadRequestException(\`text must be a string of at most \${MAX_TEXT} characters\`);
    }
    if (!Number.isInteger(rounds) || (rounds as number) < 1 || (rounds as number) > 1000) {
      throw new BadRequestException('rounds must be an integer from 1 to 1000');
    }
    return { text, rounds: rounds as number };
  }

  async run({ text, rounds }: ${Pascal}JobData, { signal }: JobContext): Promise<Uint8Array> {
    const output = await this.service.run({ data: new TextEncoder().encode(text), rounds }, signal);
    return new TextEncoder().encode(JSON.stringify(output));
  }
}

export const ${fnName}Job = defineJobType({
  name: '${name}',
  handler: ${Pascal}Job,
  bodyLimit: 64 * 1024,
  resultType: 'application/json',
  docs: {
    summary: 'Queue ${fnName}; any instance runs it on a pool thread',
    schema: {
      type: 'object',
      required: ['text'],
      additionalProperties: false,
      properties: {
        text: { type: 'string', maxLength: MAX_TEXT },
        rounds: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
      },
    },
  },
});
`,

    [`${name}.module.ts`]: `import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs';
import { ${fnName}Job, ${Pascal}Job } from './${name}.job';
import { ${Pascal}Service } from './${name}.service';

/**
 * Provides ${Pascal}Service, and \`POST /jobs/${name}\` (the task as a queued job).
 *
 * WorkerPool comes from WorkerPoolModule, which is global. Add a controller here to serve
 * the task over HTTP (see src/workloads/pdf).
 */
@Module({
  imports: [JobsModule.forFeature(${fnName}Job)],
  providers: [${Pascal}Service, ${Pascal}Job],
  exports: [${Pascal}Service],
})
export class ${Pascal}Module {}
`,

    [`${name}.job.spec.ts`]: `import { BadRequestException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { WorkerPool, WorkerPoolModule } from '../../concurrency/worker-pool';
import { ${Pascal}Job } from './${name}.job';
import { ${Pascal}Service } from './${name}.service';

describe('${Pascal}Job', () => {
  let moduleRef: TestingModule;
  let job: ${Pascal}Job;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [WorkerPoolModule.forRoot({ threads: 1, maxQueue: 4, taskTimeoutMs: 10_000 })],
      providers: [${Pascal}Service, ${Pascal}Job],
    }).compile();
    await moduleRef.init();
    job = moduleRef.get(${Pascal}Job);
  });

  afterAll(() => moduleRef.close());

  it('refuses a body it cannot run, before anything is queued', () => {
    for (const body of [{}, { text: 1 }, { text: 'a', rounds: 0 }, { text: 'a', colour: 1 }]) {
      expect(() => job.accept(body)).toThrow(BadRequestException);
    }
  });

  it('runs an accepted body on a pool thread; the result is the output as JSON', async () => {
    const data = job.accept({ text: 'hello' });
    const bytes = await job.run(data, { signal: new AbortController().signal, id: 'test' });
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual({ checksum: '4f9f2cab', bytes: 5 });
    expect(moduleRef.get(WorkerPool).stats().completed).toBe(1);
  });
});
`,
  };
}

module.exports = { taskFiles, jobFiles };
