import { paragraphLevels, segmentText, visualSegments } from './visual-order';

/** The segments of a one-face paragraph, as drawn left to right, each with its direction. */
function visual(text: string): string[] {
  const levels = paragraphLevels(text);
  const faces = new Uint8Array(text.length);
  return visualSegments(text, faces, levels, 0, text.length).map(
    (segment) => `${segment.level % 2 ? 'rtl' : 'ltr'}:${segmentText(text, segment)}`,
  );
}

describe('visual order (UAX #9)', () => {
  it('leaves a left-to-right paragraph alone, without running the algorithm', () => {
    expect(paragraphLevels('Łódź 2024 (Q3)')).toEqual({ levels: undefined, rtl: false });
    expect(visual('Łódź 2024 (Q3)')).toEqual(['ltr:Łódź 2024 (Q3)']);
  });

  it('puts a right-to-left paragraph right to left, numbers and Latin inside it left to right', () => {
    expect(paragraphLevels('שלום 2024').rtl).toBe(true);
    // Logical: שלום(1) ␠(1) 2024(2) ␠(1) world(2) ␠(1) עולם(1). Drawn left to right: the last
    // Hebrew word first (the font reverses each rtl run), each number or Latin word in place.
    expect(visual('שלום 2024 world עולם')).toEqual([
      'rtl: עולם',
      'ltr:world',
      'rtl: ',
      'ltr:2024',
      'rtl:שלום ',
    ]);
  });

  it('mirrors brackets in right-to-left runs', () => {
    expect(visual('(שלום)')).toEqual(['rtl:)שלום(']);
  });

  it('keeps a right-to-left word inside a left-to-right paragraph in its place', () => {
    expect(visual('Hello שלום עולם!')).toEqual(['ltr:Hello ', 'rtl:שלום עולם', 'ltr:!']);
  });

  it('draws nothing for bidi marks: their effect is in the levels', () => {
    // The RLM's own segment is left empty; the layout drops empty spans.
    expect(visual('a\u200fb')).toEqual(['ltr:a', 'rtl:', 'ltr:b']);
  });
});
