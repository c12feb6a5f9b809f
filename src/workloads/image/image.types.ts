import type { WorkingMemory } from './image.cost';

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export const IMAGE_FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

export interface ResizeParams {
  width?: number;
  height?: number;
  fit: ImageFit;
  /** Output format; default: the input's, where it is one of IMAGE_FORMATS, else png. */
  format?: ImageFormat;
  quality?: number;
}

export interface ResizeInput {
  data: Buffer;
  params: ResizeParams;
  maxInputPixels: number;
  maxOutputPixels: number;
  /** sharp's names of the input formats accepted (`IMAGE_INPUT_FORMATS`). */
  inputFormats: readonly string[];
  /** The process's budget of decode and encode memory (an in-process task shares it). */
  memory: WorkingMemory;
}

export interface ResizedImage {
  data: Buffer;
  format: ImageFormat;
  width: number;
  height: number;
}
