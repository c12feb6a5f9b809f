'use strict';
/**
 * "Today's" service for the HTTP section: the last commit before the move to Fastify, built
 * once into a directory of its own (git archive, npm ci, tsc) and reused by later runs. Its
 * node_modules also provide @nestjs/platform-express for the vanilla Express app, which this
 * repository no longer depends on.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
/** The last commit on Express (the HTTP layer moved to Fastify after it). */
const EXPRESS_REVISION = '0e6703f';

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds `revision` unless already built; returns its directory. */
function baselineBuild(revision = EXPRESS_REVISION) {
  const dir = join(tmpdir(), `nest-bench-baseline-${revision}`);
  if (existsSync(join(dir, 'dist', 'main.js'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(
    `Building today's service (${revision}) in ${dir}: git archive, tar, npm ci, tsc (once)…`,
  );
  // Two argument vectors and a file between them: no shell, no command built from strings.
  const archive = join(tmpdir(), `nest-bench-baseline-${revision}.tar`);
  run('git', ['archive', '--output', archive, revision], ROOT);
  run('tar', ['-x', '-f', archive, '-C', dir], ROOT);
  rmSync(archive, { force: true });
  run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], dir);
  return dir;
}

module.exports = { baselineBuild, EXPRESS_REVISION };
