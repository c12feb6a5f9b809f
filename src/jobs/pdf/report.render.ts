import PDFDocument from 'pdfkit';
import type { RenderOptions, ReportInput, ReportSection, ReportTable } from './report.types';
import { ReportTooLongError } from './report.types';

type Doc = PDFKit.PDFDocument;

const CREATOR = 'nest-concurrency-starter';
const MARGIN = 50;
const FOOTER_BAND = 30; // below the content, for "Page N of M"
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' };
const SIZE = { title: 20, subtitle: 12, heading: 14, body: 10.5, table: 9, footer: 9 };
const COLOR = { text: 'black', muted: '#555555', header: '#e0e0e0', zebra: '#f4f4f4' };
const CELL_PADDING = 4;
/** Over what a column of A4 can show at 9pt, even in Helvetica's narrowest glyph ('). */
const MAX_CELL_CHARS = 20_000;
/** Absorbs float rounding so pdfkit does not see a fitting last line as overflowing. */
const EPSILON = 0.5;

// pdfkit splits a word wider than a line by re-measuring the rest of it for every line, which
// is quadratic in the word's length: break runs of non-space characters into short pieces.
// 40 characters is wider than a table column of a 20-column table, so the cost stays linear.
const LONG_WORD = /\S{40}(?=\S)/g;
// The built-in Helvetica only has WinAnsi glyphs: pdfkit would write anything else as junk.
const NOT_WIN_ANSI =
  /[^\n\x20-\x7e\xa0-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/gu;

/**
 * Renders a report to PDF bytes: title, sections, then a table whose header row repeats
 * on every page, and "Page N of M" at the foot of each page. A4, built-in Helvetica.
 * Pure and CPU-bound: run it on a worker thread, not on the event loop.
 *
 * @param input - The report; a missing subtitle, sections or table is left out.
 * @param options - `maxPages` caps the length of the document.
 * @returns The whole PDF file.
 * @throws {@link ReportTooLongError} (as a rejection) as soon as the report needs more
 *   than `maxPages` pages; rendering stops there.
 */
export function renderReport(input: ReportInput, options: RenderOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_BAND },
      bufferPages: true, // footers need the total page count, known only at the end
      compress: true,
      info: { Title: input.title, Creator: CREATOR },
    });
    const chunks: Uint8Array[] = [];
    doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);

    let pages = 0;
    // Throwing from the listener unwinds pdfkit mid-text, so a huge report stops right here.
    const countPage = (): void => {
      if (++pages > options.maxPages) throw new ReportTooLongError(options.maxPages);
    };
    try {
      countPage(); // the constructor added the first page before anyone could listen
      doc.on('pageAdded', countPage);
      drawContent(doc, input);
      drawFooters(doc);
      doc.end();
    } catch (error) {
      doc.destroy(); // no end(): nothing more is written, and no 'end' resolves
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function drawContent(doc: Doc, input: ReportInput): void {
  style(doc, FONT.bold, SIZE.title).text(clean(input.title));
  if (input.subtitle) {
    style(doc, FONT.regular, SIZE.subtitle, COLOR.muted).text(clean(input.subtitle));
  }
  doc.moveDown();
  for (const section of input.sections ?? []) drawSection(doc, section);
  if (input.table) drawTable(doc, input.table);
}

function drawSection(doc: Doc, section: ReportSection): void {
  const heading = clean(section.heading);
  const bodyLines = 2 * style(doc, FONT.regular, SIZE.body).currentLineHeight(true);
  // Keep a heading with the start of its body rather than alone at the foot of a page.
  ensureSpace(doc, style(doc, FONT.bold, SIZE.heading).heightOfString(heading) + bodyLines);
  doc.text(heading).moveDown(0.3);
  style(doc, FONT.regular, SIZE.body).text(clean(section.body)).moveDown();
}

interface Table {
  doc: Doc;
  left: number;
  columnWidth: number;
  /** Content height of a page. */
  pageHeight: number;
}

interface Row {
  cells: string[];
  font: string;
  height: number;
}

function drawTable(doc: Doc, { columns, rows }: ReportTable): void {
  if (!columns?.length) return;
  const { left, right, top } = doc.page.margins;
  const columnWidth = (doc.page.width - left - right) / columns.length;
  const table: Table = { doc, left, columnWidth, pageHeight: doc.page.maxY() - top };
  const header = measureRow(table, columns.map(clean), FONT.bold, table.pageHeight / 4);
  // Any row then fits on a fresh page below the header: no row needs more than one break.
  const maxRowHeight = table.pageHeight - header.height - EPSILON;
  const startPage = (nextRowHeight: number): void => {
    ensureSpace(doc, header.height + nextRowHeight);
    drawRow(table, header, COLOR.header);
  };
  if (!rows?.length) startPage(0); // a table without rows still shows its columns
  for (const [index, values] of (rows ?? []).entries()) {
    const row = measureRow(table, rowCells(columns, values), FONT.regular, maxRowHeight);
    if (index === 0 || doc.y + row.height > doc.page.maxY()) startPage(row.height);
    drawRow(table, row, index % 2 ? COLOR.zebra : undefined);
  }
}

/** One string per column: missing cells are blank, extra cells are dropped. */
function rowCells(columns: string[], values: (string | number)[] | undefined): string[] {
  return columns.map((_, i) => clean(String(values?.[i] ?? '')));
}

/** The tallest cell sets the height, capped at `maxHeight` (drawRow cuts what overflows). */
function measureRow(table: Table, texts: string[], font: string, maxHeight: number): Row {
  const { doc, columnWidth } = table;
  // What can never show needs no measuring: cut it off and bound the work on huge cells.
  const cells = texts.map((text) => text.slice(0, MAX_CELL_CHARS));
  const width = columnWidth - 2 * CELL_PADDING;
  doc.font(font).fontSize(SIZE.table);
  const tallest = Math.max(...cells.map((cell) => doc.heightOfString(cell, { width })));
  const height = Math.max(tallest, doc.currentLineHeight(true)) + 2 * CELL_PADDING;
  return { cells, font, height: Math.min(height, maxHeight) };
}

function drawRow({ doc, left, columnWidth }: Table, row: Row, fill?: string): void {
  const top = doc.y;
  if (fill) doc.rect(left, top, columnWidth * row.cells.length, row.height).fill(fill);
  style(doc, row.font, SIZE.table);
  row.cells.forEach((cell, i) => {
    // A height stops pdfkit from breaking the page inside a cell; the ellipsis marks a cut.
    doc.text(cell, left + i * columnWidth + CELL_PADDING, top + CELL_PADDING, {
      width: columnWidth - 2 * CELL_PADDING,
      height: row.height - 2 * CELL_PADDING + EPSILON,
      ellipsis: true,
    });
  });
  doc.y = top + row.height;
}

function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > doc.page.maxY()) doc.addPage();
}

/** Writes "Page N of M" on every buffered page, once the total is known. */
function drawFooters(doc: Doc): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = 0; i < count; i++) {
    const page = doc.switchToPage(start + i);
    const { left, right, bottom } = page.margins;
    // pdfkit adds a page for text below the bottom margin: lift the margin while writing.
    page.margins.bottom = 0;
    style(doc, FONT.regular, SIZE.footer, COLOR.muted);
    const width = page.width - left - right;
    doc.text(`Page ${i + 1} of ${count}`, left, page.height - MARGIN, { width, align: 'center' });
    page.margins.bottom = bottom;
  }
}

/** pdfkit keeps font, size and colour until changed: set all three where they matter. */
function style(doc: Doc, font: string, size: number, color = COLOR.text): Doc {
  return doc.font(font).fontSize(size).fillColor(color);
}

function clean(text: string): string {
  const plain = text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  return plain.replace(NOT_WIN_ANSI, '?').replace(LONG_WORD, '$&\n');
}
