import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { extractPdf } from '../test/pdf-text';
import { embeddedFace } from './embedded-face';
import type { Face } from './font-face';

const DEJAVU = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');

/** DejaVu Sans as a face, with every text fontkit shapes for it written down. */
function dejavu(maxWords?: number): { face: Face; shaped: string[] } {
  const font = fontkit.create(readFileSync(DEJAVU)) as fontkit.Font;
  const shaped: string[] = [];
  const layout = font.layout.bind(font);
  font.layout = (text, ...rest) => {
    shaped.push(text);
    return layout(text, ...rest);
  };
  return { face: embeddedFace('base', font, maxWords), shaped };
}

/** One document drawing `text` with the face (measured first when `measure`), as pdfkit ends it. */
async function draw(face: Face, text: string, measure: boolean): Promise<Buffer> {
  const doc = new PDFDocument({ font: '', compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  face.startDocument();
  doc.registerFont(face.name, face.src as Parameters<typeof doc.registerFont>[1]);
  const textWidth = measure ? (face.advance(text, doc) * 12) / 1000 : undefined;
  face.use(doc, 12);
  // Known width, as the text layout passes it (pdfkit's types do not list the option).
  const options = { lineBreak: false, textWidth, wordCount: 1 } as PDFKit.Mixins.TextOptions;
  doc.text(text, 50, 50, options);
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

describe('embeddedFace', () => {
  it('shapes a word once per thread: measured, drawn, and in the next documents', async () => {
    const { face, shaped } = dejavu();

    const first = await draw(face, 'Łódź sales grew', true);
    const second = await draw(face, 'sales grew Łódź', true);

    // pdfkit's words: each with its trailing space, the last without.
    expect(shaped.sort()).toEqual(['grew', 'grew ', 'sales ', 'Łódź', 'Łódź '].sort());
    expect(extractPdf(first).pages).toEqual(['Łódź sales grew']);
    expect(extractPdf(second).pages).toEqual(['sales grew Łódź']);
  });

  it('keeps the words pdfkit shaped itself for the next documents', async () => {
    const { face, shaped } = dejavu();

    await draw(face, 'never measured', false);
    expect(shaped).toEqual(['never ', 'measured']);
    const next = await draw(face, 'never measured', true);

    expect(shaped).toEqual(['never ', 'measured']);
    expect(extractPdf(next).pages).toEqual(['never measured']);
  });

  it('starts the table over when it is full', async () => {
    const { face, shaped } = dejavu(3);
    const doc = new PDFDocument({ font: '' });

    face.advance('one two three', doc);
    face.advance('one two three', doc);
    expect(shaped).toEqual(['one ', 'two ', 'three']);
    face.advance('four', doc); // a fourth word: the table starts over with it
    face.advance('one ', doc);
    expect(shaped).toEqual(['one ', 'two ', 'three', 'four', 'one ']);
    // pdfkit's words count too: a document that holds the old table keeps it to its end.
    const pdf = await draw(face, 'five six', false);
    expect(extractPdf(pdf).pages).toEqual(['five six']);
    face.advance('four', doc);
    expect(shaped.at(-1)).toBe('four');
  });

  it("measures text as pdfkit's own font does", () => {
    const { face } = dejavu();
    const doc = new PDFDocument({ font: '' });
    const text = 'Quarterly sales: Ελληνικά, Привет, AVA Tę';

    // pdfkit reading the file itself: no cache, no shared table.
    const expected = doc.font(DEJAVU, 1000).widthOfString(text);
    expect(face.advance(text, doc)).toBeCloseTo(expected, 6);
    expect(face.advance(text, doc)).toBeCloseTo(expected, 6); // from the table this time
  });
});
