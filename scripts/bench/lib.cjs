'use strict';
/**
 * Small helpers shared by the benchmark sections: flags, statistics, tables, verdicts.
 */
const { parseArgs } = require('node:util');

const SECTIONS = [
  'http',
  'health',
  'dispatch',
  'pdf',
  'image',
  'placement',
  'commands',
  'cluster',
  'jobs',
];

const USAGE = `Usage: node scripts/bench/run.js [--only=${SECTIONS.join(',')}] [--duration=SECONDS]
                                 [--rounds=N] [--tasks=N] [--pool-threads=N] [--json=FILE]
                                 [--image-baseline=REVISION] [--image-flags=FLAGS]

  --only      sections to run, comma-separated (default: all)
  --duration  seconds of each measured window (default: 5)
  --rounds    interleaved rounds per comparison; medians are reported (default: 3)
  --tasks     tasks per round of the dispatch section (default: 20000)
  --pool-threads
              WORKER_POOL_THREADS of the service in the health section
              (default: unset, i.e. the service's default of one per CPU)
  --json      also write every round's raw figures to FILE
  --image-baseline
              also run the service as of REVISION (built once in a temporary
              directory) in the image section's rounds: before and after a change
  --image-flags
              also run this checkout's service with these node flags (space-
              separated) in the image section's rounds`;

/** Reads the command-line flags; exits with the usage on a bad one. */
function readFlags(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        duration: { type: 'string', default: '5' },
        rounds: { type: 'string', default: '3' },
        tasks: { type: 'string', default: '20000' },
        'pool-threads': { type: 'string' },
        json: { type: 'string' },
        'image-baseline': { type: 'string' },
        'image-flags': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : SECTIONS;
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0) fail(`unknown section ${unknown.join(', ')}`);
  return {
    only,
    duration: positive(values.duration, 'duration', 1, 600),
    rounds: Math.round(positive(values.rounds, 'rounds', 1, 50)),
    tasks: Math.round(positive(values.tasks, 'tasks', 100, 10_000_000)),
    poolThreads:
      values['pool-threads'] === undefined
        ? undefined
        : Math.round(positive(values['pool-threads'], 'pool-threads', 1, 256)),
    json: values.json,
    imageBaseline: values['image-baseline'],
    imageFlags: values['image-flags'],
  };
}

