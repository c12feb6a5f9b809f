/**
 * One jest run for unit specs (beside the code) and e2e specs: the shared ones in test/, a
 * workload's own in its folder's test/ (src/workloads/<name>/test/), so that deleting the
 * folder takes its specs with it.
 *
 * NestJS 12 ships its packages as ES modules. Node 20.19+ can require() them, but jest's own
 * module registry cannot, so those files are compiled to CommonJS on the way in
 * (test/support/esm-to-cjs.transformer.cjs). (content-disposition, which @fastify/static
 * loads, is held at 2.x, CommonJS, by package.json's overrides: 3.x is ES modules for Node 22+.)
 * Worker threads are not jest's: they load the task files through the TypeScript hook that
 * WorkerPool registers in each thread.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '.',
  // jest's node environment, plus the Node warnings of the jest process (node-environment.cjs).
  testEnvironment: '<rootDir>/test/support/node-environment.cjs',
  // Unit specs are *.spec.ts, e2e specs *.e2e-spec.ts in test/ or src/workloads/<name>/test/.
  // Property-based specs are *.fuzz.spec.ts and *.fuzz.e2e-spec.ts: matched here too (npm run
  // fuzz runs only them, with more cases).
  testRegex: ['/src/.+\\.spec\\.ts$', '/(test|src/workloads/[^/]+/test)/.+\\.e2e-spec\\.ts$'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/@nestjs/.+\\.js$': '<rootDir>/test/support/esm-to-cjs.transformer.cjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  testTimeout: 30_000,
  // The services the e2e specs start must write JSON lines only, and a test file fails when
  // Node printed a warning in the jest process while it ran.
  setupFilesAfterEnv: [
    '<rootDir>/test/support/json-output.setup.ts',
    '<rootDir>/test/support/node-warnings.setup.ts',
  ],
  // One line when the Redis suites will be skipped (redis-server missing, not CI).
  globalSetup: '<rootDir>/test/support/redis.global-setup.cjs',
  // Real threads and real servers: two suites at a time is what 2 cores can run honestly.
  maxWorkers: 2,
};
