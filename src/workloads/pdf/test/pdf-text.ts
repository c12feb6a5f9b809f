/**
 * Reads back the text of a PDF, one string per page, so specs check what a viewer would
 * show instead of trusting the code that wrote it. Small on purpose: it reads the files
 * pdfkit writes (classic xref, FlateDecode or plain content streams, simple fonts with
 * WinAnsi text, and embedded Type0 fonts through their ToUnicode CMap, in `Tj`/`TJ`), not
 * every PDF. Text comes in drawing order, so right-to-left runs read reversed (poppler's
 * pdftotext, poppler.ts beside this file, puts them back in logical order). Anything it cannot
 * read makes it throw.
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
  const pages = ordered.map((id) => {
    const fonts = pageFonts(objects, get(objects, id).dict);
    return contentIds(get(objects, id).dict)
      .map((contentId) => textOf(decode(get(objects, contentId)), fonts))
      .join('\n');
  });
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

/** A page's font resources by name (`F1`): the ToUnicode map of Type0 fonts, else none. */
type PageFonts = Map<string, Map<number, string> | undefined>;

function pageFonts(objects: Map<number, PdfObject>, pageDict: string): PageFonts {
  const resources = resolveDict(
    objects,
    /\/Resources\s*(<<[\s\S]*>>|\d+ \d+ R)/.exec(pageDict)?.[1],
  );
  const fontDict = resolveDict(objects, /\/Font\s*(<<[^>]*>>|\d+ \d+ R)/.exec(resources)?.[1]);
  const fonts: PageFonts = new Map();
  for (const [, name, id] of fontDict.matchAll(/\/([\w.+-]+)\s+(\d+) \d+ R/g)) {
    const font = get(objects, Number(id)).dict;
    const toUnicode = /\/ToUnicode\s+(\d+) \d+ R/.exec(font)?.[1];
    if (/\/Subtype\s*\/Type0/.test(font) && !toUnicode)
      throw new Error(`Font ${name} has no ToUnicode`);
    fonts.set(name, toUnicode ? readCMap(decode(get(objects, Number(toUnicode)))) : undefined);
  }
  return fonts;
}

function resolveDict(objects: Map<number, PdfObject>, value: string | undefined): string {
  if (!value) return '';
  const ref = /^(\d+) \d+ R$/.exec(value);
  return ref ? get(objects, Number(ref[1])).dict : value;
}

/** The `bfchar` and `bfrange` entries of a ToUnicode CMap: 2-byte code → text. */
function readCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const utf16 = (hex: string): string =>
    Buffer.from(hex.replace(/\s/g, ''), 'hex').swap16().toString('utf16le');
  for (const [, body] of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, text] of body.matchAll(/<([0-9a-f]+)>\s*<([0-9a-f\s]+)>/gi)) {
      map.set(parseInt(code, 16), utf16(text));
    }
  }
  for (const [, body] of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    const ranges = /<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(\[[^\]]*\]|<[0-9a-f\s]+>)/gi;
    for (const [, from, , target] of body.matchAll(ranges)) {
      const start = parseInt(from, 16);
      if (target.startsWith('[')) {
        [...target.matchAll(/<([0-9a-f\s]*)>/gi)].forEach(([, hex], i) =>
          map.set(start + i, utf16(hex)),
        );
      } else {
        throw new Error('bfrange with a start value: pdfkit does not write these');
      }
    }
  }
  return map;
}

/**
 * The strings of each `Tj` and `TJ` operator (kerning numbers dropped), one per line,
 * decoded with the font the last `Tf` selected.
 */
function textOf(content: string, fonts: PageFonts): string {
  const string = /<[0-9A-Fa-f\s]*>|\((?:\\[\s\S]|[^\\)])*\)/g;
  const operators =
    /\/([\w.+-]+)\s+[\d.]+\s+Tf|(\[(?:[^\]\\]|\\[\s\S])*\])\s*TJ|(<[^>]*>|\((?:\\[\s\S]|[^\\)])*\))\s*Tj/g;
  let font: Map<number, string> | undefined;
  const lines: string[] = [];
  for (const [, fontName, array, single] of content.matchAll(operators)) {
    if (fontName !== undefined) {
      if (!fonts.has(fontName)) throw new Error(`Unknown font ${fontName}`);
      font = fonts.get(fontName);
      continue;
    }
    const parts = [...(array ?? single).matchAll(string)].map(([s]) => decodeString(s, font));
    lines.push(parts.join(''));
  }
  return lines.join('\n');
}

function decodeString(token: string, cmap?: Map<number, string>): string {
  if (token.startsWith('<')) {
    const hex = token.slice(1, -1).replace(/\s/g, '');
    const bytes = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
    if (!cmap) return winAnsi(bytes);
    let text = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const mapped = cmap.get(bytes.readUInt16BE(i));
      if (mapped === undefined)
        throw new Error(`Glyph ${bytes.readUInt16BE(i)} is not in ToUnicode`);
      text += mapped;
    }
    return text;
  }
  if (cmap) throw new Error('A literal string in a Type0 font: pdfkit writes hex');
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
