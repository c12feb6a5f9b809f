import { FontBook } from '../fonts/font-book';
import { findMissingGlyph, formatCodePoint, replaceMissing } from './glyph-check';

describe('findMissingGlyph', () => {
  const book = new FontBook({ base: 'dejavu', fallbacks: [] });

  it('names the first field, in field order, with a character no font has', () => {
    const report = {
      title: 'Łódź Ελληνικά Привет שלום مرحبا',
      sections: [{ heading: 'ok', body: 'fine' }],
      table: {
        columns: ['a', 'b'],
        rows: [
          [1, 'ok'],
          [2, 'x 東 y 🦀'],
        ],
      },
    };

    expect(findMissingGlyph(report, book)).toEqual({
      field: 'table.rows[1][1]',
      codePoint: 0x6771,
    });
  });

  it('needs no glyph for line breaks, tabs and invisible format characters', () => {
    const title = 'a\r\n\tb\u200d\u200c\u200f\u202b\ufe0f\u2066c';

    expect(findMissingGlyph({ title }, book)).toBeUndefined();
  });

  it('stays linear on a large report: a 1 MiB body of distinct characters checks in milliseconds', () => {
    // Every character of the Greek, Cyrillic and Arabic blocks, over and over, then a miss.
    const alphabet = Array.from({ length: 0x700 - 0x370 }, (_, i) =>
      String.fromCodePoint(0x370 + i),
    )
      .filter((c) => book.covers(c.codePointAt(0)!))
      .join('');
    const body = alphabet.repeat(Math.ceil(1_000_000 / alphabet.length)) + '🦀';
    const started = performance.now();

    expect(findMissingGlyph({ title: 't', sections: [{ heading: 'h', body }] }, book)).toEqual({
      field: 'sections[0].body',
      codePoint: 0x1f980,
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('replaces what no font has with U+FFFD, astral characters as one', () => {
    expect(replaceMissing('a 🦀 東 b', book)).toBe('a \ufffd \ufffd b');
  });

  it('writes code points as the Unicode standard does', () => {
    expect([0x41, 0x6771, 0x1f980].map(formatCodePoint)).toEqual(['U+0041', 'U+6771', 'U+1F980']);
  });
});
