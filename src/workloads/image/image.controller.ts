import {
  applyDecorators,
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  type OpenAPIObject,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { imageConfig, type ImageConfig } from '../../config';
import { optionalEnumParam, optionalIntParam, rejectUnknownParams } from '../../common/http/query';
import { ByteBudget } from '../../common/http/byte-budget';
import { readUpload } from '../../common/http/read-body';
import { RouteBody } from '../../common/http/route-body';
import { RequestSignal } from '../../common/http/request-signal.decorator';
import {
  ApiErrors,
  BINARY_SCHEMA,
  binaryContent,
  type DescribesOpenApi,
  findOperation,
  findParameter,
} from '../../docs';
import { ImageService } from './image.service';
import { CONTENT_TYPES, IMAGE_FITS, IMAGE_FORMATS, type ResizeParams } from './image.types';

const PARAMS = ['width', 'height', 'fit', 'format', 'quality'] as const;

/** The query, in the README's order (stacked decorators would list it bottom-up). */
const ApiResizeQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 'width',
      required: false,
      type: 'integer',
      minimum: 1,
      description: 'Pixels; the maximum is IMAGE_MAX_OUTPUT_DIMENSION.',
    }),
    ApiQuery({
      name: 'height',
      required: false,
      type: 'integer',
      minimum: 1,
      description: 'Pixels; the maximum is IMAGE_MAX_OUTPUT_DIMENSION.',
    }),
    ApiQuery({ name: 'fit', required: false, enum: IMAGE_FITS, schema: { default: 'cover' } }),
    ApiQuery({
      name: 'format',
      required: false,
      enum: IMAGE_FORMATS,
      description: "Default: the input's format where it is one of these, else png.",
    }),
    ApiQuery({
      name: 'quality',
      required: false,
      type: 'integer',
      minimum: 1,
      maximum: 100,
      description: "Default: sharp's for the format.",
    }),
  );

@ApiTags('images')
@Controller('images')
export class ImageController implements DescribesOpenApi {
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
  // Read by the handler, after the checks that need no body (parameters, queue, memory).
  @RouteBody({
    kind: 'stream',
    limit: 'image.maxInputBytes',
    accept: ['image/*', 'application/octet-stream', 'multipart/form-data'],
    acceptName: 'image/* or multipart/form-data',
  })
  @ApiOperation({
    operationId: 'resizeImage',
    summary: "Resize an image in-process, with libvips on libuv's thread pool",
    description:
      'The body is the raw image (`Content-Type: image/*`) or `multipart/form-data` with a ' +
      '`file` field. Give at least one of `width` and `height`; unknown parameters are refused.',
    requestBody: {
      required: true,
      content: {
        ...binaryContent('image/*', 'application/octet-stream'),
        'multipart/form-data': {
          schema: { type: 'object', required: ['file'], properties: { file: BINARY_SCHEMA } },
        },
      },
    },
  })
  @ApiResizeQuery()
  @ApiOkResponse({
    description: 'The resized image, in the requested or the input format.',
    content: binaryContent(...Object.values(CONTENT_TYPES)),
    headers: {
      'X-Image-Width': {
        description: 'Width of the output, in pixels.',
        schema: { type: 'integer' },
      },
      'X-Image-Height': {
        description: 'Height of the output, in pixels.',
        schema: { type: 'integer' },
      },
    },
  })
  @ApiErrors({
    400: 'An invalid or unknown query parameter, neither width nor height, an empty or malformed body.',
    413: 'An upload over IMAGE_MAX_INPUT_BYTES; an image (from its header) or output over its pixel limit; a progressive JPEG of more than 100 scans; a resize whose estimated memory passes IMAGE_MAX_MEMORY_BYTES, or an AVIF encode that could not end within the deadline.',
    415: 'Neither image/* nor multipart/form-data, a Content-Encoding other than identity, not an image that can be decoded, or a format not in IMAGE_INPUT_FORMATS (SVG is off by default).',
    503: 'The worker pool queue, the upload memory budget or the resize memory budget is full, or the service is shutting down.',
    504: 'The resize passed WORKER_TASK_TIMEOUT_MS, queue wait included.',
    500: 'libvips failed on this image in a way no other status describes; the failure is logged.',
  })
  async resize(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @RequestSignal() signal: AbortSignal,
  ): Promise<Buffer> {
    const params = this.parseParams(query);
    // Refuse before reading: a full queue or memory budget is known before the upload is.
    this.images.assertAvailable();
    const limit = this.config.maxInputBytes;
    const declared = Number(request.headers['content-length']);
    this.buffered.reserve(declared > 0 && declared < limit ? declared : limit, reply.raw);
    const data = await readUpload(request, { limit, field: 'file' });
    if (data.length === 0) throw new BadRequestException('The request has no image');
    const image = await this.images.resize(data, params, signal);
    reply.header('X-Image-Width', image.width);
    reply.header('X-Image-Height', image.height);
    reply.type(CONTENT_TYPES[image.format]);
    return image.data;
  }

  /** The size limit is configuration: the docs show this instance's. */
  describeOpenApi(document: OpenAPIObject): void {
    const operation = findOperation(document, 'resizeImage');
    for (const side of ['width', 'height']) {
      const parameter = findParameter(operation, side);
      if (parameter?.schema && !('$ref' in parameter.schema)) {
        parameter.schema.maximum = this.config.maxOutputDimension;
      }
    }
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
