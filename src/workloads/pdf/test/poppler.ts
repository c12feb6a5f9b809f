/**
 * Reads PDFs with poppler's command-line tools (Debian's poppler-utils, which .ci/run
 * installs): a PDF reader that is not ours checks the text, its order and the fonts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A font as `pdffonts` lists it. */
export interface PdfFont {
  name: string;
  type: string;
  encoding: string;
  embedded: boolean;
  subset: boolean;
  /** Has a ToUnicode map. */
  unicode: boolean;
}

// Explicit embeddings pdftotext wraps right-to-left runs in (RLE … PDF, LRE …).
const BIDI_EMBEDDINGS = /[\u202a-\u202e]/g;

function withFile<T>(pdf: Uint8Array, read: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-'));
  try {
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    return read(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = (tool: string, args: string[]): string =>
  execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The text of the whole document as pdftotext reads it: each run of right-to-left text in
 * logical order (the runs of a mixed line stay in visual order), without the bidi
 * embedding marks pdftotext puts around them.
 */
export function pdftotext(pdf: Uint8Array): string {
  return withFile(pdf, (file) => run('pdftotext', ['-enc', 'UTF-8', file, '-'])).replace(
    BIDI_EMBEDDINGS,
    '',
  );
}

/** The fonts the document's pages use. */
export function pdffonts(pdf: Uint8Array): PdfFont[] {
  const lines = withFile(pdf, (file) => run('pdffonts', [file]))
    .trimEnd()
    .split('\n');
  // Columns: name, type (may hold spaces), encoding, emb, sub, uni, object ID.
  return lines.slice(2).map((line) => {
    const match = /^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$/.exec(line);
    if (!match) throw new Error(`Unexpected pdffonts line: ${line}`);
    const [, name, type, encoding, emb, sub, uni] = match;
    return {
      name,
      type,
      encoding,
      embedded: emb === 'yes',
      subset: sub === 'yes',
      unicode: uni === 'yes',
    };
  });
}

/** The document information dictionary as `pdfinfo` decodes it (e.g. `Title`). */
export function pdfinfo(pdf: Uint8Array): Record<string, string> {
  const text = withFile(pdf, (file) => run('pdfinfo', ['-enc', 'UTF-8', file]));
  return Object.fromEntries(
    [...text.matchAll(/^([A-Za-z ]+):\s*(.*)$/gm)].map(([, key, value]) => [key, value]),
  );
}
