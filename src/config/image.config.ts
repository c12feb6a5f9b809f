import { envEnumList, envInt } from './env';

/**
 * Input formats sharp reads here, by the names its metadata gives (`heif` is AVIF and HEIC);
 * what IMAGE_INPUT_FORMATS may list.
 */
export const IMAGE_INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'svg'] as const;
export type ImageInputFormat = (typeof IMAGE_INPUT_FORMATS)[number];

export interface ImageConfig {
  /** Largest accepted upload. `IMAGE_MAX_INPUT_BYTES`, default 20 MiB. */
  maxInputBytes: number;
  /**
   * Largest accepted image, width × height, checked from the header before decoding so a
   * decompression bomb is refused cheaply. `IMAGE_MAX_INPUT_PIXELS`, default 50 MP
   * (sharp's own limit is 268 MP).
   */
  maxInputPixels: number;
  /** Largest requested output side. `IMAGE_MAX_OUTPUT_DIMENSION`, default 8192. */
  maxOutputDimension: number;
  /** Largest output, width × height, computed before any work. `IMAGE_MAX_OUTPUT_PIXELS`, default 50 MP. */
  maxOutputPixels: number;
  /**
   * Bytes of uploads held in memory at once (read, queued or in work); past it, 503.
   * `IMAGE_MAX_BUFFERED_BYTES`, default 256 MiB; at least `IMAGE_MAX_INPUT_BYTES`.
   */
  maxBufferedBytes: number;
  /**
   * Input formats accepted, read from the header (not the Content-Type). `IMAGE_INPUT_FORMATS`,
   * default all but `svg`: librsvg's filters ignore sharp's timeout, so a small SVG can hold
   * a slot long past its deadline.
   */
  inputFormats: ImageInputFormat[];
  /**
   * Estimated decode and encode memory of the resizes in progress in one process (pixels ×
   * the format's cost); a resize that alone needs more is refused with 413, one that does
   * not fit now with 503. `IMAGE_MAX_MEMORY_BYTES`, default 512 MiB.
   */
  maxMemoryBytes: number;
}

export const readImageConfig = (): ImageConfig => {
  const maxInputBytes = envInt(process.env, 'IMAGE_MAX_INPUT_BYTES', {
    default: 20 * 1024 * 1024,
    min: 1,
    max: 1024 * 1024 * 1024,
  });
  return {
    maxInputBytes,
    maxInputPixels: envInt(process.env, 'IMAGE_MAX_INPUT_PIXELS', {
      default: 50_000_000,
      min: 1,
      max: 268_402_689,
    }),
    maxOutputDimension: envInt(process.env, 'IMAGE_MAX_OUTPUT_DIMENSION', {
      default: 8192,
      min: 1,
      max: 16_383,
    }),
    maxOutputPixels: envInt(process.env, 'IMAGE_MAX_OUTPUT_PIXELS', {
      default: 50_000_000,
      min: 1,
      max: 268_402_689,
    }),
    maxBufferedBytes: envInt(process.env, 'IMAGE_MAX_BUFFERED_BYTES', {
      default: Math.max(256 * 1024 * 1024, maxInputBytes),
      min: maxInputBytes,
      max: 64 * 1024 * 1024 * 1024,
    }),
    inputFormats: envEnumList(
      process.env,
      'IMAGE_INPUT_FORMATS',
      IMAGE_INPUT_FORMATS,
      IMAGE_INPUT_FORMATS.filter((format) => format !== 'svg'),
    ),
    maxMemoryBytes: envInt(process.env, 'IMAGE_MAX_MEMORY_BYTES', {
      default: 512 * 1024 * 1024,
      min: 16 * 1024 * 1024,
      max: 64 * 1024 * 1024 * 1024,
    }),
  };
};
