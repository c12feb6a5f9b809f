'use strict';
/**
 * The verdicts of several recorded runs together, by the rule of lib.cjs (`verdict`): every
 * round of every run given, pooled per goal, its median judged, min and max beside it; runs of
 * different code (their `srcTree`, the git tree of src/) get a summary each. Runs are the JSON
 * files `run.js --json=FILE` writes; give every run that was recorded, not a chosen one.
 *
 *   node scripts/bench/verdicts.cjs bench-results/run-1.json bench-results/run-2.json
 *
 * The one way a recorded round leaves the pool: a bench bug that made a goal measure
 * something else, listed with its reason in `excluded.json` beside the run files
 * ([{ "file": "run-6.json", "goal": "…", "reason": "…" }]). Each exclusion is printed.
 */
const { existsSync, readFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');
const { pool, printVerdicts, table } = require('./lib.cjs');

function main(files) {
  if (files.length === 0) {
    console.error('usage: node scripts/bench/verdicts.cjs RUN.json [RUN.json ...]');
    process.exit(2);
  }
  const runs = files.map((file) => ({ file, ...JSON.parse(readFileSync(file, 'utf8')) }));
  leaveOutExcluded(runs);
  console.log('Runs pooled:\n');
  table(
    ['file', 'ended', 'src/ tree', 'sections (1-min load average before → after)'],
    runs.map((run) => [
      run.file,
      run.date,
      (run.srcTree ?? 'unknown').slice(0, 7),
      Object.entries(run.load ?? {})
        .map(
          ([name, l]) =>
            `${name} ${l.before[0]}→${l.after[0]}${l.flag ? '!' : ''}` +
            `${run.failed?.includes(name) ? ' (failed)' : ''}`,
        )
        .join(', '),
    ]),
  );
  console.log('\n("!": 1-min load average above the core count before or after the section.)');
  // Runs of different code are not pooled: one summary per src/ tree.
  const trees = [...new Set(runs.map((run) => run.srcTree ?? 'unknown'))];
  for (const tree of trees) {
    const same = runs.filter((run) => (run.srcTree ?? 'unknown') === tree);
    console.log(`\nsrc/ tree ${tree}: ${same.map((run) => run.file).join(', ')}\n`);
    printVerdicts(pool(same.map((run) => run.verdicts)), { runs: same.length });
  }
}

/** Drops the goals `excluded.json` (beside each run file) lists for that run, and says so. */
function leaveOutExcluded(runs) {
  for (const run of runs) {
    const list = join(dirname(run.file), 'excluded.json');
    if (!existsSync(list)) continue;
    for (const { file, goal, reason } of JSON.parse(readFileSync(list, 'utf8'))) {
      if (file !== basename(run.file)) continue;
      const before = run.verdicts.length;
      run.verdicts = run.verdicts.filter((v) => v.name !== goal);
      if (run.verdicts.length < before) console.log(`Left out: "${goal}" of ${file}: ${reason}\n`);
      else console.log(`excluded.json names "${goal}" of ${file}, a goal that run lacks\n`);
    }
  }
}

main(process.argv.slice(2));
