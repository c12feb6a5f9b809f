import PDFDocument from 'pdfkit';
import { fontBook } from './fonts/font-book';
import { MissingGlyphError } from './pdf.errors';
import type { RenderOptions, ReportInput, ReportSection, ReportTable } from './report.types';
import { RenderCancelledError, ReportTooLongError } from './report.types';
import { findMissingGlyph, replaceMissing } from './text/glyph-check';
import { type Line, TextLayout, type TextStyle } from './text/text-layout';

type Doc = PDFKit.PDFDocument;

const CREATOR = 'nest-concurrency-starter';
const MARGIN = 50;
const FOOTER_BAND = 30; // below the content, for "Page N of M"
const STYLE = {
  title: { bold: true, size: 20 },
  subtitle: { bold: false, size: 12 },
  heading: { bold: true, size: 14 },
  body: { bold: false, size: 10.5 },
  header: { bold: true, size: 9 },
  cell: { bold: false, size: 9 },
  footer: { bold: false, size: 9 },
} satisfies Record<string, TextStyle>;
const COLOR = { text: 'black', muted: '#555555', header: '#e0e0e0', zebra: '#f4f4f4' };
const CELL_PADDING = 4;
/** Over what a column of A4 can show at 9pt, even in the narrowest glyph ('). */
const MAX_CELL_CHARS = 20_000;
/** Absorbs float rounding so a fitting last line is not taken for an overflowing one. */
const EPSILON = 0.5;

/** What every drawing function needs: the document, its text layout, the text cleaner. */
interface Canvas {
  doc: Doc;
  layout: TextLayout;
  clean: (text: string) => string;
}

/**
 * Renders a report to PDF bytes: title, sections, then a table whose header row repeats
 * on every page, and "Page N of M" at the foot of each page. A4. Text is drawn with the
 * fonts of `options.fonts` (read once per thread), right-to-left paragraphs in visual
 * order and aligned right. Pure and CPU-bound: run it on a pool thread, not on the
 * event loop.
 *
 * @param input - The report; a missing subtitle, sections or table is left out.
 * @param options - `maxPages` caps the length of the document; `fonts` and
 *   `missingGlyphs` say how characters are drawn.
 * @returns The whole PDF file.
 * @throws {@link MissingGlyphError} (as a rejection, before any drawing) for the first
 *   character no font has, unless `missingGlyphs` is `replace`.
 * @throws {@link ReportTooLongError} (as a rejection) as soon as the report needs more
 *   than `maxPages` pages; rendering stops there.
 */
