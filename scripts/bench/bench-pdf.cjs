'use strict';
/**
 * Section 3a, PDF throughput: POST /pdf/report through the service versus the same
 * renderReportTask on raw piscina in a process of its own, same threads and concurrency;
 * and the service with its embedded fonts (DejaVu Sans) versus the same service drawing
 * with pdfkit's built-in Helvetica (PDF_BASE_FONT=helvetica), in the same rounds.
 */
const { join } = require('node:path');
const {
  compareRates,
  cpuCells,
  describeComparison,
  fmt,
  heading,
  interleave,
  median,
  table,
  verdict,
} = require('./lib.cjs');
const { measureLoad } = require('./load.cjs');
const { pdfPageCount, shortReport } = require('./payloads.cjs');
const { ownCpuSeconds, startRunner, startServer } = require('./processes.cjs');

const ROOT = join(__dirname, '..', '..');
const THREADS = 2;
const CONCURRENCY = 4;
const GOAL = 0.8;
const FONTS_GOAL = 0.8;

async function benchPdf({ duration, rounds }) {
  heading('3a. PDF throughput: service vs direct piscina, embedded fonts vs built-in font');
  const report = shortReport();
  const body = JSON.stringify(report);
  const stops = [];
  try {
    const env = {
      // One app process, like the direct runner: the cluster has its own section (5).
      CLUSTER_ENABLED: 'false',
      WORKER_POOL_THREADS: String(THREADS),
      WORKER_POOL_MAX_QUEUE: '10000',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    const server = await startServer('service', join(ROOT, 'dist', 'main.js'), env);
    stops.push(() => server.stop());
    const builtIn = await startServer('service, built-in font', join(ROOT, 'dist', 'main.js'), {
      ...env,
      PDF_BASE_FONT: 'helvetica',
    });
    stops.push(() => builtIn.stop());
    const response = await fetch(`${server.url}/pdf/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    const pdf = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200)
      throw new Error(`service: /pdf/report gave ${response.status}: ${pdf}`);
    const direct = await startRunner('direct pdf', {
      mode: 'pdf',
      threads: THREADS,
      concurrency: CONCURRENCY,
      report,
    });
    stops.push(() => direct.stop());

    const load = (url) => ({
      url: `${url}/pdf/report`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: CONCURRENCY,
    });
    const builtInResponse = await fetch(`${builtIn.url}/pdf/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    const builtInPdf = Buffer.from(await builtInResponse.arrayBuffer());
    if (builtInResponse.status !== 200)
      throw new Error(`built-in font: /pdf/report gave ${builtInResponse.status}: ${builtInPdf}`);
    const variants = [
      {
        name: `service POST /pdf/report (${CONCURRENCY} connections)`,
        measure: (s, w) =>
          measureLoad(load(server.url), s, w, {
            server: server.cpuSeconds,
            'load gen': ownCpuSeconds,
          }),
      },
      {
        name: `direct raw piscina (${CONCURRENCY} in flight)`,
        measure: (s) => direct.request({ type: 'round', seconds: s }),
      },
      {
        name: `service, built-in Helvetica (${CONCURRENCY} connections)`,
        measure: (s, w) =>
          measureLoad(load(builtIn.url), s, w, {
            server: builtIn.cpuSeconds,
            'load gen': ownCpuSeconds,
          }),
      },
    ];
    for (const v of variants) await v.measure(2, 0.5); // warm-up
    console.log(
      `Report: ${pdfPageCount(pdf)} pages, ${fmt.num(pdf.length / 1024)} KiB with the embedded ` +
        `fonts, ${fmt.num(builtInPdf.length / 1024)} KiB with the built-in font. ${THREADS} threads ` +
        `on every side (service: WORKER_POOL_THREADS=${THREADS}, WORKER_POOL_MAX_QUEUE=10000), ` +
        `${duration} s windows, ${rounds} interleaved rounds, medians.\n`,
    );
    const results = await interleave(variants, rounds, (v) => v.measure(duration, 0.5));
    const medians = new Map(
      variants.map((v) => [v, median(results.get(v).map((r) => r.perSecond))]),
    );
    const failures = (v) =>
      results.get(v).reduce((n, r) => n + (r.other ?? 0) + (r.errors ?? 0), 0);
    table(
      [
        'variant',
        'reports/s (median)',
        'rounds',
        'non-2xx+errors',
        'CPU cores used',
        'CPU ms per report',
      ],
      variants.map((v) => [
        v.name,
        fmt.num(medians.get(v), 2),
        results
          .get(v)
          .map((r) => fmt.num(r.perSecond, 2))
          .join(', '),
        fmt.num(failures(v)),
        ...cpuCells(results.get(v)),
      ]),
    );
    const comparison = compareRates(results.get(variants[0]), results.get(variants[1]));
    console.log(`\n${describeComparison('service/direct', comparison)}`);
    const fonts = compareRates(results.get(variants[0]), results.get(variants[2]));
    const perRound = fonts.rounds;
    console.log(
      `${describeComparison('embedded fonts/built-in font', fonts)} Per-round ratios: ` +
        `${perRound.map((r) => fmt.num(r, 2)).join(', ')} (min ${fmt.num(Math.min(...perRound), 2)}, ` +
        `max ${fmt.num(Math.max(...perRound), 2)}).`,
    );
    return {
      verdicts: [
        verdict('PDF reports/s service/direct', comparison.rounds, GOAL, {
          goalText: `≥ ${GOAL}×`,
        }),
        verdict('PDF reports/s embedded fonts/built-in font', fonts.rounds, FONTS_GOAL, {
          goalText: `≥ ${FONTS_GOAL}×`,
        }),
      ],
      raw: Object.fromEntries(
        variants.map((v) => [v.name, results.get(v).map(({ latencies: _, ...r }) => r)]),
      ),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

module.exports = { benchPdf };
