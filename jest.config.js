/**
 * One jest run for unit specs (beside the code) and e2e specs: the shared ones in test/, a
 * workload's own in its folder's test/ (src/workloads/<name>/test/), so that deleting the
 * folder takes its specs with it.
 *
 * NestJS 12 ships its packages as ES modules, and so does content-disposition (which
 * @fastify/static, Swagger UI's file server on Fastify, loads). Node 20.19+ can require()
 * them, but jest's own module registry cannot, so those files are compiled to CommonJS on
 * the way in (test/support/esm-to-cjs.transformer.cjs). Worker threads are not jest's: they load the
 * task files through the TypeScript hook that WorkerPool registers in each thread.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  // Unit specs are *.spec.ts, e2e specs *.e2e-spec.ts in test/ or src/workloads/<name>/test/.
  // Property-based specs are *.fuzz.spec.ts and *.fuzz.e2e-spec.ts: matched here too (npm run
  // fuzz runs only them, with more cases).
  testRegex: ['/src/.+\\.spec\\.ts$', '/(test|src/workloads/[^/]+/test)/.+\\.e2e-spec\\.ts$'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/(@nestjs/.+|content-disposition/.+)\\.js$':
      '<rootDir>/test/support/esm-to-cjs.transformer.cjs',
  },
  transformIgnorePatterns: [
    '/node_modules/(?!@nestjs/|content-disposition/|@fastify/static/node_modules/content-disposition/)',
  ],
  testTimeout: 30_000,
  // The services the e2e specs start must write JSON lines only.
  setupFilesAfterEnv: ['<rootDir>/test/support/json-output.setup.ts'],
  // Real threads and real servers: two suites at a time is what 2 cores can run honestly.
  maxWorkers: 2,
};
