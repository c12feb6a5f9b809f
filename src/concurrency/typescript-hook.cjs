'use strict';
/**
 * Lets a pool thread or a helper process load `.ts` files when the app runs from its
 * TypeScript sources (under jest). ts-jest transforms only the test process, never worker
 * threads (piscina issue #153) nor other processes, so WorkerPool and the spawn helper
 * preload this file with `--require` (TYPESCRIPT_HOOK_ARGV in from-sources.ts). From
 * `dist/` everything is plain JavaScript and this hook is never loaded.
 *
 * sucrase, not the TypeScript compiler: loading `typescript` costs a thread tens of MiB of
 * heap, enough to kill threads that run under a small `resourceLimits` cap.
 */
const fs = require('node:fs');
const { transform } = require('sucrase');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transform(source, {
    transforms: ['typescript', 'imports'],
    filePath: filename,
    sourceMapOptions: { compiledFilename: filename },
  });
  module._compile(code, filename);
};
