import { join } from 'node:path';

/** True under jest, where the app runs from its .ts sources; false from `dist/`. */
export const RUNNING_FROM_SOURCES = __filename.endsWith('.ts');

/**
 * `execArgv` for a pool thread or the spawn helper under jest: preloads the TypeScript hook
 * (typescript-hook.cjs) so it can load .ts files. Undefined from `dist/`.
 */
export const TYPESCRIPT_HOOK_ARGV: string[] | undefined = RUNNING_FROM_SOURCES
  ? ['--require', join(__dirname, 'typescript-hook.cjs')]
  : undefined;
