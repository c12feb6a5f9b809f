/**
 * One jest run for unit specs (beside the code) and e2e specs (test/).
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
  // Property-based specs are *.fuzz.spec.ts and test/*.fuzz.e2e-spec.ts: matched here too
  // (npm run fuzz runs only them, with more cases).
  testRegex: ['src/.+\\.spec\\.ts$', 'test/.+\\.e2e-spec\\.ts$'],
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
  // One line when the Redis suites will be skipped (redis-server missing, not CI).
  globalSetup: '<rootDir>/test/support/redis.global-setup.cjs',
  // Real threads and real servers: two suites at a time is what 2 cores can run honestly.
  maxWorkers: 2,
};