export function renderReport(input: ReportInput, options: RenderOptions): Promise<Buffer> {
  const book = fontBook(options.fonts);
  if (options.missingGlyphs === 'refuse') {
    const missing = findMissingGlyph(input, book);
    if (missing) return Promise.reject(new MissingGlyphError(missing));
  }
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_BAND },
      bufferPages: true, // footers need the total page count, known only at the end
      compress: true,
      info: { Title: input.title, Creator: CREATOR },
      // No default font: pdfkit would load Helvetica's metrics for every document. Every
      // text operation here names its font (TextLayout.draw).
      font: '',
    });
    book.register(doc);
    const canvas: Canvas = {
      doc,
      layout: new TextLayout(doc, book),
      clean: (text) => {
        const plain = text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
        return options.missingGlyphs === 'replace' ? replaceMissing(plain, book) : plain;
      },
    };
    const chunks: Uint8Array[] = [];
    doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);

    let pages = 0;
    // Throwing from the listener unwinds pdfkit mid-text, so a huge report, or one nobody
    // waits for any more, stops right here.
    const countPage = (): void => {
      if (++pages > options.maxPages) throw new ReportTooLongError(options.maxPages);
      if (options.cancelled?.()) throw new RenderCancelledError();
    };
    try {
      countPage(); // the constructor added the first page before anyone could listen
      doc.on('pageAdded', countPage);
      drawContent(canvas, input);
      drawFooters(canvas);
      if (options.cancelled?.()) throw new RenderCancelledError();
      doc.end();
    } catch (error) {
      doc.destroy(); // no end(): nothing more is written, and no 'end' resolves
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function drawContent(canvas: Canvas, input: ReportInput): void {
  flow(canvas, input.title, STYLE.title);
  if (input.subtitle) flow(canvas, input.subtitle, STYLE.subtitle, COLOR.muted);
  moveDown(canvas, input.subtitle ? STYLE.subtitle : STYLE.title);
  for (const section of input.sections ?? []) drawSection(canvas, section);
  if (input.table) drawTable(canvas, input.table);
}

function drawSection(canvas: Canvas, section: ReportSection): void {
  const { doc, layout } = canvas;
  const heading = layout.layout(canvas.clean(section.heading), STYLE.heading, contentWidth(doc));
  const headingHeight = heading.lines.length * layout.lineHeight(STYLE.heading);
  // Keep a heading with the start of its body rather than alone at the foot of a page.
  ensureSpace(doc, headingHeight + 2 * layout.lineHeight(STYLE.body));
  drawFlowing(canvas, heading.lines, STYLE.heading, COLOR.text);
  moveDown(canvas, STYLE.heading, 0.3);
  flow(canvas, section.body, STYLE.body);
  moveDown(canvas, STYLE.body);
}

/** Text across the page width, going on to the next page where it reaches the bottom. */
function flow(canvas: Canvas, text: string, style: TextStyle, color = COLOR.text): void {
  const { lines } = canvas.layout.layout(canvas.clean(text), style, contentWidth(canvas.doc));
  drawFlowing(canvas, lines, style, color);
}

function drawFlowing(
  { doc, layout }: Canvas,
  lines: Line[],
  style: TextStyle,
  color: string,
): void {
  const lineHeight = layout.lineHeight(style);
  for (const line of lines) {
    if (doc.y + lineHeight > doc.page.maxY()) doc.addPage();
    doc.fillColor(color);
    layout.draw([line], style, doc.page.margins.left, doc.y, contentWidth(doc), 'start');
    doc.y += lineHeight;
  }
}

function moveDown({ doc, layout }: Canvas, style: TextStyle, lines = 1): void {
  doc.y += layout.lineHeight(style) * lines;
}

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

interface Table {
  canvas: Canvas;
  left: number;
  columnWidth: number;
  /** Content height of a page. */
  pageHeight: number;
}

interface Row {
  cells: Line[][];
  style: TextStyle;
  height: number;
}

function drawTable(canvas: Canvas, { columns, rows }: ReportTable): void {
  const { doc } = canvas;
  if (!columns?.length) return;
  const { left, top } = doc.page.margins;
  const columnWidth = contentWidth(doc) / columns.length;
  const table: Table = { canvas, left, columnWidth, pageHeight: doc.page.maxY() - top };
  const header = measureRow(table, columns, STYLE.header, table.pageHeight / 4);
  // Any row then fits on a fresh page below the header: no row needs more than one break.
  const maxRowHeight = table.pageHeight - header.height - EPSILON;
  const startPage = (nextRowHeight: number): void => {
    ensureSpace(doc, header.height + nextRowHeight);
    drawRow(table, header, COLOR.header);
  };
  if (!rows?.length) startPage(0); // a table without rows still shows its columns
  for (const [index, values] of (rows ?? []).entries()) {
    const row = measureRow(table, rowCells(columns, values), STYLE.cell, maxRowHeight);
    if (index === 0 || doc.y + row.height > doc.page.maxY()) startPage(row.height);
    drawRow(table, row, index % 2 ? COLOR.zebra : undefined);
  }
}

/** One string per column: missing cells are blank, extra cells are dropped. */
function rowCells(columns: string[], values: (string | number)[] | undefined): string[] {
  return columns.map((_, i) => String(values?.[i] ?? ''));
}

/**
 * Lays out each cell; the tallest sets the height, capped at `maxHeight`: a cell with
 * more lines shows what fits, its last line ending in an ellipsis.
 */
function measureRow(table: Table, texts: string[], style: TextStyle, maxHeight: number): Row {
  const { canvas, columnWidth } = table;
  const width = columnWidth - 2 * CELL_PADDING;
  const lineHeight = canvas.layout.lineHeight(style);
  const maxLines = Math.max(1, Math.floor((maxHeight - 2 * CELL_PADDING + EPSILON) / lineHeight));
  // What can never show needs no laying out: cut it off and bound the work on huge cells.
  const cells = texts.map(
    (text) =>
      canvas.layout.layout(canvas.clean(text.slice(0, MAX_CELL_CHARS)), style, width, maxLines)
        .lines,
  );
  const tallest = Math.max(1, ...cells.map((lines) => lines.length));
  const height = tallest * lineHeight + 2 * CELL_PADDING;
  return { cells, style, height: Math.min(height, maxHeight) };
}

function drawRow({ canvas, left, columnWidth }: Table, row: Row, fill?: string): void {
  const { doc, layout } = canvas;
  const top = doc.y;
  if (fill) doc.rect(left, top, columnWidth * row.cells.length, row.height).fill(fill);
  row.cells.forEach((lines, i) => {
    doc.fillColor(COLOR.text);
    const x = left + i * columnWidth + CELL_PADDING;
    layout.draw(lines, row.style, x, top + CELL_PADDING, columnWidth - 2 * CELL_PADDING, 'start');
  });
  doc.y = top + row.height;
}

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.maxY()) doc.addPage();
}

/** Writes "Page N of M" on every buffered page, once the total is known. */
function drawFooters({ doc, layout }: Canvas): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = 0; i < count; i++) {
    const page = doc.switchToPage(start + i);
    const width = contentWidth(doc);
    const { lines } = layout.layout(`Page ${i + 1} of ${count}`, STYLE.footer, width);
    doc.fillColor(COLOR.muted);
    layout.draw(lines, STYLE.footer, page.margins.left, page.height - MARGIN, width, 'center');
  }
}
