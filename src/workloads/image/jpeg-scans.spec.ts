import { countJpegScans, MAX_JPEG_SCANS } from './jpeg-scans';
import { sharp } from './sharp';
import { makeJpeg, makeJpegScanBomb } from './test/images';

/** SOS markers found by a plain search: right for a file with no thumbnail or odd segments. */
function sosMarkers(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf('ffda', 0, 'hex'); at >= 0; at = data.indexOf('ffda', at + 2, 'hex')) {
    count++;
  }
  return count;
}

describe('countJpegScans', () => {
  let baseline: Buffer;
  let progressive: Buffer;

  beforeAll(async () => {
    baseline = await makeJpeg(300, 200);
    progressive = await sharp(baseline).jpeg({ progressive: true }).toBuffer();
  });

  it('counts the one scan of a baseline JPEG', () => {
    expect(countJpegScans(baseline)).toBe(1);
  });

  it("counts a progressive JPEG's scans, as many as its SOS markers", async () => {
    expect((await sharp(progressive).metadata()).isProgressive).toBe(true);
    const scans = countJpegScans(progressive);
    expect(scans).toBeGreaterThan(1);
    expect(scans).toBe(sosMarkers(progressive));
    expect(scans).toBeLessThanOrEqual(MAX_JPEG_SCANS);
  });

  it("skips segments by their length: a thumbnail's scans in APP1 are not counted", async () => {
    const small = await makeJpeg(40, 30);
    const thumbnail = Buffer.concat([Buffer.from('Exif\0\0'), small, small]);
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(thumbnail.length + 2, 2);
    const withThumbnail = Buffer.concat([
      progressive.subarray(0, 2),
      app1,
      thumbnail,
      progressive.subarray(2),
    ]);
    expect(sosMarkers(withThumbnail)).toBe(sosMarkers(progressive) + 2);
    expect(countJpegScans(withThumbnail)).toBe(countJpegScans(progressive));
  });

  it('counts a scan bomb, and stops one past the limit', async () => {
    const bomb = makeJpegScanBomb(512, 300);
    expect(await sharp(bomb).metadata()).toMatchObject({
      format: 'jpeg',
      isProgressive: true,
      width: 512,
      height: 512,
    });
    expect(countJpegScans(bomb, 1000)).toBe(301);
    expect(countJpegScans(bomb, 50)).toBe(51);
    expect(countJpegScans(bomb)).toBe(MAX_JPEG_SCANS + 1);
  });

  it('decodes the bomb as a real JPEG (libjpeg reads every scan)', async () => {
    const { info } = await sharp(makeJpegScanBomb(512, 20))
      .resize({ width: 16 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 16, height: 16 });
  });

  it('counts what a truncated file or garbage holds, without throwing', () => {
    expect(countJpegScans(progressive.subarray(0, progressive.length / 2))).toBeGreaterThanOrEqual(
      1,
    );
    expect(countJpegScans(progressive.subarray(0, 3))).toBe(0);
    expect(countJpegScans(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00]))).toBe(0);
    expect(countJpegScans(Buffer.alloc(0))).toBe(0);
    expect(countJpegScans(Buffer.alloc(1000, 0xff))).toBe(0);
  });
});
