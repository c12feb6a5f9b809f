import {
  Inject,
  Injectable,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { imageConfig, type ImageConfig } from '../../config';
import { defineInlineTask, WorkerPool } from '../../concurrency/worker-pool';
import { ImageTooLargeError, UnsupportedImageError } from './image.errors';
import { resizeImage } from './image.resize';
import { type ResizedImage, type ResizeParams } from './image.types';

/*
 * In-process, not on a thread: sharp already runs libvips on libuv's thread pool, and a hop
 * through a worker thread cost throughput and memory in our benchmark (BENCHMARKS.md).
 * The task still goes through WorkerPool for its queue bound, deadline, cancellation and stats.
 */
export const resizeImageTask = defineInlineTask('image.resize', resizeImage);

@Injectable()
export class ImageService {
  constructor(
    private readonly pool: WorkerPool,
    @Inject(imageConfig.KEY) private readonly config: ImageConfig,
  ) {}

  /** Refuses at once (503) when the pool could not take a resize now, before any upload is read. */
  assertAvailable(): void {
    this.pool.assertAvailable(resizeImageTask);
  }

  async resize(data: Buffer, params: ResizeParams, signal: AbortSignal): Promise<ResizedImage> {
    const { maxInputPixels, maxOutputPixels } = this.config;
    try {
      return await this.pool.run(
        resizeImageTask,
        { data, params, maxInputPixels, maxOutputPixels },
        { signal },
      );
    } catch (error) {
      if (error instanceof ImageTooLargeError) throw new PayloadTooLargeException(error.message);
      if (error instanceof UnsupportedImageError)
        throw new UnsupportedMediaTypeException(error.message);
      throw error;
    }
  }
}
