import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { sharp } from '../sharp';
import type { Exchange } from '../../../../test/support/exchange';
import { NUMBER_LIKE } from '../../../../test/support/hostile';
import { makePng, makePngBomb } from './images';
import {
  allowedFor,
  either,
  type FuzzCase,
  fuzzCase,
  type Part,
  valid,
  wrong,
} from '../../../../test/support/http-fuzz/case';
import {
  extraHeaders,
  gzipBomb,
  param,
  params,
  queryOf,
} from '../../../../test/support/http-fuzz/parts';
import { multipart } from '../../../../test/support/http-fuzz/multipart';

/** The limits the fuzzed service runs with (its environment). */
export interface ImageLimits {
  maxInputBytes: number;
  maxInputPixels: number;
  maxOutputPixels: number;
  maxOutputDimension: number;
}

interface Sample {
  name: string;
  data: Buffer;
  width: number;
  height: number;
}

/** Images the fuzz sends, made once: small real ones of every input format, and bombs. */
export interface ImageSamples {
  images: Sample[];
  /** A real PNG of exactly the input pixel limit. */
  atLimit: Sample;
  /** Files whose header declares more pixels than the limit (nothing large inside). */
  bombs: Sample[];
}

export async function makeImageSamples(limits: ImageLimits): Promise<ImageSamples> {
  const base = sharp({ create: { width: 33, height: 17, channels: 3, background: '#c85028' } });
  const encode = async (name: string, image: sharp.Sharp) => {
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    return { name, data, width: info.width, height: info.height };
  };
  const side = Math.floor(Math.sqrt(limits.maxInputPixels));
  const svg = (width: number, height: number) =>
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="teal"/></svg>`,
    );
  return {
    images: [
      await encode('png', base.clone().png()),
      await encode('jpeg', base.clone().jpeg()),
      await encode('webp', base.clone().webp()),
      await encode('gif', base.clone().gif()),
      await encode('tiff', base.clone().tiff()),
      await encode('avif', base.clone().resize(8, 8).avif()),
      { name: 'png 1x1', data: await makePng(1, 1), width: 1, height: 1 },
      { name: 'png 300x5', data: await makePng(300, 5), width: 300, height: 5 },
      { name: 'svg', data: svg(20, 10), width: 20, height: 10 },
    ],
    atLimit: {
      name: `png ${side}x${side}`,
      data: await makePng(side, side),
      width: side,
      height: side,
    },
    bombs: [
      {
        name: 'png bomb 100000x100000',
        data: makePngBomb(100_000, 100_000),
        width: 100_000,
        height: 100_000,
      },
      {
        name: `png bomb ${side + 1}x${side}`,
        data: makePngBomb(side + 1, side),
        width: side + 1,
        height: side,
      },
      { name: 'svg bomb', data: svg(100_000, 100_000), width: 100_000, height: 100_000 },
    ],
  };
}

const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'];
const FORMATS = ['jpeg', 'png', 'webp', 'avif'];
const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

const integerIn = (min: number, max: number) => (value: string) =>
  /^[0-9]+$/.test(value) && +value >= min && +value <= max;

/** The query: at least one of width and height (small, so the output stays cheap), the rest. */
function resizeQuery(limits: ImageLimits) {
  const side = (name: string) =>
    param(
      name,
      fc.oneof(
        { weight: 16, arbitrary: fc.integer({ min: 1, max: 64 }).map(String) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('0', String(limits.maxOutputDimension + 1), ...NUMBER_LIKE),
        },
      ),
      integerIn(1, limits.maxOutputDimension),
    );
  const query = params(
    side('width'),
    side('height'),
    param('fit', fc.constantFrom(...FITS), (v) => FITS.includes(v)),
    param('format', fc.constantFrom(...FORMATS), (v) => FORMATS.includes(v)),
    param('quality', fc.integer({ min: 0, max: 101 }).map(String), integerIn(1, 100)),
  ).map((given) => {
    const named = (name: string) => given.pairs.some(([key]) => key === name);
    if (named('width') || named('height')) return given;
    return { ...given, parts: [...given.parts, wrong(null, 'neither width nor height', 400)] };
  });
  // Now and then an output far over IMAGE_MAX_OUTPUT_PIXELS: refused before any work.
  const huge = fc
    .integer({
      min: Math.ceil(Math.sqrt(limits.maxOutputPixels)) + 1,
      max: limits.maxOutputDimension,
    })
    .map((n) => ({
      pairs: [
        ['width', String(n)],
        ['height', String(n)],
        ['fit', 'fill'],
      ] as [string, string][],
      parts: [wrong(null, `${n}x${n} output`, 413) as Part<unknown>],
    }));
  return queryOf(fc.oneof({ weight: 12, arbitrary: query }, { weight: 1, arbitrary: huge }), [
    'width',
    'height',
    'fit',
    'format',
    'quality',
  ]);
}

interface Body {
  type?: string;
  encoding?: string;
  data: Buffer;
  /** The image sent, when one is (for checking a 200). */
  sample?: Sample;
}

/** The body and its headers: a raw image, a multipart one, or anything else. */
function resizeBody(samples: ImageSamples, limits: ImageLimits): fc.Arbitrary<Part<Body>> {
  const image = fc.constantFrom(...samples.images);
  const rawType = fc.constantFrom(
    'image/png',
    'image/jpeg',
    'IMAGE/WEBP',
    'image/x-anything',
    'application/octet-stream',
    'image/png; charset=utf-8',
  );
  const raw = fc
    .tuple(image, rawType)
    .map(([sample, type]) =>
      sample.name === 'svg'
        ? either<Body>({ type, data: sample.data, sample }, 'svg', 415)
        : valid<Body>({ type, data: sample.data, sample }, sample.name),
    );
  const viaMultipart = fc
    .tuple(
      image.filter((s) => s.name !== 'svg'),
      fc.nat(3),
      fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/),
    )
    .map(([sample, before, boundary]) => {
      const { type, data } = multipart(boundary, [
        ...Array.from({ length: before }, (_, i) => ({ name: `note${i}`, data: Buffer.from('x') })),
        { name: 'file', filename: 'a.img', data: sample.data },
      ]);
      return valid<Body>({ type, data, sample }, `multipart ${sample.name} after ${before} fields`);
    });
  const atLimit = fc.constant(
    valid<Body>(
      { type: 'image/png', data: samples.atLimit.data, sample: samples.atLimit },
      samples.atLimit.name,
    ),
  );
  const broken = fc.tuple(image, fc.nat(), fc.boolean()).map(([sample, at, truncate]) => {
    const data = Buffer.from(sample.data);
    const cut = 16 + (at % Math.max(1, data.length - 16));
    if (!truncate) for (let i = cut; i < Math.min(data.length, cut + 8); i++) data[i] ^= 0xa5;
    const body = truncate ? data.subarray(0, cut) : data;
    return either<Body>(
      { type: 'image/png', data: body },
      `${sample.name} ${truncate ? 'cut' : 'flipped'} at ${cut}`,
      415,
    );
  });
  const refused = fc.oneof(
    fc
      .constantFrom(...samples.bombs)
      // An SVG may be refused as a format (IMAGE_INPUT_FORMATS) before its size is read.
      .map((b) =>
        wrong<Body>(
          { type: 'image/png', data: b.data },
          b.name,
          413,
          ...(b.name.startsWith('svg') ? [415] : []),
        ),
      ),
    fc.constant(
      wrong<Body>(
        { type: 'image/png', data: Buffer.alloc(limits.maxInputBytes + 1, 1) },
        'over IMAGE_MAX_INPUT_BYTES',
        413,
      ),
    ),
    fc.constant(wrong<Body>({ type: 'image/png', data: Buffer.alloc(0) }, 'empty', 400)),
    fc
      .uint8Array({ minLength: 1, maxLength: 2000 })
      .map((bytes) =>
        wrong<Body>({ type: 'image/jpeg', data: Buffer.from(bytes) }, 'random bytes', 415),
      ),
    fc
      .tuple(
        image,
        fc.constantFrom(
          undefined,
          'text/plain',
          'application/json',
          'image',
          'imagepng',
          'multipart/mixed; boundary=x',
          '*/*',
        ),
      )
      .map(([sample, type]) =>
        wrong<Body>({ type, data: sample.data }, `${sample.name} as ${String(type)}`, 415),
      ),
  );
  const encoded = fc
    .tuple(
      image.filter((s) => s.name !== 'svg'),
      fc.constantFrom('gzip', 'deflate', 'br', 'bogus', 'gzip, gzip', 'identity'),
    )
    .map(([sample, encoding]) => {
      const data = encoding === 'gzip' ? gzipSync(sample.data) : sample.data;
      // A coding the route does not decode: 415, or the bytes taken as they are.
      return either<Body>(
        { type: 'image/png', encoding, data, sample },
        `${sample.name} with Content-Encoding ${encoding}`,
        415,
      );
    });
  const bomb = fc.constant(
    wrong<Body>(
      { type: 'image/png', encoding: 'gzip', data: gzipBomb(64) },
      'gzip bomb of 64 MiB',
      400,
      413,
      415,
    ),
  );
  const badMultipart = multipartRefusals(samples);
  return fc.oneof(
    { weight: 8, arbitrary: raw },
    { weight: 3, arbitrary: viaMultipart },
    { weight: 1, arbitrary: atLimit },
    { weight: 2, arbitrary: broken },
    { weight: 3, arbitrary: refused },
    { weight: 1, arbitrary: encoded },
    { weight: 1, arbitrary: bomb },
    { weight: 2, arbitrary: badMultipart },
  );
}

/** Multipart bodies the route must refuse: bad boundaries, no file, too many parts, cut short. */
function multipartRefusals(samples: ImageSamples): fc.Arbitrary<Part<Body>> {
  const file = { name: 'file', filename: 'a.png', data: samples.images[0].data };
  return fc.oneof(
    fc.constant(
      wrong<Body>(
        { ...multipart('abc', [file]), type: 'multipart/form-data' },
        'no boundary',
        400,
        415,
      ),
    ),
    fc.constant(
      wrong<Body>(
        { ...multipart('abc', [file]), type: 'multipart/form-data; boundary=xyz' },
        'other boundary',
        400,
        415,
      ),
    ),
    fc.constant(
      wrong<Body>(
        { ...multipart('abc', [file]), type: `multipart/form-data; boundary=${'b'.repeat(200)}` },
        'boundary of 200',
        400,
        415,
      ),
    ),
    fc.constant(
      wrong<Body>(
        { ...multipart('abc', [file]), type: 'multipart/form-data; boundary=""' },
        'empty boundary',
        400,
        415,
      ),
    ),
    fc.constant(wrong<Body>(multipart('abc', [{ ...file, name: 'image' }]), 'no file field', 400)),
    fc.constant(
      wrong<Body>(
        multipart('abc', [{ name: 'file', data: Buffer.from('x') }]),
        'file as a plain field',
        400,
        415,
      ),
    ),
    fc.integer({ min: 20, max: 200 }).map((count) =>
      wrong<Body>(
        multipart('abc', [
          ...Array.from({ length: count }, (_, i) => ({
            name: `f${i}`,
            data: Buffer.from('x'),
          })),
          file,
        ]),
        `file after ${count} fields`,
        400,
        413,
      ),
    ),
    fc.nat().map((at) => {
      const whole = multipart('abc', [file]);
      const cut = at % whole.data.length;
      return wrong<Body>(
        { ...whole, data: whole.data.subarray(0, cut) },
        `multipart cut at ${cut}`,
        400,
        415,
      );
    }),
  );
}

/** Checks of a 200: an image of the promised format and size, as X-Image-Width/Height say. */
async function verifyImage(answer: Exchange, query: string): Promise<string[]> {
  const search = new URLSearchParams(query.slice(1));
  const type = answer.headers['content-type'];
  const format = search.get('format');
  if (format && type !== CONTENT_TYPES[format])
    return [`format=${format} answered ${String(type)}`];
  let meta: sharp.Metadata;
  try {
    meta = await sharp(answer.body).metadata();
  } catch {
    return ['the 200 body is not an image'];
  }
  const problems: string[] = [];
  if (
    String(meta.width) !== answer.headers['x-image-width'] ||
    String(meta.height) !== answer.headers['x-image-height']
  ) {
    problems.push(
      `X-Image-Width/Height ${String(answer.headers['x-image-width'])}x${String(answer.headers['x-image-height'])} for a ${meta.width}x${meta.height} image`,
    );
  }
  const [width, height, fit] = [
    search.get('width'),
    search.get('height'),
    search.get('fit') ?? 'cover',
  ];
  if (
    width &&
    height &&
    ['cover', 'contain', 'fill'].includes(fit) &&
    (meta.width !== +width || meta.height !== +height)
  ) {
    problems.push(`${width}x${height} (${fit}) answered ${meta.width}x${meta.height}`);
  }
  return problems;
}

/** `POST /images/resize` requests of every kind, with what may answer each. */
export function resizeCases(samples: ImageSamples, limits: ImageLimits): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(resizeQuery(limits), resizeBody(samples, limits), extraHeaders, fc.boolean())
    .map(([query, body, extra, chunked]) => {
      const { type, encoding, data } = body.value;
      const headers: [string, string][] = [...extra];
      if (type !== undefined) headers.push(['Content-Type', type]);
      if (encoding !== undefined) headers.push(['Content-Encoding', encoding]);
      const parts = [...query.parts, body];
      const allowed = allowedFor(parts, [200, 504]);
      return fuzzCase({
        request: {
          method: 'POST',
          path: `/images/resize${query.text}`,
          headers,
          body: data,
          chunked,
        },
        allowed,
        labels: parts.map((part) => part.label),
        verify: (answer) => (answer.status === 200 ? verifyImage(answer, query.text) : []),
      });
    });
}
