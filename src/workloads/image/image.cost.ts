import type { ImageFormat } from './image.types';

/**
 * What a resize costs beyond its upload, estimated before any pixel is decoded. Measured
 * here with sharp 0.35 (peak RSS growth of one resize, from a tiny input to a large
 * output): JPEG about 6 bytes per output pixel, WebP 5, AVIF 18–35 (the encoder's own
 * buffers). The figures below round those up, and count the decoded input at 4 bytes a
 * pixel (RGBA), so the estimate errs on the side of refusing.
 */
const OUTPUT_BYTES_PER_PIXEL: Record<ImageFormat, number> = {
  jpeg: 8,
  png: 8,
  webp: 8,
  avif: 36,
};
const INPUT_BYTES_PER_PIXEL = 4;

/**
 * The AVIF encoder does not stop at sharp's timeout (nor does librsvg): an encode must be
 * small enough to end within the deadline by itself. Measured here: about 0.6 µs per output
 * pixel on one core; 2 µs leaves room for a loaded machine.
 */
const AVIF_ENCODE_MS_PER_PIXEL = 0.002;

export function workingBytes(
  inputPixels: number,
  outputPixels: number,
  format: ImageFormat,
): number {
  return inputPixels * INPUT_BYTES_PER_PIXEL + outputPixels * OUTPUT_BYTES_PER_PIXEL[format];
}

/** Milliseconds an encode may run past any timeout: only AVIF's is counted. */
export function uninterruptibleMs(outputPixels: number, format: ImageFormat): number {
  return format === 'avif' ? outputPixels * AVIF_ENCODE_MS_PER_PIXEL : 0;
}

/** Bytes of estimated working memory held by the resizes in progress in this process. */
export class WorkingMemory {
  private held = 0;

  constructor(readonly capacity: number) {}

  get used(): number {
    return this.held;
  }

  /** Holds `bytes` and returns their release, or undefined when they do not fit now. */
  tryHold(bytes: number): (() => void) | undefined {
    if (this.held + bytes > this.capacity) return undefined;
    this.held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
    };
  }
}
