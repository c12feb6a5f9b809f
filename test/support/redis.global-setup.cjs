'use strict';
/**
 * Says once, before the run, that the Redis suites will be skipped when redis-server is
 * missing (locally; under CI=true they run and fail instead: see test/support/redis.ts).
 */
const { spawnSync } = require('node:child_process');

module.exports = function redisNotice() {
  if (process.env.CI === 'true') return;
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0) return;
  process.stderr.write(
    '\nSkipping the job queue suites (src/workloads/pdf/test/pdf-jobs*.e2e-spec.ts): redis-server is not installed. ' +
      'Install it with `apt-get install redis-server` (CI=true runs them and fails instead).\n',
  );
};
