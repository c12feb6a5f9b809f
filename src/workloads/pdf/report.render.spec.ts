import { transferableSymbol, valueSymbol } from 'piscina';
import { extractPdf } from './test/pdf-text';
import { renderReportTask } from './pdf.worker';
import { MissingGlyphError } from './pdf.errors';
import { renderReport } from './report.render';
import {
  RenderCancelledError,
  type RenderOptions,
  type ReportInput,
  ReportTooLongError,
} from './report.types';

const lines = (page: string): string[] => page.split('\n');
const NOTO_SANS_JP =
  require.resolve('@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf');

function options(maxPages: number, more: Partial<RenderOptions> = {}): RenderOptions {
  return { maxPages, fonts: { base: 'dejavu', fallbacks: [] }, missingGlyphs: 'refuse', ...more };
}

function numberTable(rowCount: number): ReportInput['table'] {
  const rows = Array.from({ length: rowCount }, (_, i) => [i + 1, `Item ${i + 1}`, (i + 1) * 1.5]);
  return { columns: ['Id', 'Name', 'Amount'], rows };
}

function words(count: number, last = 'FINIS'): string {
  const lorem = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod'.split(' ');
  return [...Array.from({ length: count - 1 }, (_, i) => lorem[i % lorem.length]), last].join(' ');
}

