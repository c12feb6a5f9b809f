import { Inject, Module, Optional } from '@nestjs/common';
import { poolTaskRoute, RouteDeadlines } from '../../common/http/deadlines';
import { workerPoolConfig, type WorkerPoolConfig } from '../../config';
import { ImageController } from './image.controller';
import { ImageService } from './image.service';

/**
 * `POST /images/resize`: resizes an upload with sharp, as an in-process task of the pool.
 * Needs `WorkerPoolModule` in the app (global, as AppModule imports it) and the `image` config.
 */
@Module({
  controllers: [ImageController],
  providers: [ImageService],
})
export class ImageModule {
  constructor(
    @Optional() deadlines?: RouteDeadlines,
    @Optional() @Inject(workerPoolConfig.KEY) pool?: WorkerPoolConfig,
  ) {
    if (pool) deadlines?.register(poolTaskRoute('/images/resize', pool.taskTimeoutMs));
  }
}
