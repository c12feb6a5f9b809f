import bidiFactory from 'bidi-js';

const bidi = bidiFactory();

// Strong right-to-left characters and the explicit formatting characters that can make a
// paragraph right to left (RLM, ALM, RLE, RLO, RLI): without one, a paragraph is left to
// right throughout and the bidi algorithm has nothing to do.
const MAY_BE_RTL =
  /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u200f\u061c\u202b\u202e\u2067\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
// Bidi formatting characters: their effect is in the levels, they have nothing to draw.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The resolved bidi levels of a paragraph (UAX #9), or none for an all-LTR paragraph. */
export interface ParagraphLevels {
  /** Level of each code unit; odd is right to left. `undefined`: all 0. */
  levels: Uint8Array | undefined;
  /** The paragraph's direction, from its first strong character (rules P2, P3). */
  rtl: boolean;
}

export function paragraphLevels(text: string): ParagraphLevels {
  if (!MAY_BE_RTL.test(text)) return { levels: undefined, rtl: false };
  const { levels, paragraphs } = bidi.getEmbeddingLevels(text);
  return { levels, rtl: (paragraphs[0]?.level ?? 0) % 2 === 1 };
}

/** A piece of a line with one level and one face, in logical order. */
export interface Segment {
  start: number;
  end: number;
  level: number;
  face: number;
}

/**
 * Cuts `[start, end)` of a paragraph into segments of one level and one face, in visual
 * order, left to right: rule L2 of UAX #9 (from the highest level down to the lowest odd
 * one, reverse every run of segments at that level or higher). Trailing whitespace is
 * not in the range (the layout drops it), which is what rule L1 asks for.
 */
export function visualSegments(
  text: string,
  faces: Uint8Array,
  { levels }: ParagraphLevels,
  start: number,
  end: number,
): Segment[] {
  const segments: Segment[] = [];
  for (let i = start; i < end; i++) {
    const level = levels?.[i] ?? 0;
    const last = segments.at(-1);
    // A low surrogate stays with its high surrogate, whatever level bidi-js gave it.
    const unit = text.charCodeAt(i);
    const lowSurrogate = unit >= 0xdc00 && unit <= 0xdfff;
    if (last && (lowSurrogate || (last.level === level && last.face === faces[i])))
      last.end = i + 1;
    else segments.push({ start: i, end: i + 1, level, face: faces[i] });
  }
  if (!levels) return segments;
  const highest = Math.max(...segments.map((s) => s.level));
  const lowestOdd = Math.min(...segments.map((s) => s.level | 1));
  for (let level = highest; level >= lowestOdd; level--) {
    for (let i = 0; i < segments.length; i++) {
      if (segments[i].level < level) continue;
      let j = i;
      while (j + 1 < segments.length && segments[j + 1].level >= level) j++;
      reverse(segments, i, j);
      i = j;
    }
  }
  return segments;
}

function reverse<T>(items: T[], from: number, to: number): void {
  for (; from < to; from++, to--) [items[from], items[to]] = [items[to], items[from]];
}

/**
 * The characters of a segment as the font gets them: bidi controls left out and, right to
 * left, mirrored characters swapped ("(" for ")"), rule L4. Still in logical order: the
 * font shapes it that way and returns the glyphs right to left (see `RTL` in embedded-face.ts).
 */
export function segmentText(text: string, segment: Segment): string {
  const raw = text.slice(segment.start, segment.end).replace(BIDI_CONTROLS, '');
  if (segment.level % 2 === 0) return raw;
  let mirrored = '';
  for (const char of raw) mirrored += bidi.getMirroredCharacter(char) ?? char;
  return mirrored;
}
