'use strict';
/**
 * The soak's summary: requests by kind and outcome with latencies, chaos events by kind,
 * and each invariant OK or BROKEN with counts and first examples. Markdown tables, so a
 * run can be pasted into RELIABILITY.md as it is.
 */
const { KINDS } = require('./chaos.cjs');
const { INVARIANTS } = require('./invariants.cjs');

const OUTCOMES = [
  'ok',
  '503',
  '504',
  'runner fault',
  'conn error (chaos)',
  'lost at handover',
  'client left',
  'BROKEN',
];
const EXAMPLES = 3;

function table(header, rows) {
  const widths = header.map((h, i) =>
    Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)),
  );
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

function percentile(sorted, p) {
  if (sorted.length === 0) return '–';
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/** Requests by kind (in the order they were defined) and outcome, with p50/p99 of answers. */
function requestsTable(judged, kindNames) {
  const rows = [];
  const byKind = new Map(kindNames.map((name) => [name, []]));
  for (const item of judged) {
    if (!byKind.has(item.record.kind)) byKind.set(item.record.kind, []);
    byKind.get(item.record.kind).push(item);
  }
  const totals = OUTCOMES.map(() => 0);
  let sent = 0;
  for (const [name, items] of byKind) {
    if (items.length === 0) continue;
    const counts = OUTCOMES.map((o) => items.filter((i) => i.outcome === o).length);
    counts.forEach((c, i) => (totals[i] += c));
    sent += items.length;
    const ms = items
      .filter((i) => i.record.status !== undefined)
      .map((i) => i.record.endedAt - i.record.sentAt)
      .sort((a, b) => a - b);
    rows.push([name, items.length, ...counts, percentile(ms, 50), percentile(ms, 99)]);
  }
  const all = judged
    .filter((i) => i.record.status !== undefined)
    .map((i) => i.record.endedAt - i.record.sentAt)
    .sort((a, b) => a - b);
  rows.push(['**total**', sent, ...totals, percentile(all, 50), percentile(all, 99)]);
  return table(['requests', 'sent', ...OUTCOMES, 'p50 ms', 'p99 ms'], rows);
}

/** Chaos events by kind; `judge` tells which stopped workers died while stopped. */
function chaosTable(events, deferred, enabled, judge) {
  const rows = enabled.map((kind) => {
    const fired = events.filter((e) => e.kind === kind && e.sent);
    const notes = [];
    if (kind === 'worker-stop') {
      const died = fired.filter((e) => judge.diedWhileStopped(e) !== undefined).length;
      notes.push(`${died} killed by the watchdog, ${fired.length - died} woken up`);
    }
    if (kind.startsWith('helper'))
      notes.push(`${fired.filter((e) => e.busy).length} with commands running`);
    return [KINDS[kind].label, fired.length, deferred[kind] ?? 0, notes.join(', ')];
  });
  return table(['chaos event', 'sent', 'turns deferred (not eligible)', 'notes'], rows);
}

function invariantsTable(results) {
  const rows = Object.entries(INVARIANTS).map(([id, name]) => {
    const r = results[id];
    return [name, r.ok ? 'OK' : '**BROKEN**', r.count, r.note ?? ''];
  });
  return table(['invariant', 'result', 'violations', 'checked'], rows);
}

function examples(results) {
  const lines = [];
  for (const [id, name] of Object.entries(INVARIANTS)) {
    const r = results[id];
    if (r.ok || r.examples.length === 0) continue;
    lines.push(
      `${name} — ${r.count} violation${r.count === 1 ? '' : 's'}, first ${Math.min(EXAMPLES, r.examples.length)}:`,
    );
    for (const example of r.examples.slice(0, EXAMPLES)) lines.push(`  - ${example}`);
  }
  return lines.join('\n');
}

module.exports = {
  EXAMPLES,
  OUTCOMES,
  chaosTable,
  examples,
  invariantsTable,
  requestsTable,
  table,
};
