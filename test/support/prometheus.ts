export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses Prometheus text exposition (format 0.0.4) strictly enough to catch a broken
 * scrape: every line is a comment or a sample, each family has one HELP and one TYPE, and
 * all samples of a family come together. Throws on the first offending line.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  const described = new Map<string, Set<string>>();
  const finished = new Set<string>();
  let current = '';
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (comment) {
      const [, kind, family] = comment;
      const kinds = described.get(family) ?? new Set<string>();
      if (kinds.has(kind)) throw new Error(`line ${index + 1}: second ${kind} for ${family}`);
      described.set(family, kinds.add(kind));
      if (finished.has(family)) throw new Error(`line ${index + 1}: ${family} split`);
      if (current && current !== family) finished.add(current);
      current = family;
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    const [, name, labelText = '', value] = match;
    const labels = Object.fromEntries(
      [...labelText.matchAll(LABEL)].map(([, key, val]) => [key, val]),
    );
    const number = Number(value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : value);
    if (Number.isNaN(number) && value !== 'NaN') {
      throw new Error(`line ${index + 1}: bad value ${value}`);
    }
    samples.push({ name, labels, value: number });
  }
  return samples;
}
