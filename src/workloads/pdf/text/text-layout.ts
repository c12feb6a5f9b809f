import { LineBreaker } from './line-breaker';
import type { FontBook, FontChain } from '../fonts/font-book';
import { type Face, RTL } from '../fonts/font-face';
import { assignFaces } from './font-runs';
import { paragraphLevels, type ParagraphLevels, segmentText, visualSegments } from './visual-order';

type Doc = PDFKit.PDFDocument;

export interface TextStyle {
  bold: boolean;
  size: number;
}

/** Text of one face and one direction, drawn as one pdfkit text operation. */
export interface Span {
  text: string;
  face: Face;
  rtl: boolean;
  /** In points. */
  width: number;
}

/** A laid-out line: its spans left to right. */
export interface Line {
  spans: Span[];
  /** In points, trailing spaces left out. */
  width: number;
  /** In a right-to-left paragraph: aligned right unless centred. */
  rtl: boolean;
}

export interface LaidOutText {
  lines: Line[];
  /** Lines were left out to stay within `maxLines`; the last line ends with an ellipsis. */
  truncated: boolean;
}

interface Paragraph extends ParagraphLevels {
  text: string;
  faces: Uint8Array;
}

/** A line before it is cut into spans: a range of a paragraph, trailing spaces excluded. */
interface Range {
  paragraph: Paragraph;
  start: number;
  end: number;
}

/** Absorbs float rounding so a line that fits exactly is not broken. */
const EPSILON = 0.01;
const COMBINING_MARK = /\p{M}/u;
const ELLIPSIS = 0x2026;

/**
 * Lays text out in lines of a given width with the fonts of a {@link FontBook}: each
 * character in the first font that has it, lines broken where UAX #14 allows (spaces,
 * between CJK characters…), words wider than a line cut between characters, and each line
 * in visual order by the Unicode bidi algorithm. Work is linear in the text's length, and
 * stops after `maxLines` lines.
 */
export class TextLayout {
  constructor(
    private readonly doc: Doc,
    private readonly book: FontBook,
  ) {}

  /** Height of one line of `style`: the base font's, whatever fonts the line uses. */
  lineHeight(style: TextStyle): number {
    this.chain(style).faces[0].use(this.doc, style.size);
    return this.doc.currentLineHeight(true);
  }

  /** `text` (`\n` between paragraphs) in lines at most `width` points wide. */
  layout(text: string, style: TextStyle, width: number, maxLines = Infinity): LaidOutText {
    const chain = this.chain(style);
    const ranges: Range[] = [];
    for (const line of text.split('\n')) {
      const paragraph = { text: line, faces: assignFaces(line, chain), ...paragraphLevels(line) };
      this.wrap(paragraph, chain, style.size, width, ranges, maxLines + 1);
      if (ranges.length > maxLines) break;
    }
    const truncated = ranges.length > maxLines;
    const kept = truncated ? ranges.slice(0, Math.max(maxLines, 0)) : ranges;
    const lines = kept.map((range) => this.line(range, chain, style.size));
    if (truncated && kept.length > 0) {
      lines[lines.length - 1] = this.ellipsized(kept[kept.length - 1], chain, style.size, width);
    }
    return { lines, truncated };
  }

  /**
   * Draws lines from (`x`, `y`) down, each `lineHeight` apart, on a shared baseline per
   * line. `start` aligns left-to-right lines left and right-to-left lines right.
   */
  draw(
    lines: Line[],
    style: TextStyle,
    x: number,
    y: number,
    width: number,
    align: 'start' | 'center',
  ): void {
    const base = this.chain(style).faces[0];
    const lineHeight = this.lineHeight(style);
    const ascent = (base.ascent * style.size) / 1000;
    lines.forEach((line, i) => {
      let left = x;
      if (align === 'center') left += (width - line.width) / 2;
      else if (line.rtl) left += width - line.width;
      const baseline = y + i * lineHeight + ascent;
      for (const span of line.spans) {
        const options: PDFKit.Mixins.TextOptions & { textWidth: number; wordCount: number } = {
          lineBreak: false,
          baseline: 'alphabetic',
          // Known widths: pdfkit would measure the text again to draw it.
          textWidth: span.width,
          wordCount: 1,
          // pdfkit hands `features` to the font's layout(), which reads RTL as a direction.
          features: (span.rtl ? RTL : undefined) as PDFKit.Mixins.OpenTypeFeatures[] | undefined,
        };
        span.face.use(this.doc, style.size);
        this.doc.text(span.text, left, baseline, options);
        left += span.width;
      }
    });
  }

  private chain(style: TextStyle): FontChain {
    return style.bold ? this.book.bold : this.book.regular;
  }

