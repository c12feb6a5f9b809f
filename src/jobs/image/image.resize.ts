import type { InlineTaskContext } from '../../concurrency/worker-pool';
import { ImageTooLargeError, UnsupportedImageError } from './image.errors';
import {
  type ImageFormat,
  IMAGE_FORMATS,
  type ResizedImage,
  type ResizeInput,
} from './image.types';
import { sharp } from './sharp';

function outputFormat(requested: ImageFormat | undefined, input: string | undefined): ImageFormat {
  if (requested) return requested;
  if (input === 'jpg') return 'jpeg';
  if (input === 'heif') return 'avif';
  return (IMAGE_FORMATS as readonly string[]).includes(input ?? '')
    ? (input as ImageFormat)
    : 'png';
}

/**
 * Resizes one image with sharp. The header is read first and the pixel count checked,
 * so a decompression bomb is refused before any of it is decoded. The deadline goes to
 * sharp's own `timeout`: a running libvips operation must end by itself, never be killed
 * (sharp issue #2263).
 */
export async function resizeImage(
  { data, params, maxInputPixels }: ResizeInput,
  { signal, deadline }: InlineTaskContext,
): Promise<ResizedImage> {
  let metadata: { width?: number; height?: number; pages?: number; format?: string };
  try {
    // Header only: no pixel is decoded here, so sharp's own pixel limit is not needed yet,
    // and leaving it off lets the check below report the real size against ours.
    metadata = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnsupportedImageError('The body is not an image that can be decoded');
  }
  if (!metadata.width || !metadata.height) {
    throw new UnsupportedImageError('The image has no dimensions');
  }
  const pixels = metadata.width * metadata.height * (metadata.pages ?? 1);
  if (pixels > maxInputPixels) throw new ImageTooLargeError(pixels, maxInputPixels);
  signal.throwIfAborted();

  const format = outputFormat(params.format, metadata.format);
  const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
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
  }
}
