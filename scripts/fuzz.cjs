#!/usr/bin/env node
/*
 * npm run fuzz -- [--runs=N] [--seed=S] [jest arguments…]
 *
 * Builds the service, then runs only the property-based specs (*.fuzz.spec.ts beside the
 * code, test/*.fuzz.e2e-spec.ts against node dist/main.js) with N cases per property
 * (FUZZ_RUNS; each property's own CI number without it) and seed S (FUZZ_SEED; a fresh one
 * per file without it). Other arguments go to jest: a spec file narrows the run to it, and
 * `-t "<test name>"` to one property, as a failure's "Replay:" line prints them (with
 * FUZZ_SEED and FUZZ_PATH in the environment to replay its shrunk counterexample).
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const FUZZ_SPECS = '\\.fuzz\\.(e2e-)?spec\\.ts$';

function parse(argv) {
  const env = {};
  const rest = [];
  for (const arg of argv) {
    const match = /^--(runs|seed)=(-?\d+)$/.exec(arg);
    if (match) env[match[1] === 'runs' ? 'FUZZ_RUNS' : 'FUZZ_SEED'] = match[2];
    else if (/^--(runs|seed)\b/.test(arg)) throw new Error(`${arg}: expected --runs=N or --seed=S`);
    else rest.push(arg);
  }
  return { env, rest };
}

const root = join(__dirname, '..');

function run(command, args, env) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function main() {
  let parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    return 2;
  }
  const { env, rest } = parsed;
  const built = run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {});
  if (built !== 0) return built;
  // A spec named on the command line narrows the run; else every fuzz spec.
  const named = rest.some(
    (arg, i) => !arg.startsWith('-') && !['-t', '--testNamePattern'].includes(rest[i - 1]),
  );
  const jest = require.resolve('jest/bin/jest', { paths: [root] });
  const select = named ? [] : ['--testPathPatterns', FUZZ_SPECS];
  return run(process.execPath, [jest, ...select, ...rest], env);
}

process.exitCode = main();
