/**
 * Progressive JPEG scans a resize accepts. A progressive JPEG may hold any number of
 * scans, and libjpeg decodes every one of them over the whole image before libvips sees a
 * pixel, where sharp's timeout cannot stop it: a few hundred kilobytes of empty scans
 * keep a core busy for minutes (libjpeg-turbo's "LJT-01-003", the EOB-run loophole).
 * sharp's own progressive JPEGs have 10 scans, 18 in CMYK (libjpeg's progression for four
 * components), so 100 refuses no real photo; a 50-megapixel image decodes 100 scans in
 * well under a second here.
 */
export const MAX_JPEG_SCANS = 100;

const SOS = 0xda;
const EOI = 0xd9;

/**
 * The scans (SOS markers) of the JPEG in `data`, counted by walking its markers, and at
 * most `limit + 1`: the walk stops as soon as the count passes `limit`. Segments are
 * skipped by their length, so an embedded thumbnail's scans (in APP1) are not counted;
 * entropy-coded data is skipped to its next marker (a 0xFF there is followed by a stuffed
 * 0x00 or is a restart marker). A truncated file counts what it has.
 */
export function countJpegScans(data: Uint8Array, limit = MAX_JPEG_SCANS): number {
  let scans = 0;
  let at = 2; // after SOI
  while (at + 1 < data.length) {
    if (data[at] !== 0xff) {
      // Entropy-coded data: on to the next 0xFF.
      at = data.indexOf(0xff, at + 1);
      if (at < 0) break;
      continue;
    }
    const marker = data[at + 1];
    if (marker === 0xff) {
      at += 1; // a fill byte before a marker
    } else if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // stuffed 0xFF, TEM, restart: no length
    } else if (marker === EOI) {
      break;
    } else {
      if (at + 3 >= data.length) break;
      if (marker === SOS && ++scans > limit) break;
      at += 2 + ((data[at + 2] << 8) | data[at + 3]);
    }
  }
  return scans;
}
