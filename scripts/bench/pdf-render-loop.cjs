'use strict';
/**
 * PDF rendering alone, for profiles: `renderReport` from dist/ in a loop on this thread, no
 * HTTP, no pool. Prints one JSON line with wall and CPU milliseconds per report.
 *
 *   node scripts/bench/pdf-render-loop.cjs [--font=dejavu|helvetica] [--report=bench|varied]
 *     [--count=200] [--warmup=20]
 *
 * `bench` renders section 3a's report again and again; `varied` renders reports of the same
 * shape with new words and numbers each time (payloads.cjs `variedReports`). For a CPU
 * profile add `node --cpu-prof`; for instruction counts, which stay the same on a busy
 * machine, run it under `valgrind --tool=callgrind` with --count=5 and --count=25 and divide
 * the difference of the two totals by 20 (startup, warm-up and JIT compilation cancel out).
 */
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { shortReport, variedReports } = require('./payloads.cjs');

const { values } = parseArgs({
  options: {
    font: { type: 'string', default: 'dejavu' },
    report: { type: 'string', default: 'bench' },
    count: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
  },
});
const { renderReport } = require(
  join(__dirname, '..', '..', 'dist', 'workloads', 'pdf', 'report.render.js'),
);
const next = { bench: shortReport, varied: variedReports() }[values.report];
if (!next || !['dejavu', 'helvetica'].includes(values.font)) {
  console.error('usage: --font=dejavu|helvetica --report=bench|varied --count=N --warmup=N');
  process.exit(2);
}
const options = {
  maxPages: 200,
  fonts: { base: values.font, fallbacks: [] },
  missingGlyphs: 'refuse',
};

async function main() {
  for (let i = 0; i < Number(values.warmup); i++) await renderReport(next(), options);
  // The reports are made before the clock starts: only rendering is timed.
  const reports = Array.from({ length: Number(values.count) }, next);
  let bytes = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const report of reports) bytes += (await renderReport(report, options)).length;
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const { user, system } = process.cpuUsage(cpu);
  const per = (ms) => Number((ms / reports.length).toFixed(3));
  console.log(
    JSON.stringify({
      font: values.font,
      report: values.report,
      count: reports.length,
      wallMsPerReport: per(wallMs),
      cpuMsPerReport: per((user + system) / 1000),
      kibPerReport: Number((bytes / reports.length / 1024).toFixed(1)),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
