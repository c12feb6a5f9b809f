import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { imageConfig, type ImageConfig } from '../../config';
import { optionalEnumParam, optionalIntParam, rejectUnknownParams } from '../../common/http/query';
import { ByteBudget } from '../../common/http/byte-budget';
import { readUpload } from '../../common/http/read-body';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import { ImageService } from './image.service';
import { CONTENT_TYPES, IMAGE_FITS, IMAGE_FORMATS, type ResizeParams } from './image.types';

const PARAMS = ['width', 'height', 'fit', 'format', 'quality'] as const;

@Controller('images')
export class ImageController {
  private readonly buffered: ByteBudget;

  constructor(
    private readonly images: ImageService,
    @Inject(imageConfig.KEY) private readonly config: ImageConfig,
  ) {
    this.buffered = new ByteBudget(config.maxBufferedBytes);
  }

  /** `POST /images/resize?width=&height=&fit=&format=&quality=` with a raw image or multipart `file`. */
  @Post('resize')
  @HttpCode(200)
  async resize(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @RequestSignal() signal: AbortSignal,
  ): Promise<StreamableFile> {
    const params = this.parseParams(query);
    // Refuse before reading: a full queue or memory budget is known before the upload is.
    this.images.assertAvailable();
    const limit = this.config.maxInputBytes;
    const declared = Number(request.headers['content-length']);
    this.buffered.reserve(declared > 0 && declared < limit ? declared : limit, response);
    const data = await readUpload(request, {
      limit,
      field: 'file',
      accept: (type) => type.startsWith('image/') || type === 'application/octet-stream',
      acceptName: 'image/*',
    });
    if (data.length === 0) throw new BadRequestException('The request has no image');
    const image = await this.images.resize(data, params, signal);
    response.setHeader('X-Image-Width', String(image.width));
    response.setHeader('X-Image-Height', String(image.height));
    return new StreamableFile(image.data, { type: CONTENT_TYPES[image.format] });
  }

  private parseParams(query: Record<string, unknown>): ResizeParams {
    rejectUnknownParams(query, PARAMS);
    const max = this.config.maxOutputDimension;
    const width = optionalIntParam(query, 'width', 1, max);
    const height = optionalIntParam(query, 'height', 1, max);
    if (width === undefined && height === undefined) {
      throw new BadRequestException('Give at least one of width and height');
    }
    return {
      width,
      height,
      fit: optionalEnumParam(query, 'fit', IMAGE_FITS) ?? 'cover',
      format: optionalEnumParam(query, 'format', IMAGE_FORMATS),
      quality: optionalIntParam(query, 'quality', 1, 100),
    };
  }
}
