/**
 * Reads back the text of a PDF, one string per page, so specs check what a viewer would
 * show instead of trusting the code that wrote it. Small on purpose: it reads the files
 * pdfkit writes (classic xref, FlateDecode or plain content streams, simple fonts with
 * WinAnsi text in `Tj`/`TJ`), not every PDF. Anything it cannot read makes it throw.
 */
import { inflateSync } from 'node:zlib';

export interface ExtractedPdf {
  /** Number of `/Type /Page` objects in the file. */
  pageCount: number;
  /** Text of each page in page order, one line per text-showing operation. */
  pages: string[];
}

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

// WinAnsi is Latin-1 but for 0x80-0x9F. Node's TextDecoder('windows-1252') decodes those
// as Latin-1 control characters, hence this table (0x81, 0x8D, 0x8F, 0x90, 0x9D are unused).
const WIN_ANSI_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

export function extractPdf(pdf: Uint8Array): ExtractedPdf {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('Not a PDF file');
  const objects = readObjects(bytes);
  const pageIds = [...objects].filter(([, o]) => isType(o.dict, 'Page')).map(([id]) => id);
  const ordered = pagesInOrder(objects);
  if (ordered.length !== pageIds.length) {
    throw new Error(`Page tree lists ${ordered.length} pages, file has ${pageIds.length}`);
  }
  const pages = ordered.map((id) =>
    contentIds(get(objects, id).dict)
      .map((contentId) => textOf(decode(get(objects, contentId))))
      .join('\n'),
  );
  return { pageCount: pageIds.length, pages };
}

/** Every `N 0 obj ... endobj`; streams are cut by their /Length so binary data is skipped. */
function readObjects(bytes: Buffer): Map<number, PdfObject> {
  const text = bytes.toString('latin1'); // one char per byte: string offsets are byte offsets
  const objects = new Map<number, PdfObject>();
  const header = /(\d+) \d+ obj\b/g;
  for (let match; (match = header.exec(text));) {
    const start = match.index + match[0].length;
    const end = /endobj|>>\s*stream\r?\n/g;
    end.lastIndex = start;
    const found = end.exec(text);
    if (!found) throw new Error(`Object ${match[1]} has no end`);
    if (found[0] === 'endobj') {
      objects.set(Number(match[1]), { dict: text.slice(start, found.index) });
      continue;
    }
    const dict = text.slice(start, found.index + 2);
    const dataStart = found.index + found[0].length;
    const length = /\/Length (\d+)(?! \d+ R)/.exec(dict);
    const dataEnd = length ? dataStart + Number(length[1]) : text.indexOf('endstream', dataStart);
    objects.set(Number(match[1]), { dict, stream: bytes.subarray(dataStart, dataEnd) });
    header.lastIndex = dataEnd;
  }
  return objects;
}

/** Page ids by walking the page tree from its root, as a viewer orders them. */
function pagesInOrder(objects: Map<number, PdfObject>): number[] {
  const root = [...objects].find(([, o]) => isType(o.dict, 'Pages') && !/\/Parent\b/.test(o.dict));
  if (!root) throw new Error('No page tree');
  const walk = (id: number): number[] => {
    const { dict } = get(objects, id);
    if (isType(dict, 'Page')) return [id];
    const kids = /\/Kids\s*\[([^\]]*)\]/.exec(dict)?.[1] ?? '';
    return refs(kids).flatMap(walk);
  };
  return walk(root[0]);
}

function contentIds(pageDict: string): number[] {
  const contents = /\/Contents\s*(\[[^\]]*\]|\d+ \d+ R)/.exec(pageDict)?.[1];
  return contents ? refs(contents) : [];
}

function refs(text: string): number[] {
  return [...text.matchAll(/(\d+) \d+ R/g)].map((m) => Number(m[1]));
}

function isType(dict: string, type: string): boolean {
  return new RegExp(`/Type\\s*/${type}(?![A-Za-z])`).test(dict);
}

function get(objects: Map<number, PdfObject>, id: number): PdfObject {
  const object = objects.get(id);
  if (!object) throw new Error(`Missing object ${id}`);
  return object;
}

function decode({ dict, stream }: PdfObject): string {
  if (!stream) throw new Error('Page contents are not a stream');
  const filter = /\/Filter\s*\/(\w+)/.exec(dict)?.[1];
  if (filter && filter !== 'FlateDecode') throw new Error(`Unsupported filter ${filter}`);
  return (filter ? inflateSync(stream) : stream).toString('latin1');
}

/** The strings of each `Tj` and `TJ` operator (kerning numbers dropped), one per line. */
function textOf(content: string): string {
  const string = /<[0-9A-Fa-f\s]*>|\((?:\\[\s\S]|[^\\)])*\)/g;
  const operators = /(\[(?:[^\]\\]|\\[\s\S])*\])\s*TJ|(<[^>]*>|\((?:\\[\s\S]|[^\\)])*\))\s*Tj/g;
  return [...content.matchAll(operators)]
    .map(([, array, single]) =>
      [...(array ?? single).matchAll(string)].map(([s]) => decodeString(s)),
    )
    .map((parts) => parts.join(''))
    .join('\n');
}

function decodeString(token: string): string {
  if (token.startsWith('<')) {
    const hex = token.slice(1, -1).replace(/\s/g, '');
    return winAnsi(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
  }
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '\n': '' };
  const raw = token
    .slice(1, -1)
    .replace(/\\([0-7]{1,3}|[\s\S])/g, (_, e: string) =>
      /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : (escapes[e] ?? e),
    );
  return winAnsi(Buffer.from(raw, 'latin1'));
}

function winAnsi(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (c) => WIN_ANSI_80_9F[c.charCodeAt(0) - 0x80]);
}
