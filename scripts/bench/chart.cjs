'use strict';
/**
 * A small SVG bar chart, written by the benchmark itself so BENCHMARKS.md shows the figures
 * of the run it records. Horizontal bars on a log scale: latencies here span 4 decades.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

const COLORS = ['#9ecae1', '#3182bd', '#fdae6b', '#e6550d'];

function escapeXml(text) {
  return String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
}

function label(ms) {
  return ms >= 1000
    ? `${(ms / 1000).toFixed(2)} s`
    : ms >= 10
      ? `${ms.toFixed(0)} ms`
      : `${ms.toFixed(2)} ms`;
}

/**
 * groups: [{ name, bars: [{ label, ms }] }]; every group has the same bar labels (legend).
 * Writes the SVG to `file` and returns its text.
 */
function latencyChart(file, { title, subtitle, groups }) {
  const width = 760;
  const left = 190;
  const right = 90;
  const barHeight = 16;
  const gap = 4;
  const groupGap = 22;
  const top = 70;
  const all = groups.flatMap((g) => g.bars.map((b) => Math.max(b.ms, 0.01)));
  const low = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const scale = (ms) =>
    ((Math.log10(Math.max(ms, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) *
    (width - left - right);
  const parts = [];
  let y = top;
  for (const group of groups) {
    const groupTop = y;
    group.bars.forEach((bar, index) => {
      const w = Math.max(1, scale(bar.ms));
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${COLORS[index % COLORS.length]}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${y + barHeight - 4}" font-size="12">${escapeXml(label(bar.ms))}</text>`,
      );
      y += barHeight + gap;
    });
    parts.push(
      `<text x="${left - 10}" y="${(groupTop + y - gap) / 2 + 4}" font-size="13" text-anchor="end" font-weight="bold">${escapeXml(group.name)}</text>`,
    );
    y += groupGap;
  }
  const axisY = y - groupGap + 8;
  for (let tick = low; tick <= high; tick *= 10) {
    const x = left + scale(tick);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${axisY}" stroke="#ccc" stroke-dasharray="2,3"/>`,
      `<text x="${x.toFixed(1)}" y="${axisY + 14}" font-size="11" text-anchor="middle" fill="#555">${escapeXml(label(tick))}</text>`,
    );
  }
  const legendY = axisY + 36;
  groups[0].bars.forEach((bar, index) => {
    const x = left + index * 140;
    parts.push(
      `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[index % COLORS.length]}"/>`,
      `<text x="${x + 18}" y="${legendY}" font-size="12">${escapeXml(bar.label)}</text>`,
    );
  });
  const height = legendY + 16;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="26" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="20" y="46" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, svg);
  return svg;
}

module.exports = { latencyChart };
