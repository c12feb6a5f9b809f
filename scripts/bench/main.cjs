'use strict';
/**
 * The benchmark (entry: run.js). Runs the chosen sections one after the other, prints a
 * Markdown table per comparison and a summary of the goals. A missed goal is printed as
 * MISS and never fails the process; a section that breaks does (exit code 1).
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join, relative } = require('node:path');
const { fmt, heading, printVerdicts, readFlags, table } = require('./lib.cjs');
const { startSectionLoad } = require('./machine-load.cjs');
const { UV_THREADPOOL_SIZE } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const NEEDED = [
  'main.js',
  'workloads/pdf/report.render.js',
  'workloads/pdf/pdf.worker.js',
  'workloads/image/image.resize.js',
  'concurrency/worker-pool/index.js',
];

const SECTIONS = {
  http: () => require('./bench-http.cjs').benchHttp,
  health: () => require('./bench-health.cjs').benchHealth,
  dispatch: () => require('./bench-dispatch.cjs').benchDispatch,
  pdf: () => require('./bench-pdf.cjs').benchPdf,
  image: () => require('./bench-image.cjs').benchImage,
  placement: () => require('./bench-image.cjs').benchPlacement,
  commands: () => require('./bench-commands.cjs').benchCommands,
  cluster: () => require('./bench-cluster.cjs').benchCluster,
  jobs: () => require('./bench-jobs.cjs').benchJobs,
};

function version(name) {
  try {
    const file = join(ROOT, 'node_modules', name, 'package.json');
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return '?';
  }
}

function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${rev} + uncommitted changes in src/` : rev;
  } catch {
    return 'unknown';
  }
}

/** The tree of src/ the run measured (a git tree id), with "+dirty" for uncommitted changes. */
function srcTree() {
  try {
    const tree = execFileSync('git', ['rev-parse', 'HEAD:src'], { cwd: ROOT, encoding: 'utf8' });
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return `${tree.trim()}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

function printHeader(flags) {
  const script = relative(process.cwd(), join(__dirname, 'run.js')) || 'run.js';
  const command = ['node', script, ...process.argv.slice(2)].join(' ');
  const viaNpm = process.env.npm_lifecycle_event === 'bench' ? ' (via `npm run bench`)' : '';
  console.log('# Benchmark: nest-concurrency-starter\n');
  table(
    ['', ''],
    [
      ['command', `\`${command}\`${viaNpm}`],
      ['date', new Date().toISOString()],
      ['cores (os.availableParallelism())', String(os.availableParallelism())],
      ['CPU', `${os.cpus()[0]?.model ?? '?'}`],
      ['memory', fmt.mib(os.totalmem())],
      [
        'load average at start (1/5/15 min)',
        os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' / '),
      ],
      ['node', process.version],
      ['platform', `${os.platform()} ${os.release()}`],
      ['git', gitRevision()],
      [
        'packages',
        ['piscina', 'sharp', 'pdfkit', 'autocannon', '@nestjs/core']
          .map((n) => `${n} ${version(n)}`)
          .join(', '),
      ],
      [
        'UV_THREADPOOL_SIZE of every child',
        `${UV_THREADPOOL_SIZE} (set by the bench; libuv's default is 4)`,
      ],
      ['sections', flags.only.join(', ')],
      [
        'window / rounds',
        `${flags.duration} s / ${flags.rounds} (dispatch: ${fmt.num(flags.tasks)} tasks per round)`,
      ],
    ],
  );
  console.log(
    '\nEverything runs on this machine: servers, direct-loop processes and the load generator share the ' +
      'same cores. Compared variants run in interleaved rounds (A,B then B,A ...) and medians are reported.',
  );
}

function printSectionLoads(load) {
  table(
    ['section', 'load average before → after (1 min)', 'cores: machine / ours / others', 'flag'],
    Object.entries(load).map(([name, l]) => [
      name,
      `${l.before[0].toFixed(2)} → ${l.after[0].toFixed(2)}`,
      `${l.machineCores.toFixed(2)} / ${l.ownCores.toFixed(2)} / ${l.othersCores.toFixed(2)}`,
      l.flag ?? '',
    ]),
  );
}

async function main() {
  const flags = readFlags(process.argv.slice(2));
  const missing = NEEDED.filter((file) => !existsSync(join(ROOT, 'dist', file)));
  if (missing.length > 0) {
    console.error(
      `bench: dist/ lacks ${missing.join(', ')}: run \`npm run build\` first (or \`npm run bench\`).`,
    );
    process.exit(1);
  }
  printHeader(flags);
  const started = Date.now();
  const verdicts = [];
  const raw = {};
  const load = {};
  const failed = [];
  for (const name of flags.only) {
    const section = startSectionLoad(name);
    try {
      const result = await SECTIONS[name]()(flags);
      verdicts.push(...result.verdicts.map((v) => ({ ...v, section: name })));
      raw[name] = result.raw;
    } catch (error) {
      failed.push(name);
      console.error(`\nbench: section "${name}" failed: ${error.stack ?? error}`);
    } finally {
      load[name] = section.end();
    }
  }
  heading('Summary');
  const judged = printVerdicts(verdicts);
  console.log('\nMachine load per section:\n');
  printSectionLoads(load);
  console.log(
    `\nTotal ${((Date.now() - started) / 1000).toFixed(0)} s; load average at end ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}.` +
      (failed.length > 0 ? ` Sections that failed: ${failed.join(', ')}.` : ''),
  );
  if (flags.json) {
    writeFileSync(
      flags.json,
      `${JSON.stringify({ flags, date: new Date().toISOString(), srcTree: srcTree(), load, failed, verdicts: judged, raw }, null, 2)}\n`,
    );
    console.log(`Raw figures written to ${flags.json}.`);
  }
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    // Should a handle stay open by mistake, the bench still ends (children die on exit).
    setTimeout(() => {
      console.error('bench: open handles after the run; exiting');
      process.exit();
    }, 5000).unref();
  });
