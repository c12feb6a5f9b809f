import { Inject, Module, Optional } from '@nestjs/common';
import { isPath, RouteDeadlines } from '../../common/http/deadlines';
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
    // The pool's task deadline, queue wait included, is this route's.
    if (pool)
      deadlines?.register({
        method: 'POST',
        route: '/images/resize',
        matches: (path) => isPath('/images/resize', path),
        ms: () => pool.taskTimeoutMs,
      });
  }
}
