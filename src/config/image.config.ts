import { registerAs } from '@nestjs/config';
import { envInt } from './env';

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
}

export const imageConfig = registerAs('image', (): ImageConfig => ({
  maxInputBytes: envInt(process.env, 'IMAGE_MAX_INPUT_BYTES', {
    default: 20 * 1024 * 1024,
    min: 1,
    max: 1024 * 1024 * 1024,
  }),
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
}));
