import {
  Inject,
  Injectable,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { imageConfig, type ImageConfig } from '../../config';
import { defineInlineTask, WorkerPool } from '../../concurrency/worker-pool';
import { WorkingMemory } from './image.cost';
import {
  ImageMemoryBusyError,
  ImageTooCostlyError,
  ImageTooLargeError,
  UnsupportedImageError,
} from './image.errors';
import { resizeImage } from './image.resize';
import { type ResizedImage, type ResizeParams } from './image.types';

/*
 * In-process, not on a thread: sharp already runs libvips on libuv's thread pool, and a hop
 * through a pool thread cost throughput and memory in our benchmark (BENCHMARKS.md).
 * The task still goes through WorkerPool for its queue bound, deadline, cancellation and stats.
 */
export const resizeImageTask = defineInlineTask('image.resize', resizeImage);

@Injectable()
export class ImageService {
  /** Decode and encode memory of the resizes in progress in this process. */
  readonly memory: WorkingMemory;

  constructor(
    private readonly pool: WorkerPool,
    @Inject(imageConfig.KEY) private readonly config: ImageConfig,
  ) {
    this.memory = new WorkingMemory(config.maxMemoryBytes);
  }

  /** Refuses at once (503) when the pool could not take a resize now, before any upload is read. */
  assertAvailable(): void {
    this.pool.assertAvailable(resizeImageTask);
  }

  async resize(data: Buffer, params: ResizeParams, signal: AbortSignal): Promise<ResizedImage> {
    const { maxInputPixels, maxOutputPixels, inputFormats } = this.config;
    const memory = this.memory;
    try {
      return await this.pool.run(
        resizeImageTask,
        { data, params, maxInputPixels, maxOutputPixels, inputFormats, memory },
        { signal },
      );
    } catch (error) {
      if (error instanceof ImageTooLargeError || error instanceof ImageTooCostlyError) {
        throw new PayloadTooLargeException(error.message);
      }
      if (error instanceof UnsupportedImageError) {
        throw new UnsupportedMediaTypeException(error.message);
      }
      if (error instanceof ImageMemoryBusyError) {
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}
