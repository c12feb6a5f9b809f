import {
  Inject,
  Injectable,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { BufferPool } from '../../common/http/buffer-pool';
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
import { type ResizedImage, type ResizeInput, type ResizeParams } from './image.types';

/*
 * In-process, not on a thread: sharp already runs libvips on libuv's thread pool, and a hop
 * through a worker thread cost throughput and memory in our benchmark (BENCHMARKS.md).
 * The task still goes through WorkerPool for its queue bound, deadline, cancellation and stats.
 * The upload goes back to its pool when the resize has settled, not when the caller is
 * answered: an in-process task runs on after a timeout or a client that left, and sharp
 * reads the upload until it ends.
 */
export const resizeImageTask = defineInlineTask(
  'image.resize',
  async (input: ResizeInput & { uploads?: BufferPool }, context) => {
    try {
      return await resizeImage(input, context);
    } finally {
      input.uploads?.give(input.data);
    }
  },
);

/**
 * Uploads up to 8 MiB are read into reused buffers (BufferPool: fresh ones made V8 mark the
 * whole heap every 70 or so requests), and 32 MiB of them at most are kept while unused.
 * Larger uploads cost far more to resize than to collect.
 */
const UPLOAD_POOL = { maxSize: 8 * 1024 * 1024, maxRetainedBytes: 32 * 1024 * 1024 };

@Injectable()
export class ImageService {
  /** Decode and encode memory of the resizes in progress in this process. */
  readonly memory: WorkingMemory;
  /** Where uploads are read into; {@link resize} gives each back when its work has ended. */
  readonly uploads = new BufferPool(UPLOAD_POOL);

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

  /**
   * Resizes `data`, an upload read into {@link uploads} or any other buffer: one from the pool
   * goes back to it once the resize has ended, so the caller must not read it after this call.
   */
  async resize(data: Buffer, params: ResizeParams, signal: AbortSignal): Promise<ResizedImage> {
    const { maxInputPixels, maxOutputPixels, inputFormats } = this.config;
    const { memory, uploads } = this;
    try {
      return await this.pool.run(
        resizeImageTask,
        { data, params, maxInputPixels, maxOutputPixels, inputFormats, memory, uploads },
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