  /** Greedy line filling over UAX #14 break opportunities; stops at `limit` ranges. */
  private wrap(
    p: Paragraph,
    chain: FontChain,
    size: number,
    width: number,
    out: Range[],
    limit: number,
  ): void {
    const breaker = new LineBreaker(p.text);
    let lineStart = 0;
    let contentEnd = 0;
    let used = 0; // width from lineStart to the end of the last piece, trailing spaces included
    const flush = (): void => {
      out.push({ paragraph: p, start: lineStart, end: contentEnd });
    };
    let pieceStart = 0;
    for (let bk = breaker.nextBreak(); bk && out.length < limit; bk = breaker.nextBreak()) {
      const pieceEnd = bk.position;
      const pieceContentEnd = withoutTrailingSpaces(p.text, pieceStart, pieceEnd);
      const contentLength = pieceContentEnd - pieceStart;
      const contentWidth = this.measure(p, chain, pieceStart, pieceContentEnd, size);
      if (contentEnd > lineStart && used + contentWidth > width + EPSILON) {
        flush();
        lineStart = pieceStart;
        used = 0;
      }
      if (contentWidth > width + EPSILON) {
        // A word wider than a line: cut it between characters, linearly.
        ({ lineStart, used } = this.cut(
          p,
          chain,
          size,
          width,
          pieceStart,
          pieceContentEnd,
          out,
          limit,
        ));
        if (out.length >= limit) return;
      } else {
        used += contentWidth;
      }
      if (contentLength > 0) contentEnd = pieceContentEnd;
      used += this.measure(p, chain, pieceContentEnd, pieceEnd, size);
      pieceStart = pieceEnd;
      if (bk.required && pieceEnd < p.text.length) {
        flush();
        lineStart = contentEnd = pieceEnd;
        used = 0;
      }
    }
    if (out.length < limit && (contentEnd > lineStart || lineStart === 0)) flush();
  }

  /** Emits full lines of `[start, end)` cut between characters; returns the last, open one. */
  private cut(
    p: Paragraph,
    chain: FontChain,
    size: number,
    width: number,
    start: number,
    end: number,
    out: Range[],
    limit: number,
  ): { lineStart: number; used: number } {
    let lineStart = start;
    let used = 0;
    for (let i = start; i < end && out.length < limit;) {
      let next = i + (p.text.codePointAt(i)! > 0xffff ? 2 : 1);
      // Combining marks stay with their base character.
      while (next < end && COMBINING_MARK.test(String.fromCodePoint(p.text.codePointAt(next)!))) {
        next += p.text.codePointAt(next)! > 0xffff ? 2 : 1;
      }
      const charWidth = this.measure(p, chain, i, next, size);
      if (i > lineStart && used + charWidth > width + EPSILON) {
        out.push({ paragraph: p, start: lineStart, end: i });
        lineStart = i;
        used = 0;
      }
      used += charWidth;
      i = next;
    }
    return { lineStart, used };
  }

  /** Width in points of `[start, end)`, face by face. */
  private measure(
    p: Paragraph,
    chain: FontChain,
    start: number,
    end: number,
    size: number,
  ): number {
    let width = 0;
    for (let i = start; i < end;) {
      let j = i + 1;
      while (j < end && p.faces[j] === p.faces[i]) j++;
      width += chain.faces[p.faces[i]].advance(p.text.slice(i, j), this.doc);
      i = j;
    }
    return (width * size) / 1000;
  }

  private line({ paragraph: p, start, end }: Range, chain: FontChain, size: number): Line {
    const spans: Span[] = [];
    for (const segment of visualSegments(p.text, p.faces, p, start, end)) {
      const face = chain.faces[segment.face];
      const text = segmentText(p.text, segment);
      if (text === '') continue; // only bidi marks
      const width = (face.advance(text, this.doc) * size) / 1000;
      spans.push({ text, face, rtl: segment.level % 2 === 1, width });
    }
    return { spans, width: spans.reduce((sum, span) => sum + span.width, 0), rtl: p.rtl };
  }

  /** The line cut short enough to end with "…" (at its left end if right to left). */
  private ellipsized(range: Range, chain: FontChain, size: number, width: number): Line {
    const hasEllipsis = chain.first(ELLIPSIS) !== -1;
    const mark = hasEllipsis ? '…' : '...';
    const face = chain.faces[Math.max(chain.first(mark.codePointAt(0)!), 0)];
    const markWidth = (face.advance(mark, this.doc) * size) / 1000;
    const fitting: Range[] = [];
    this.cut(range.paragraph, chain, size, width - markWidth, range.start, range.end, fitting, 1);
    const cutAt = fitting[0]?.end ?? range.end;
    const end = withoutTrailingSpaces(range.paragraph.text, range.start, cutAt);
    const line = this.line({ ...range, end }, chain, size);
    const span: Span = { text: mark, face, rtl: false, width: markWidth };
    if (line.rtl) line.spans.unshift(span);
    else line.spans.push(span);
    line.width += markWidth;
    return line;
  }
}

/** End of `[start, end)` of `text` without its trailing spaces (a loop: no regex backtracking). */
function withoutTrailingSpaces(text: string, start: number, end: number): number {
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
}

function isSpace(unit: number): boolean {
  return unit === 0x20 || unit === 0x3000 || (unit >= 0x2000 && unit <= 0x200a);
}
