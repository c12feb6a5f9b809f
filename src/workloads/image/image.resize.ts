import type { InlineTaskContext } from '../../concurrency/worker-pool';
import { uninterruptibleMs, workingBytes } from './image.cost';
import {
  ImageMemoryBusyError,
  ImageTooCostlyError,
  ImageTooLargeError,
  UnsupportedImageError,
} from './image.errors';
import {
  type ImageFormat,
  IMAGE_FORMATS,
  type ResizedImage,
  type ResizeInput,
  type ResizeParams,
} from './image.types';
import { countJpegScans, MAX_JPEG_SCANS } from './jpeg-scans';
import { sharp } from './sharp';

function outputFormat(requested: ImageFormat | undefined, input: string | undefined): ImageFormat {
  if (requested) return requested;
  if (input === 'jpg') return 'jpeg';
  if (input === 'heif') return 'avif';
  return (IMAGE_FORMATS as readonly string[]).includes(input ?? '')
    ? (input as ImageFormat)
    : 'png';
}

/** The size sharp's `resize` will produce for an input of `width` × `height`. */
export function outputSize(
  width: number,
  height: number,
  params: Pick<ResizeParams, 'width' | 'height' | 'fit'>,
): { width: number; height: number } {
  const { width: w, height: h, fit } = params;
  if (w && h && fit !== 'inside' && fit !== 'outside') return { width: w, height: h };
  const scales = [w && w / width, h && h / height].filter((x): x is number => !!x);
  const scale = fit === 'outside' ? Math.max(...scales) : Math.min(...scales);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * Resizes one image with sharp. The header is read first and the input and output pixel
 * counts checked, so a decompression bomb, or a tiny image asked to become a huge one, is
 * refused before any pixel is decoded; so is a progressive JPEG with more scans than
 * {@link MAX_JPEG_SCANS} (a scan bomb). The deadline goes to
 * sharp's own `timeout`: a running libvips operation must end by itself, never be killed
 * (sharp issue #2263).
 */
export async function resizeImage(
  { data, params, maxInputPixels, maxOutputPixels, inputFormats, memory }: ResizeInput,
  { signal, deadline }: InlineTaskContext,
): Promise<ResizedImage> {
  let metadata: {
    width?: number;
    height?: number;
    orientation?: number;
    format?: string;
    isProgressive?: boolean;
  };
  try {
    // Header only: no pixel is decoded here, so sharp's own pixel limit is not needed yet,
    // and leaving it off lets the check below report the real size against ours.
    metadata = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnsupportedImageError('The body is not an image that can be decoded');
  }
  if (!inputFormats.includes(metadata.format ?? '')) {
    throw new UnsupportedImageError(
      `Images of type ${String(metadata.format).slice(0, 20)} are not accepted; ` +
        `accepted: ${inputFormats.join(', ')} (IMAGE_INPUT_FORMATS)`,
    );
  }
  if (!metadata.width || !metadata.height) {
    throw new UnsupportedImageError('The image has no dimensions');
  }
  // Only the first page or frame is decoded, so that is what counts.
  const pixels = metadata.width * metadata.height;
  if (pixels > maxInputPixels) throw new ImageTooLargeError('input', pixels, maxInputPixels);
  // EXIF orientations 5-8 are quarter turns: rotate() below swaps width and height.
  const turned = (metadata.orientation ?? 1) >= 5;
  const out = turned
    ? outputSize(metadata.height, metadata.width, params)
    : outputSize(metadata.width, metadata.height, params);
  if (out.width * out.height > maxOutputPixels) {
    throw new ImageTooLargeError('output', out.width * out.height, maxOutputPixels);
  }
  if (metadata.format === 'jpeg' && metadata.isProgressive) assertFewScans(data);
  signal.throwIfAborted();

  const format = outputFormat(params.format, metadata.format);
  const outPixels = out.width * out.height;
  const bytes = workingBytes(pixels, outPixels, format);
  if (bytes > memory.capacity) {
    throw new ImageTooCostlyError(
      `Resizing to ${out.width}x${out.height} ${format} would need about ${mib(bytes)} MiB, ` +
        `over the limit of ${mib(memory.capacity)} MiB (IMAGE_MAX_MEMORY_BYTES)`,
    );
  }
  const leftMs = deadline - Date.now();
  if (uninterruptibleMs(outPixels, format) > leftMs) {
    throw new ImageTooCostlyError(
      `Encoding ${out.width}x${out.height} as ${format} cannot be stopped and would not end ` +
        `within the deadline; ask for a smaller image or another format`,
    );
  }
  const release = memory.tryHold(bytes);
  if (!release) throw new ImageMemoryBusyError();
  const seconds = Math.max(1, Math.ceil(leftMs / 1000));
  try {
    const { data: output, info } = await sharp(data, {
      limitInputPixels: maxInputPixels,
      failOn: 'error',
    })
      .timeout({ seconds })
      .rotate()
      .resize({ width: params.width, height: params.height, fit: params.fit })
      .toFormat(format, params.quality === undefined ? {} : { quality: params.quality })
      .toBuffer({ resolveWithObject: true });
    return { data: output, format, width: info.width, height: info.height };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new UnsupportedImageError(`The image could not be decoded: ${(error as Error).message}`);
  } finally {
    release();
  }
}

/** A progressive JPEG's scans are decoded where no timeout reaches: too many are refused. */
function assertFewScans(data: Buffer): void {
  const scans = countJpegScans(data, MAX_JPEG_SCANS);
  if (scans > MAX_JPEG_SCANS) {
    throw new ImageTooCostlyError(
      `The progressive JPEG has more than ${MAX_JPEG_SCANS} scans; decoding them cannot be ` +
        `stopped by the deadline`,
    );
  }
}

function mib(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}
