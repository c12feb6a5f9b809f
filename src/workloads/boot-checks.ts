import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The workloads' own boot checks, which the supervising process runs before anything forks
 * (src/main.ts). A workload that reads a file of its own at boot checks it in
 * `<name>/<name>.boot-check.ts`, which exports `bootCheck()` and loads no Nest, so the
 * primary stays light. Nothing outside the folder imports it: this file finds it by name
 * for each workload index.ts lists, and deleting the folder and its line (README, "Remove
 * a shipped workload") takes the check with it.
 *
 * Runs in: the primary, or the one process with CLUSTER_ENABLED=false.
 */

interface BootCheck {
  bootCheck(): void;
}

/**
 * The folders index.ts (index.js once built) imports or exports from, read as text: loading
 * it loads Nest. Comments are dropped first, so a workload whose line is commented out is
 * not listed; `'./name'` and `'./name/…'` both name the folder `name`.
 */
export function listedWorkloads(root: string): string[] {
  const index = readFileSync(require.resolve(join(root, 'index')), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const names = [...index.matchAll(/(?:from\s*|require\(\s*)["']\.\/([^/"']+)/g)];
  return [...new Set(names.map(([, name]) => name))];
}

/** Runs the boot check of each listed workload that has one; throws the first failure. */
export function checkWorkloads(root = __dirname): void {
  for (const name of listedWorkloads(root)) {
    let file: string;
    try {
      file = require.resolve(join(root, name, `${name}.boot-check`));
    } catch {
      continue; // nothing of its own to check before forking
    }
    // A path known only at run time: the workloads listed decide which checks there are.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(file) as BootCheck).bootCheck();
  }
}
