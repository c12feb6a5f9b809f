import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import { cacheSubsetGlyphs } from './subset-glyphs';

const DEJAVU = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
// Offsets of its glyphs in 16-bit words (loca's short format), where the others use 32 bits.
const DEJAVU_EXTRA_LIGHT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-ExtraLight.ttf');
const NOTO_SANS_JP =
  require.resolve('@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf');

function open(file: string): fontkit.Font {
  return fontkit.create(readFileSync(file)) as fontkit.Font;
}

/** The font file of a subset of `font` with the glyphs of `text`, in their order. */
function subsetBytes(font: fontkit.Font, text: string): Buffer {
  const subset = font.createSubset();
  for (const glyph of font.layout(text).glyphs) subset.includeGlyph(glyph);
  return Buffer.from(subset.encode());
}

describe('cacheSubsetGlyphs', () => {
  // "İ", "Ő", "ǅ" and "Ά" are composite glyphs in DejaVu Sans: their parts get renumbered.
  const texts = ['Łódź İstanbul Őrség ǅ Ά 2024', 'Quarterly sales, İI — naïve café', 'x'];

  it.each([
    ['DejaVu Sans', DEJAVU],
    ['DejaVu Sans ExtraLight', DEJAVU_EXTRA_LIGHT],
    ['Noto Sans JP (no cvt, no fpgm)', NOTO_SANS_JP],
  ])('makes the same font files as fontkit, subset after subset (%s)', (_, file) => {
    const reference = open(file);
    const cached = open(file);
    cacheSubsetGlyphs(cached);
    const jp = file === NOTO_SANS_JP ? ' 東京、大阪と京都' : '';
    // Twice over: the second round takes every glyph from the thread's table.
    for (const text of [...texts, ...texts].map((t) => t + jp)) {
      expect(subsetBytes(cached, text).equals(subsetBytes(reference, text))).toBe(true);
    }
  });

  it('reads a glyph from the font once, not once a subset', () => {
    const font = open(DEJAVU);
    cacheSubsetGlyphs(font);
    const glyphs = font.layout(texts[0]).glyphs;
    const getGlyph = jest.spyOn(font, 'getGlyph');
    const encode = (): void => {
      const subset = font.createSubset();
      for (const glyph of glyphs) subset.includeGlyph(glyph);
      subset.encode();
    };

    encode();
    expect(getGlyph).toHaveBeenCalled(); // fontkit's own subset asks for every glyph, always
    getGlyph.mockClear();
    encode();
    expect(getGlyph).not.toHaveBeenCalled();
  });
});
