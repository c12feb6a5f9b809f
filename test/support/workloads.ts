import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Exchange, exchange } from './exchange';
import { excerpt } from './http-fuzz/answer';
import type { WorkloadFuzz } from './http-fuzz/workload-fuzz';

/*
 * The shipped workloads as the shared suites in test/ see them. A workload's own specs live
 * in its folder (src/workloads/<name>/test/); what a suite here needs of every workload (a
 * README example to send, its share of the HTTP fuzz) it gets from the workload's kit,
 * src/workloads/<name>/test/<name>.kit.ts, loaded for each workload src/workloads/index.ts
 * lists. Nothing in test/ imports a workload: delete a folder and its line, and these suites
 * test what is left (test/remove-workload.e2e-spec.ts proves it).
 */

const ROOT = join(__dirname, '..', '..');

/** A request the README shows for a workload, answered 200 by the running service. */
export interface Example {
  /** `POST /pdf/report`, for messages. */
  label: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** What is wrong with its answer (its status included); empty when nothing is. */
  problems(answer: Exchange): Promise<string[]> | string[];
}

/** What a workload's folder tells the shared suites. */
export interface WorkloadKit {
  /** Its folder's name under src/workloads/. */
  name: string;
  /** The routes it serves, as the OpenAPI document spells them (`POST /commands/{name}`). */
  routes: string[];
  /** Its README example (the quick start's line for it). */
  example(): Promise<Example>;
  fuzz: WorkloadFuzz;
}

/** The folders `src/workloads/index.ts` of the project at `root` exports a module from. */
export function listedWorkloads(root = ROOT): string[] {
  const index = readFileSync(join(root, 'src', 'workloads', 'index.ts'), 'utf8');
  return [...index.matchAll(/^export .* from '\.\/([^/']+)\//gm)].map(([, name]) => name);
}

/**
 * The kit of every listed workload that has one, in the order of `src/workloads/index.ts`.
 * A workload without a kit (a task `npm run generate:task` wrote) is left to its own specs.
 */
export function workloadKits(): WorkloadKit[] {
  return listedWorkloads().flatMap((name) => {
    const file = join(ROOT, 'src', 'workloads', name, 'test', `${name}.kit`);
    if (!existsSync(`${file}.ts`)) return [];
    // A path known only at run time: the workloads present decide which kits there are.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { kit } = require(file) as { kit: WorkloadKit };
    return [kit];
  });
}

/** Each kit's example, made once (an image to upload is encoded by sharp). */
export function workloadExamples(): Promise<Example[]> {
  return Promise.all(workloadKits().map((kit) => kit.example()));
}

/** A problem when `answer` is not a 200, for an example's `problems`. */
export function notOk(label: string, answer: Exchange): string[] {
  return answer.status === 200
    ? []
    : [`${label}: ${answer.status ?? answer.error} ${excerpt(answer.body)}`];
}

/** Sends `example` to the service on `port`; what is wrong with its answer. */
export async function sendExample(port: number, example: Example): Promise<string[]> {
  const answer = await exchange(port, example.path, {
    headers: example.headers,
    body: example.body,
  });
  return example.problems(answer);
}