describe('renderReport', () => {
  it('renders a one-page report with title, subtitle, sections, table and footer', async () => {
    const pdf = await renderReport(
      {
        title: 'Monthly report',
        subtitle: 'March 2026',
        sections: [{ heading: 'Summary', body: 'All systems nominal.' }],
        table: { columns: ['Metric', 'Value'], rows: [['Requests', 1200]] },
      },
      options(5),
    );

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    expect(pdf.toString('latin1')).toContain('(nest-concurrency-starter)');
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    const { pageCount, pages } = extractPdf(pdf);
    expect(pageCount).toBe(1);
    expect(lines(pages[0])).toEqual([
      'Monthly report',
      'March 2026',
      'Summary',
      'All systems nominal.',
      'Metric',
      'Value',
      'Requests',
      '1200',
      'Page 1 of 1',
    ]);
  });

  it('draws Latin extended, Greek and Cyrillic with the embedded DejaVu Sans', async () => {
    const pdf = await renderReport(
      {
        title: 'Łódź, Größe, İstanbul, Čeština',
        sections: [{ heading: 'Ελληνικά', body: 'Привет мир' }],
        table: { columns: ['Město'], rows: [['Ğüşçöı']] },
      },
      options(1),
    );

    expect(lines(extractPdf(pdf).pages[0])).toEqual([
      'Łódź, Größe, İstanbul, Čeština',
      'Ελληνικά',
      'Привет мир',
      'Město',
      'Ğüşçöı',
      'Page 1 of 1',
    ]);
    const text = pdf.toString('latin1');
    expect(text.match(/\/BaseFont \/[A-Z]{6}\+DejaVuSans(-Bold)?\b/g)).toHaveLength(4); // font + CID font
    expect(text).toContain('/FontFile2');
    expect(text).not.toContain('Helvetica');
  });

  it('refuses a character no font has, naming the field and the code point', async () => {
    const report = { title: 'Zürich', sections: [{ heading: 'Tokyo', body: 'Zürich – 東京 🦀' }] };
    const error: unknown = await renderReport(report, options(1)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MissingGlyphError);
    expect(error).toMatchObject({
      field: 'sections[0].body',
      codePoint: 'U+6771',
      message: `sections[0].body contains U+6771 "東", which none of the service's fonts can draw`,
    });
  });

  it('replaces such characters with U+FFFD when asked, and draws the rest', async () => {
    const pdf = await renderReport(
      { title: 'Zürich – 東京 🦀' },
      options(1, { missingGlyphs: 'replace' }),
    );

    expect(lines(extractPdf(pdf).pages[0])).toEqual([
      'Zürich – \ufffd\ufffd \ufffd',
      'Page 1 of 1',
    ]);
  });

  it('draws what DejaVu Sans lacks with the first fallback font that has it', async () => {
    const fonts = { base: 'dejavu' as const, fallbacks: [NOTO_SANS_JP] };
    const pdf = await renderReport(
      { title: 'Report 東京', sections: [{ heading: '大阪', body: 'Kyoto 京都、2024年' }] },
      options(1, { fonts }),
    );

    // One text operation per font run: Latin in DejaVu Sans, kanji in Noto Sans JP, and
    // the neutral "、2024" stays with the kanji before it.
    expect(lines(extractPdf(pdf).pages[0])).toEqual([
      'Report ',
      '東京',
      '大阪',
      'Kyoto ',
      '京都、2024年',
      'Page 1 of 1',
    ]);
    expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansJP-Regular\b/);
  });

  it('draws right-to-left runs in visual order, mirrored brackets included', async () => {
    const pdf = await renderReport({ title: 'שלום (עולם) 2024' }, options(1));

    // Drawing order is visual: right to left reads reversed, the number stays left to right.
    expect(lines(extractPdf(pdf).pages[0])).toEqual(['2024', ' (םלוע) םולש', 'Page 1 of 1']);
  });

  it('with the built-in Helvetica, embeds no font and refuses what WinAnsi lacks', async () => {
    const fonts = { base: 'helvetica' as const, fallbacks: [] };
    const pdf = await renderReport({ title: 'Zürich – café' }, options(1, { fonts }));

    expect(lines(extractPdf(pdf).pages[0])).toEqual(['Zürich – café', 'Page 1 of 1']);
    expect(pdf.toString('latin1')).not.toContain('/FontFile');
    await expect(renderReport({ title: 'Łódź' }, options(1, { fonts }))).rejects.toMatchObject({
      name: 'MissingGlyphError',
      codePoint: 'U+0141',
    });
  });

  describe('a 300-row table', () => {
    let pageCount: number;
    let pages: string[][];

    beforeAll(async () => {
      const pdf = await renderReport({ title: 'Items', table: numberTable(300) }, options(50));
      const extracted = extractPdf(pdf);
      pageCount = extracted.pageCount;
      pages = extracted.pages.map(lines);
    });

    it('spans the pages its rows need', () => {
      // A4 content height 711.89pt, rows 18.4pt (9pt Helvetica + padding): 37 rows below
      // the header on a full page, 35 on the first, below the title: 1 + ceil(265 / 37).
      expect(pageCount).toBe(9);
      expect(pages).toHaveLength(9);
    });

    it('writes "Page N of M" at the foot of every page', () => {
      pages.forEach((page, i) => expect(page.at(-1)).toBe(`Page ${i + 1} of 9`));
    });

    it('repeats the header row at the top of the table on every page', () => {
      pages.forEach((page, i) => {
        const firstRow = page.findIndex((line) => line.startsWith('Item '));
        const headerAt = i === 0 ? 1 : 0; // below the title on the first page
        expect(page.slice(headerAt, headerAt + 3)).toEqual(['Id', 'Name', 'Amount']);
        expect(firstRow).toBe(headerAt + 4);
      });
    });

    it('shows every row once, in order, with its cells', () => {
      const names = pages.flat().filter((line) => line.startsWith('Item '));
      expect(names).toEqual(Array.from({ length: 300 }, (_, i) => `Item ${i + 1}`));
      const last = pages[8];
      expect(last.slice(last.indexOf('Item 300') - 1, last.indexOf('Item 300') + 2)).toEqual([
        '300',
        'Item 300',
        '450',
      ]);
    });
  });

  it('flows long section bodies onto further pages', async () => {
    const pdf = await renderReport(
      {
        title: 'Essay',
        sections: [
          { heading: 'First', body: words(3000, 'ENDFIRST') },
          { heading: 'Second', body: words(200, 'ENDSECOND') },
        ],
      },
      options(20),
    );

    const { pageCount, pages } = extractPdf(pdf);
    expect(pageCount).toBeGreaterThanOrEqual(3);
    const pageOf = (word: string): number => pages.findIndex((page) => page.includes(word));
    expect(pageOf('First')).toBe(0);
    expect(pageOf('ENDFIRST')).toBeGreaterThanOrEqual(2);
    expect(pageOf('ENDSECOND')).toBeGreaterThanOrEqual(pageOf('ENDFIRST'));
    // Pages in between hold nothing but body text and their footer.
    const middle = lines(pages[1]);
    expect(middle.slice(0, -1).every((line) => /^[a-z ]+$/.test(line))).toBe(true);
    expect(middle.at(-1)).toBe(`Page 2 of ${pageCount}`);
    const bodyWords = pages.join(' ').match(/\b(lorem|ipsum|dolor|sit|amet)\b/g) ?? [];
    expect(bodyWords.length).toBeGreaterThan(1000);
  });

  describe('maxPages', () => {
    it('rejects with ReportTooLongError once the report needs one page more', async () => {
      const input = { title: 'Items', table: numberTable(300) };

      await expect(renderReport(input, options(9))).resolves.toBeInstanceOf(Buffer);
      const error: unknown = await renderReport(input, options(8)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReportTooLongError);
      expect(error).toMatchObject({
        name: 'ReportTooLongError',
        maxPages: 8,
        message: 'The report needs more than 8 pages',
      });
    });

    it('stops rendering at the limit instead of laying out the whole report', async () => {
      const huge = { title: 'Huge', table: numberTable(200_000) };
      const started = performance.now();

      await expect(renderReport(huge, options(2))).rejects.toThrow(ReportTooLongError);
      // Laying out all 200,000 rows (5,400 pages) takes about ten seconds.
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });

  describe('cancelled', () => {
    it('stops at the next page once it reads true, with RenderCancelledError', async () => {
      const huge = { title: 'Huge', table: numberTable(200_000) };
      let asked = 0;
      // Cancelled once 3 pages are drawn: rendering stops at the 4th page.
      const cancelled = () => ++asked > 3;
      await expect(renderReport(huge, options(10_000, { cancelled }))).rejects.toThrow(
        RenderCancelledError,
      );
      expect(asked).toBe(4);
    });

    it('is asked once per page and before the file is written', async () => {
      let asked = 0;
      const cancelled = () => (asked++, false);
      const pdf = await renderReport(
        { title: 'Items', table: numberTable(300) },
        options(9, { cancelled }),
      );
      expect(extractPdf(pdf).pages).toHaveLength(9);
      expect(asked).toBe(9 + 1);
    });

    it('reads the cancel flag of a cooperative task (renderReportTask)', async () => {
      const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
      Atomics.store(cancelFlag, 0, 1);
      const input = { ...options(10), report: { title: 'Items', table: numberTable(300) } };
      await expect(renderReportTask({ ...input, cancelFlag })).rejects.toThrow(
        RenderCancelledError,
      );
    });
  });

  it('cuts a cell too tall for a page with an ellipsis and goes on', async () => {
    const started = performance.now();
    const pdf = await renderReport(
      {
        title: 'Big cell',
        table: {
          columns: ['Key', 'Text'],
          rows: [
            ['huge', words(150_000, 'UNSEEN')],
            ['unbroken', 'x'.repeat(100_000)],
            ['after', 'small'],
          ],
        },
      },
      options(10),
    );

    expect(performance.now() - started).toBeLessThan(10_000);
    const { pageCount, pages } = extractPdf(pdf);
    // Each cut row takes a whole page below the header, so the title stays alone on page 1.
    expect(pageCount).toBe(4);
    expect(lines(pages[0])).toEqual(['Big cell', 'Page 1 of 4']);
    const text = pages.join('\n');
    expect(text).not.toContain('UNSEEN');
    expect(text.match(/…/g)).toHaveLength(2);
    expect(lines(pages[3])).toEqual(['Key', 'Text', 'after', 'small', 'Page 4 of 4']);
  });
});

describe('renderReportTask (pdf.worker)', () => {
  it.each([
    ['a small PDF, whose Buffer shares a pooled ArrayBuffer', 1],
    ['a large PDF', 500],
  ])('moves %s in an ArrayBuffer of its own', async (_, rowCount) => {
    const report = { title: 'Items', table: numberTable(rowCount) };
    const moved = (await renderReportTask({ report, ...options(50) })) as unknown as {
      [transferableSymbol]: ArrayBuffer;
      [valueSymbol]: Uint8Array;
    };

    const bytes = moved[valueSymbol];
    expect(moved[transferableSymbol]).toBe(bytes.buffer);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(extractPdf(bytes).pages[0]).toContain('Items');
  });

  it('rejects with something that keeps its name across threads', async () => {
    const report = { title: 'Items', table: numberTable(300) };
    const error: unknown = await renderReportTask({ report, ...options(2) }).catch(
      (e: unknown) => e,
    );

    // What postMessage does to it on the way to the main thread.
    expect(structuredClone(error)).toMatchObject({
      name: 'ReportTooLongError',
      message: 'The report needs more than 2 pages',
      maxPages: 2,
    });
  });

  it('passes other errors on unchanged', async () => {
    const report = { title: null } as unknown as ReportInput;

    await expect(renderReportTask({ report, ...options(5) })).rejects.toBeInstanceOf(TypeError);
  });
});
