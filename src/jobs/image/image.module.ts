import { Module } from '@nestjs/common';
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
export class ImageModule {}