function positive(text, name, min, max) {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    fail(`--${name} must be a number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

function fail(message) {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The per-round ratios a[i]/b[i] of interleaved rounds. */
function perRound(a, b) {
  return a.map((value, i) => value / b[i]);
}

/** Median of the per-round ratios a[i]/b[i]: interleaved rounds compared pairwise. */
function pairedRatio(a, b) {
  return median(perRound(a, b));
}

/** Nearest-rank percentile of unsorted samples. */
function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Runs `measure(variant, round)` for every variant, round after round, alternating the
 * order (A,B then B,A) so that a slow spell of the shared machine hits both sides.
 * Returns each variant's list of results, in round order.
 */
async function interleave(variants, rounds, measure) {
  const results = new Map(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) results.get(variant).push(await measure(variant, round));
  }
  return results;
}

const ms = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : 'n/a');
const num = (v, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
const ratio = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : 'n/a');

/** Prints a Markdown table; columns whose cells look numeric are right-aligned. */
function table(headers, rows) {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const right = headers.map(
    (_, i) => cells.length > 0 && cells.every((r) => /^[\d.,\s×~-]/.test(r[i])),
  );
  const pad = (text, i) => (right[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (row) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  console.log([line(headers), rule, ...cells.map(line)].join('\n'));
}

function heading(text) {
  console.log(`\n## ${text}\n`);
}

/**
 * THE VERDICT RULE, the one place it is written (BENCHMARKS.md quotes it): a goal is judged
 * on the median of its per-round values, taken over every round of every recorded run of the
 * same code (`verdicts.cjs` pools the runs' JSON files by src/ tree), with the minimum, the maximum and the number
 * of rounds printed beside it. A round is left out only when its idle baseline was disturbed
 * (see `isDisturbed`); how many were left out is printed too. No run is chosen: a run that
 * was recorded counts. With no round left, the verdict is "UNMEASURED", never a PASS.
 *
 * `rounds` are the per-round values (a variant over its partner of the same round);
 * `atMost: true` means the figure must not exceed `goal`; no `goal` makes an "info" row.
 */
function verdict(name, rounds, goal, { atMost = false, goalText, discarded = 0 } = {}) {
  return {
    name,
    rounds: rounds.filter(Number.isFinite),
    discarded,
    goal,
    atMost,
    goalText: goal === undefined ? '(no goal)' : (goalText ?? `${atMost ? '≤' : '≥'} ${goal}×`),
  };
}

/** Applies the rule above to a verdict (or to several runs' verdicts of one name, pooled). */
function judge(v) {
  const { rounds, goal, atMost } = v;
  const value = rounds.length > 0 ? median(rounds) : Number.NaN;
  let outcome = 'info';
  if (goal !== undefined) {
    if (rounds.length === 0) outcome = 'UNMEASURED';
    else outcome = (atMost ? value <= goal : value >= goal) ? 'PASS' : 'MISS';
  }
  return {
    ...v,
    value,
    min: rounds.length > 0 ? Math.min(...rounds) : Number.NaN,
    max: rounds.length > 0 ? Math.max(...rounds) : Number.NaN,
    verdict: outcome,
  };
}

/** Verdicts of several runs (or one) pooled by name, in first-seen order. */
function pool(verdictLists) {
  const byName = new Map();
  for (const v of verdictLists.flat()) {
    const seen = byName.get(v.name);
    if (!seen) byName.set(v.name, { ...v, rounds: [...v.rounds], runs: 1 });
    else {
      seen.rounds.push(...v.rounds);
      seen.discarded += v.discarded;
      seen.runs++;
    }
  }
  return [...byName.values()];
}

/** Prints the summary table; `runs`, when several runs are pooled, is how many were given. */
function printVerdicts(verdicts, { runs } = {}) {
  const judged = verdicts.map(judge);
  table(
    ['goal', 'median', 'min–max', 'rounds (left out)', 'target', 'verdict'],
    judged.map((v) => [
      v.name,
      ratio(v.value),
      `${ratio(v.min)}–${ratio(v.max)}`,
      `${v.rounds.length}${v.discarded > 0 ? ` (${v.discarded})` : ''}` +
        (runs > 1 ? ` from ${v.runs} of ${runs} runs` : ''),
      v.goalText,
      v.verdict,
    ]),
  );
  console.log(
    '\nRule: the median of the per-round values over every recorded round of the same code, min and ' +
      'max beside it; ' +
      `a round whose idle window stayed disturbed (p99 more than ${DISTURBED_TAIL_MS} ms above its ` +
      `p50) after ${IDLE_ATTEMPTS} attempts is left out and counted.`,
  );
  return judged;
}

/**
 * When an idle window counts as disturbed, by its own spread: its p99 more than
 * DISTURBED_TAIL_MS above its p50. On an idle loop a tail that long is time spent waiting for
 * a core that other processes held (a scheduler time slice), not work of ours, and it would
 * make a "loaded/idle" ratio look better than it is. Undisturbed idle windows on this machine:
 * health probe p50 0.07–0.15 ms, p99 0.3–0.6 ms; loop probe p50 0.04 ms, p99 0.2–0.4 ms.
 * Disturbed ones: p99 1.2–62 ms over the same p50.
 */
const DISTURBED_TAIL_MS = 1;
const IDLE_ATTEMPTS = 3;

function isDisturbed({ p50, p99 }) {
  return !(p99 - p50 <= DISTURBED_TAIL_MS);
}

/**
 * Measures an idle window with `measure()` (which returns at least `{ p50, p99 }`), again
 * while it is disturbed, at most IDLE_ATTEMPTS times. Returns the last window with
 * `attempts` and `disturbed` (still disturbed after the last attempt: the round is left out).
 */
async function measureIdle(measure) {
  let window;
  let attempts = 0;
  do {
    window = await measure();
    attempts++;
  } while (isDisturbed(window) && attempts < IDLE_ATTEMPTS);
  return { ...window, attempts, disturbed: isDisturbed(window) };
}

/**
 * Per-round ratios a[i]/b[i] of the rounds whose baseline `b` was not disturbed, and how
 * many were left out.
 */
function baselineRatios(a, b) {
  const kept = a.map((value, i) => [value, b[i]]).filter(([, base]) => !base.disturbed);
  return {
    rounds: kept.map(([value, base]) => value / base.p99),
    discarded: a.length - kept.length,
  };
}

/**
 * A ratio of two figures of an instrument with a `resolution` (same unit): "below
 * resolution" when they differ by less than RESOLUTION_STEPS steps of it, since then the
 * ratio says more about the instrument than about what it measured (1.10 ms → 2.15 ms on a
 * 1 ms monitorEventLoopDelay is one step, not "1.96×").
 */
const RESOLUTION_STEPS = 5;

function resolvedRatio(a, b, resolution) {
  if (Math.abs(a - b) < RESOLUTION_STEPS * resolution) return 'below resolution';
  return ratio(a / b);
}

/**
 * CPU columns for rounds that carry `cores` ({ name: cores used }) and `perSecond`:
 * median cores per name, and median CPU milliseconds per operation (all names together).
 */
function cpuCells(rounds) {
  const names = Object.keys(rounds[0]?.cores ?? {});
  if (names.length === 0) return ['n/a', 'n/a'];
  const total = (r) => names.reduce((sum, n) => sum + r.cores[n], 0);
  const parts = names.map((n) => `${n} ${median(rounds.map((r) => r.cores[n])).toFixed(2)}`);
  const cores = `${median(rounds.map(total)).toFixed(2)}${names.length > 1 ? ` (${parts.join(' + ')})` : ''}`;
  return [cores, num(median(rounds.map(cpuMsPerOp)), 2)];
}

/** CPU milliseconds per operation of one round that carries `cores` and `perSecond`. */
const cpuMsPerOp = (r) => (Object.values(r.cores).reduce((a, b) => a + b, 0) / r.perSecond) * 1000;

/**
 * Compares the rounds of variant A with those of B (same length, interleaved): throughput
 * A/B as the median of per-round ratios (the headline) and as the ratio of medians, and
 * CPU per operation A/B, which depends less on how many cores others left free.
 */
function compareRates(a, b) {
  const rates = (list) => list.map((r) => r.perSecond);
  return {
    paired: pairedRatio(rates(a), rates(b)),
    rounds: perRound(rates(a), rates(b)),
    ofMedians: median(rates(a)) / median(rates(b)),
    cpuPerOp:
      a[0]?.cores && b[0]?.cores ? pairedRatio(a.map(cpuMsPerOp), b.map(cpuMsPerOp)) : Number.NaN,
  };
}

function describeComparison(label, c) {
  return (
    `${label}: throughput ${ratio(c.paired)} (median of per-round ratios; ratio of medians ` +
    `${ratio(c.ofMedians)}); CPU per operation ${ratio(c.cpuPerOp)}.`
  );
}

const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** `K=V,K=V` (a command-line option) as an object. */
const parseEnv = (list) =>
  Object.fromEntries(
    list
      .split(',')
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );

module.exports = {
  SECTIONS,
  parseEnv,
  readFlags,
  median,
  pairedRatio,
  perRound,
  percentile,
  interleave,
  fmt: { ms, num, ratio, mib },
  cpuCells,
  compareRates,
  describeComparison,
  table,
  heading,
  verdict,
  judge,
  pool,
  printVerdicts,
  isDisturbed,
  measureIdle,
  baselineRatios,
  resolvedRatio,
  DISTURBED_TAIL_MS,
  IDLE_ATTEMPTS,
  RESOLUTION_STEPS,
  sleep,
};
