import { deflateSync } from 'node:zlib';
import { sharp } from '../sharp';

/** A real PNG of one colour, made by sharp. */
export function makePng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .png()
    .toBuffer();
}

/** A real JPEG of noise, which compresses like a photo (a few bytes per pixel at quality 90). */
export function makeJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A decompression bomb: a tiny PNG file whose header declares `width` × `height` pixels.
 * Made by hand (one IHDR, one IDAT holding a few rows), so nothing large is ever decoded.
 */
export function makePngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = deflateSync(Buffer.alloc((width + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A progressive JPEG "scan bomb": `size` × `size` grey pixels, one DC scan, then `acScans`
 * AC scans that each say "nothing here" for every block in a few bytes (end-of-band runs of
 * 32,767 blocks). Legal JPEG, tiny on the wire, and libjpeg decodes every scan over the
 * whole image (libjpeg-turbo's LJT-01-003). `size` is a multiple of 8.
 */
export function makeJpegScanBomb(size: number, acScans: number): Buffer {
  const segment = (marker: number, body: number[]) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([head, Buffer.from(body)]);
  };
  const blocks = (size / 8) ** 2;
  const lengths = (codes: number) => [codes, ...new Array<number>(15).fill(0)];
  // Each AC scan: one 1-bit code (symbol 0xE0, EOB run of 2^14 + 14 extra bits) per 32,767
  // blocks, the extra bits all ones; padded with ones, 0xFF stuffed with 0x00.
  const bits: number[] = [];
  for (let run = 0; run < Math.ceil(blocks / 32_767); run++)
    bits.push(0, ...new Array<number>(14).fill(1));
  while (bits.length % 8 !== 0) bits.push(1);
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    const byte = bits.slice(i, i + 8).reduce((acc, bit) => (acc << 1) | bit, 0);
    bytes.push(byte, ...(byte === 0xff ? [0] : []));
  }
  const acScan = Buffer.concat([segment(0xda, [1, 1, 0x00, 1, 63, 0]), Buffer.from(bytes)]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, [0, ...new Array<number>(64).fill(1)]),
    // SOF2 (progressive): 8 bits, size × size, one component with tables 0.
    segment(0xc2, [8, size >> 8, size & 0xff, size >> 8, size & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, ...lengths(1), 0x00]), // DC table 0: one code, difference 0
    segment(0xc4, [0x10, ...lengths(1), 0xe0]), // AC table 0: one code, EOB run 2^14+
    segment(0xda, [1, 1, 0x00, 0, 0, 0]),
    Buffer.alloc(blocks / 8), // every block's DC difference: the 1-bit code 0
    ...new Array<Buffer>(acScans).fill(acScan),
    Buffer.from([0xff, 0xd9]),
  ]);
}
